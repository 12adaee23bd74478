"""`jointie predict-ray`: every user mistake is found before Ray starts, exit status 2 and a message."""
import json

import pytest

pytest.importorskip("ray")  # the `ray` extra

from jointie_allennlp.cli import main  # noqa: E402


def test_mistakes_are_refused_before_ray_starts_and_outputs_are_kept(spert_archive, tmp_path, capsys):
    import ray

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"id": "a", "text": "Anna works for Acme."}) + "\n", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    output.write_text("earlier\n", encoding="utf-8")
    not_archive = tmp_path / "model.tar.gz"
    not_archive.write_text("not a tar", encoding="utf-8")
    archive = str(spert_archive)
    sidecar_only = tmp_path / "fresh.jsonl"  # its metadata file exists from an earlier run
    (tmp_path / "fresh.jsonl.meta.json").write_text("{}\n", encoding="utf-8")
    cases = [
        ([str(not_archive), str(corpus), str(output), "--overwrite"], f"error: {not_archive}: not a model archive"),
        ([str(tmp_path / "none.tar.gz"), str(corpus), str(output), "--overwrite"],
         f"error: {tmp_path / 'none.tar.gz'}: no such model archive"),
        ([archive, str(corpus), str(output), "--overwrite", "--predictor-args", "[1]"],
         "error: --predictor-args: expected a JSON object of argument names and values, got [1]"),
        ([archive, str(corpus), str(output), "--overwrite", "--predictor-args", '{"nope": 1}'],
         "error: --predictor-args: JointExtractionPredictor takes no argument 'nope'"),
        ([archive, str(corpus), str(corpus), "--overwrite"], "the output is also an input"),
        ([archive, str(tmp_path / "corpus.jsnl"), str(output), "--overwrite"],
         f"error: {tmp_path / 'corpus.jsnl'}: no such input file"),
        ([archive, str(corpus), str(output)], f"error: {output}: the output file exists: give --overwrite"),
        ([archive, str(corpus), str(tmp_path / "new.jsonl"), "--precision", "int8", "--int8-drift-check"],
         "error: --int8-drift-check: applies only to --precision auto (got --precision int8)"),
        ([archive, str(corpus), str(sidecar_only)], f"error: {sidecar_only}.meta.json: the output file exists"),
    ]
    for argv, message in cases:
        assert main(["predict-ray", *argv]) == 2, argv
        error = capsys.readouterr().err
        assert message in error and "Traceback" not in error, (argv, error)
    assert output.read_text(encoding="utf-8") == "earlier\n"
    assert not sidecar_only.exists() and not (tmp_path / "new.jsonl").exists()
    assert corpus.read_text(encoding="utf-8").startswith('{"id": "a"')
    assert not ray.is_initialized()
