"""`jointie split-brat`: a destination that is not empty is refused, the first split left untouched."""
from jointie_allennlp.cli import main


def test_split_brat_refuses_a_destination_that_is_not_empty(fixtures_dir, tmp_path, capsys):
    source, out = fixtures_dir / "brat", tmp_path / "split"
    assert main(["split-brat", str(source), str(out), "--dev-fraction", "0.5", "--seed", "1"]) == 0
    capsys.readouterr()
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    assert main(["split-brat", str(source), str(out), "--dev-fraction", "0.5", "--seed", "2"]) == 2
    assert f"error: {out}: the destination is not an empty folder" in capsys.readouterr().err
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before  # the first run is untouched


def test_overwrite_replaces_the_split_and_skipped_files_are_printed(fixtures_dir, tmp_path, capsys):
    import json
    import shutil

    source, out = tmp_path / "brat", tmp_path / "split"
    shutil.copytree(fixtures_dir / "brat", source)
    (source / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    argv = ["split-brat", str(source), str(out), "--dev-fraction", "0.5"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "skipped dangling.txt is a link to nothing" in captured.err
    assert json.loads(captured.out.strip().splitlines()[-1])["skipped"] == ["dangling.txt is a link to nothing"]
    (out / "train" / "stale.txt").write_text("another run", encoding="utf-8")
    assert main(argv) == 2
    capsys.readouterr()
    assert main([*argv, "--overwrite"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["train"] + summary["dev"] == 2 and not (out / "train" / "stale.txt").exists()
    assert main([*argv, "--overwrite", "--seed", "1"]) == 0  # the source is never touched
    assert sorted(p.name for p in source.iterdir() if not p.is_symlink()) == sorted(
        p.name for p in (fixtures_dir / "brat").iterdir())
