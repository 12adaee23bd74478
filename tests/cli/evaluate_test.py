"""
`jointie evaluate`: AllenNLP's evaluation of an archive in the precision chosen; in fp32 the metrics
and predictions of `allennlp evaluate`, the precision recorded beside the metrics.
"""
import json

import pytest

from jointie_allennlp.cli import main
from jointie_allennlp.precision.cpu import PRECISION_FLAGS
from tests.cli.conftest import FIXTURES
from tests.conftest import WITH_BF16, WITHOUT_BF16

TEST_DATA = FIXTURES / "spert_json" / "conll04_like_test.json"
TEST_SENTENCES = len(json.loads(TEST_DATA.read_text(encoding="utf-8")))  # one instance per SpERT JSON item


def _allennlp_evaluate(archive, tmp_path, overrides=""):
    """`allennlp evaluate` in this process: its metrics and its predictions file."""
    from allennlp.commands.evaluate import evaluate_from_archive

    predictions = tmp_path / f"allennlp_predictions{len(overrides)}.jsonl"
    metrics = evaluate_from_archive(str(archive), str(TEST_DATA), predictions_output_file=str(predictions),
                                    cmd_overrides=overrides)
    return metrics, predictions.read_text(encoding="utf-8")


def _last_json_line(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_fp32_gives_the_metrics_and_predictions_of_allennlp_evaluate(spert_archive, tmp_path, capsys):
    theirs, their_predictions = _allennlp_evaluate(spert_archive, tmp_path)
    capsys.readouterr()  # allennlp's progress bars
    metrics_file, predictions = tmp_path / "out" / "metrics.json", tmp_path / "out" / "predictions.jsonl"
    assert main(["evaluate", str(spert_archive), str(TEST_DATA), "--precision", "fp32", "--silent",
                 "--output-file", str(metrics_file), "--predictions-output-file", str(predictions)]) == 0
    captured = capsys.readouterr()
    printed = _last_json_line(captured.out)
    written = json.loads(metrics_file.read_text(encoding="utf-8"))
    assert printed == written
    precision = written.pop("precision")
    assert precision["precision"] == "fp32" and precision["requested"] == "fp32" and precision["reason"] == "asked for"
    assert written == theirs  # every metric, the loss included, exactly
    assert {"ner_f1", "rel_strict_f1", "loss"} <= set(written)
    assert predictions.read_text(encoding="utf-8") == their_predictions
    assert "gold_entities" in json.loads(their_predictions.splitlines()[0])
    assert captured.err.splitlines() == ["precision: fp32 (fp32: asked for)"]  # and no progress bar


@pytest.mark.parametrize("flags, precision", [(WITH_BF16, "bf16"), (WITHOUT_BF16, "fp32")])
def test_auto_follows_the_cpu_and_bf16_is_allennlps_bf16_switch(spert_archive, tmp_path, capsys, fake_cpu,
                                                                 flags, precision):
    fake_cpu(flags)
    assert main(["evaluate", str(spert_archive), str(TEST_DATA), "--silent"]) == 0
    captured = capsys.readouterr()
    metrics = _last_json_line(captured.out)
    chosen = metrics.pop("precision")
    assert (chosen["precision"], chosen["requested"]) == (precision, "auto")
    assert chosen["cpu_flags"] == [flag for flag in PRECISION_FLAGS if flag in flags]
    assert f"precision: {precision} (auto: " in captured.err
    switch = json.dumps({"model.bf16_inference": precision == "bf16"})
    theirs, _ = _allennlp_evaluate(spert_archive, tmp_path, overrides=switch)
    assert metrics == theirs


def test_int8_asked_for_or_taken_by_the_drift_check(spert_archive, tmp_path, capsys, fake_cpu):
    fake_cpu(WITHOUT_BF16)
    assert main(["evaluate", str(spert_archive), str(TEST_DATA), "--precision", "int8", "--silent"]) == 0
    captured = capsys.readouterr()
    asked = _last_json_line(captured.out)
    assert asked["precision"]["precision"] == "int8" and 0 <= asked["ner_f1"] <= 1
    assert "precision: int8 (int8: asked for (int8-encoder))" in captured.err
    # the drift check on the archive's dev data (4 sentences), with a bound nothing exceeds
    assert main(["evaluate", str(spert_archive), str(TEST_DATA), "--silent", "--max-f1-drift", "1",
                 "--int8-drift-check"]) == 0
    checked = _last_json_line(capsys.readouterr().out)["precision"]
    assert checked["precision"] == "int8" and checked["requested"] == "auto"
    assert checked["drift"]["instances"] == 4 and checked["drift"]["candidate"] == "int8-encoder"
    # on a file given, with a bound of 0: int8 only when it changes nothing
    assert main(["evaluate", str(spert_archive), str(TEST_DATA), "--silent", "--max-f1-drift", "0",
                 f"--int8-drift-check={TEST_DATA}"]) == 0
    strict = _last_json_line(capsys.readouterr().out)["precision"]
    expected = "int8" if strict["drift"]["max_abs_drift"] == 0 else "fp32"
    assert strict["precision"] == expected and strict["drift"]["instances"] == TEST_SENTENCES


def test_mistakes_exit_2_and_keep_the_outputs(spert_archive, tmp_path, capsys):
    metrics_file = tmp_path / "metrics.json"
    metrics_file.write_text("earlier\n", encoding="utf-8")
    archive, data = str(spert_archive), str(TEST_DATA)
    cases = [
        ([archive, str(tmp_path / "absent.json")], f"error: {tmp_path / 'absent.json'}: no such evaluation data"),
        ([archive, data, "--output-file", str(metrics_file)],
         f"error: {metrics_file}: the output file exists: give --overwrite"),
        ([archive, data, "--output-file", data, "--overwrite"], "the output is also an input"),
        ([archive, data, "--predictions-output-file", archive, "--overwrite"], "the output is also an input"),
        ([archive, data, "--precision", "fp32", "--int8-drift-check"],
         "error: --int8-drift-check: applies only to --precision auto"),
        ([archive, data, "--max-f1-drift", "-0.1"], "error: --max-f1-drift: must be 0 or more"),
        ([str(tmp_path / "none.tar.gz"), data], f"error: {tmp_path / 'none.tar.gz'}: no such model archive"),
    ]
    for argv, message in cases:
        assert main(["evaluate", *argv, "--silent"]) == 2, argv
        error = capsys.readouterr().err
        assert message in error and "Traceback" not in error, (argv, error)
    assert metrics_file.read_text(encoding="utf-8") == "earlier\n"
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate", archive, data, "--precision", "fp16"])
    assert exit_.value.code == 2 and "invalid choice: 'fp16'" in capsys.readouterr().err


def test_overwrite_replaces_both_outputs(spert_archive, tmp_path, capsys):
    metrics_file, predictions = tmp_path / "metrics.json", tmp_path / "predictions.jsonl"
    metrics_file.write_text("earlier\n", encoding="utf-8")
    predictions.write_text("earlier\n", encoding="utf-8")
    assert main(["evaluate", str(spert_archive), str(TEST_DATA), "--silent", "--precision", "fp32",
                 "--output-file", str(metrics_file), "--predictions-output-file", str(predictions),
                 "--overwrite", "--batch-size", "1"]) == 0
    assert json.loads(metrics_file.read_text(encoding="utf-8"))["precision"]["precision"] == "fp32"
    records = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    assert len(records) == TEST_SENTENCES and all("entities" in record for record in records)
    capsys.readouterr()
