"""One output mechanism: never over an input, never over an existing output without overwrite, all or nothing."""
import os

import pytest

from jointie_allennlp.data.output import OutputError, encodable, open_output, output_directory, write_output


def _listing(directory):
    return sorted(p.name for p in directory.iterdir())


def test_output_equal_to_an_input_is_refused_and_the_input_kept(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("keep\n", encoding="utf-8")
    for same in (source, tmp_path / "." / "in.jsonl", tmp_path / "sub" / ".." / "in.jsonl"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(OutputError, match="the output is also an input"):
            with open_output(same, inputs=[str(source)], overwrite=True) as handle:
                handle.write("lost")
    link = tmp_path / "link.jsonl"
    link.symlink_to(source)
    with pytest.raises(OutputError, match=f"{link}: the output is also an input"):
        write_output(link, "lost", inputs=[source], overwrite=True)
    assert source.read_text("utf-8") == "keep\n"
    assert _listing(tmp_path) == ["in.jsonl", "link.jsonl", "sub"]


def test_existing_output_needs_overwrite(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match=f"{target}: the output file exists: give --overwrite"):
        write_output(target, "new")
    assert target.read_text("utf-8") == "old"
    os.chmod(target, 0o640)
    write_output(target, "new", overwrite=True)
    assert target.read_text("utf-8") == "new" and (target.stat().st_mode & 0o777) == 0o640
    assert _listing(tmp_path) == ["out.json"]


def test_a_failed_or_interrupted_block_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n", encoding="utf-8")
    for error in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(error)):
            with open_output(target, overwrite=True) as handle:
                handle.write("half of the new\n")
                assert not target.read_text("utf-8").startswith("half")  # not in place before the end
                raise error
        assert target.read_text("utf-8") == "old\n" and _listing(tmp_path) == ["out.jsonl"]
    with pytest.raises(RuntimeError):
        with open_output(tmp_path / "new.jsonl") as handle:
            handle.write("x")
            raise RuntimeError
    assert _listing(tmp_path) == ["out.jsonl"]


def test_text_output_writes_lone_surrogates_as_replacement_characters(tmp_path):
    target = write_output(tmp_path / "page.html", "a\ud800b")
    assert target.read_bytes() == "a\ufffdb".encode("utf-8")
    cleaned = encodable({"k\udc80": ["x\ud83d", 1, None, "ok \U0001F600"]})
    assert cleaned == {"k\ufffd": ["x\ufffd", 1, None, "ok \U0001F600"]}


def test_output_directory_is_built_beside_and_moved_into_place(tmp_path):
    target = tmp_path / "brat"
    with output_directory(target) as building:
        assert building.parent == tmp_path and building != target and not target.exists()
        (building / "a.txt").write_text("A", encoding="utf-8")
    assert _listing(target) == ["a.txt"] and _listing(tmp_path) == ["brat"]
    with pytest.raises(OutputError, match=f"{target}: the output directory exists and is not empty"):
        with output_directory(target):
            pass
    with pytest.raises(RuntimeError):
        with output_directory(target, overwrite=True) as building:
            (building / "b.txt").write_text("B", encoding="utf-8")
            raise RuntimeError
    assert _listing(target) == ["a.txt"] and _listing(tmp_path) == ["brat"]
    with output_directory(target, overwrite=True) as building:
        (building / "b.txt").write_text("B", encoding="utf-8")
    assert _listing(target) == ["b.txt"] and _listing(tmp_path) == ["brat"]


def test_output_directory_holding_an_input_is_refused(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="the output is also an input"):
        with output_directory(tmp_path / "data", inputs=[tmp_path / "data" / "x.txt"], overwrite=True):
            pass
    with output_directory(tmp_path / "empty"):
        pass
    with output_directory(tmp_path / "empty") as building:  # an empty directory holds nothing to lose
        (building / "y").write_text("y", encoding="utf-8")
    assert _listing(tmp_path / "data") == ["x.txt"] and _listing(tmp_path / "empty") == ["y"]


def test_a_device_is_written_in_place_and_a_full_one_is_named():
    import stat

    write_output("/dev/null", "nothing to keep\n")  # no --overwrite needed, and the device stays
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    for content in ("x" * 100000, b"y"):
        with pytest.raises(OutputError, match="^/dev/full: cannot be written: No space left on device$"):
            write_output("/dev/full", content)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
