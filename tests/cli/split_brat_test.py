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
