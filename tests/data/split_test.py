import json
from pathlib import Path

import pytest

from jointie_allennlp.cli import main
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.split import split_brat_directory


def _brat_directory(root: Path, reports: int = 10, parts: int = 2) -> Path:
    source = root / "source"
    source.mkdir()
    for report in range(reports):
        for part in range(parts):
            stem = f"r{report:02d}_part_{part}"
            (source / f"{stem}.txt").write_text(f"Текст {report} {part}.", encoding="utf-8")
            (source / f"{stem}.ann").write_text("T1\tMET 0 5\tТекст\n", encoding="utf-8")
    return source


def _stems(directory: Path):
    return sorted(p.stem for p in directory.glob("*.txt"))


def test_split_by_document_with_a_fixed_seed(tmp_path):
    source = _brat_directory(tmp_path)
    first = split_brat_directory(source, tmp_path / "a", dev_fraction=0.3, seed=13)
    second = split_brat_directory(source, tmp_path / "b", dev_fraction=0.3, seed=13)
    assert first == second and _stems(tmp_path / "a" / "dev") == _stems(tmp_path / "b" / "dev") == first["dev"]
    # 10 reports, 30 % -> 3 reports (6 files) in dev; the parts of a report stay together
    assert len(first["dev"]) == 6 and len(first["train"]) == 14
    assert not set(first["dev"]) & set(first["train"])
    assert set(first["dev"]) | set(first["train"]) == set(_stems(source))
    dev_reports = {stem.split("_part_")[0] for stem in first["dev"]}
    assert all(f"{r}_part_{p}" in first["dev"] for r in dev_reports for p in range(2))
    for split in ("train", "dev"):
        for stem in first[split]:
            for suffix in (".txt", ".ann"):
                copied = tmp_path / "a" / split / f"{stem}{suffix}"
                assert copied.read_bytes() == (source / f"{stem}{suffix}").read_bytes()


def test_other_seed_other_split_and_files_as_documents(tmp_path):
    source = _brat_directory(tmp_path)
    splits = {seed: split_brat_directory(source, tmp_path / str(seed), 0.3, seed)["dev"] for seed in range(5)}
    assert len({tuple(dev) for dev in splits.values()}) > 1
    per_file = split_brat_directory(source, tmp_path / "files", dev_fraction=0.5, seed=13, group_pattern="")
    assert len(per_file["dev"]) == 10 and len(per_file["train"]) == 10


def test_bad_fraction_and_missing_directory(tmp_path):
    source = _brat_directory(tmp_path)
    with pytest.raises(FormatError):
        split_brat_directory(source, tmp_path / "out", dev_fraction=1.0)
    with pytest.raises(FormatError):
        split_brat_directory(tmp_path / "missing", tmp_path / "out")


def test_split_brat_command(tmp_path, capsys):
    source = _brat_directory(tmp_path, reports=4)
    status = main(["split-brat", str(source), str(tmp_path / "out"), "--dev-fraction", "0.25", "--seed", "7"])
    assert status == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["train"] == 6 and result["dev"] == 2
    assert len(_stems(tmp_path / "out" / "dev")) == 2
    assert main(["split-brat", str(tmp_path / "missing"), str(tmp_path / "out")]) == 2


def test_links_to_nothing_are_skipped_listed_and_never_in_a_split(tmp_path):
    source = _brat_directory(tmp_path, reports=4, parts=1)
    (source / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (source / "loop.txt").symlink_to(source / "loop.txt")
    (source / "no_ann.txt").write_text("Текст.", encoding="utf-8")
    (source / "no_ann.ann").symlink_to(tmp_path / "gone.ann")
    (source / "linked.txt").symlink_to(source / "r00_part_0.txt")  # a link to a file is a document
    splits = split_brat_directory(source, tmp_path / "out", 0.3, 13, group_pattern="")
    assert splits["skipped"] == ["dangling.txt is a link to nothing", "loop.txt is a link that loops",
                                 "no_ann.ann is a link to nothing"]
    listed = splits["train"] + splits["dev"]
    assert sorted(listed) == ["linked", "r00_part_0", "r01_part_0", "r02_part_0", "r03_part_0"]
    for split in ("train", "dev"):
        lines = (tmp_path / "out" / f"{split}_files.txt").read_text("utf-8").splitlines()
        assert [Path(line).stem for line in lines] == splits[split]
        assert all(Path(line).is_file() for line in lines)


def test_a_file_name_with_a_line_break_is_refused_before_writing(tmp_path):
    source = _brat_directory(tmp_path, reports=3, parts=1)
    (source / "two\nlines.txt").write_text("Текст.", encoding="utf-8")
    with pytest.raises(FormatError, match="has a line break, which cannot be one line"):
        split_brat_directory(source, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_filled_destination_is_replaced_whole_only_with_overwrite(tmp_path):
    source = _brat_directory(tmp_path, reports=4, parts=1)
    out = tmp_path / "out"
    split_brat_directory(source, out)
    (out / "train" / "stale.txt").write_text("from another run", encoding="utf-8")
    with pytest.raises(FormatError, match="not an empty folder"):
        split_brat_directory(source, out, seed=1)
    assert (out / "train" / "stale.txt").exists()
    splits = split_brat_directory(source, out, seed=1, overwrite=True)
    assert not (out / "train" / "stale.txt").exists()
    assert sorted(p.stem for p in (out / "train").glob("*.txt")) == splits["train"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "source"]


def test_the_annotation_conf_goes_to_both_parts(tmp_path):
    from jointie_allennlp.data.formats.brat import symmetric_types_in_directory

    source = _brat_directory(tmp_path)
    (source / "annotation.conf").write_text(
        "[entities]\nMET\n[relations]\nPPS\tArg1:MET, Arg2:MET\nSYN\tArg1:MET, Arg2:MET, <REL-TYPE>:symmetric\n",
        encoding="utf-8")
    split_brat_directory(source, tmp_path / "split", dev_fraction=0.3, seed=13)
    for split in ("train", "dev"):
        assert symmetric_types_in_directory(tmp_path / "split" / split) == {"SYN"}
    assert sorted(p.name for p in (tmp_path / "split" / "dev").iterdir() if p.suffix not in (".txt", ".ann")) == [
        "annotation.conf"]
