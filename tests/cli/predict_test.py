"""
`python -m jointie_allennlp predict`: the same output file as `allennlp predict` for the same
archive and input (good and broken lines), from a process that never imports allennlp's command
line; allennlp's commands still get this package's extensions when they are imported later.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jointie_allennlp.cli import main as jointie_main
from jointie_allennlp.precision import cpu
from tests.conftest import WITHOUT_BF16

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}

INPUT = b"".join([
    json.dumps({"id": "a", "text": "John Smith works for Acme Corp in Boston."}).encode() + b"\n",
    json.dumps({"tokens": ["Mary", "lives", "in", "Paris", "."]}).encode() + b"\n",
    b"\n",
    b"{not json\n",
    b"caf\xe9 au lait\n",
    b"[1, 2]\n",
    json.dumps({"id": "b", "text": "Bill Gates, the chairman of Microsoft Corp."}).encode() + b"\r\n",
    json.dumps({"id": "c", "tokens": []}).encode() + b"\n",
])

# Runs the command in a fresh interpreter, then reports what it imported and, after importing
# allennlp's commands, whether this package's extensions reached them.
PROBE = """
import json, sys
from jointie_allennlp.cli import main
code = main(sys.argv[1:])
imported = {name: name in sys.modules for name in ("allennlp.commands", "jointie_allennlp.cli.allennlp_command",
                                                  "jointie_allennlp.training.whole_test_set",
                                                  "jointie_allennlp.evaluation.joint_extraction")}
from allennlp.commands.predict import _PredictManager
from allennlp.commands.subcommand import Subcommand
from allennlp.commands.train import TrainModel
from allennlp.evaluation.serializers.serializers import Serializer
registered = {
    "jointie": "jointie" in Subcommand.list_available(),
    "whole_test_set": "whole_test_set" in TrainModel.list_available(),
    "serializer": "joint_extraction" in Serializer.list_available(),
    "predict_reads_bytes": hasattr(_PredictManager._get_json_data, "__wrapped_original__"),
}
print(json.dumps({"code": code, "imported": imported, "registered": registered}))
"""


def test_output_equals_allennlp_predict_without_importing_its_commands(spert_archive, tmp_path):
    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(INPUT)
    theirs, ours = tmp_path / "allennlp.jsonl", tmp_path / "ours.jsonl"
    common = [str(spert_archive), str(inputs), "--batch-size", "3", "--silent"]
    subprocess.run(  # fp32, as `jointie predict --precision fp32`
        [sys.executable, "-m", "allennlp", "predict", *common, "--include-package", "jointie_allennlp",
         "--output-file", str(theirs)],
        env=ENV, cwd=PROJECT_ROOT, capture_output=True, check=True,
    )
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, "predict", *common, "--output-file", str(ours), "--precision", "fp32"],
        env=ENV, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    assert report["imported"] == {name: False for name in report["imported"]}
    assert report["registered"] == {name: True for name in report["registered"]}

    assert ours.read_bytes() == theirs.read_bytes()
    records = [json.loads(line) for line in ours.read_text(encoding="utf-8").splitlines()]
    assert len(records) == INPUT.count(b"\n")
    assert [r.get("id") for r in records[:2]] == ["a", "line2"]
    assert records[1]["tokens"] == ["Mary", "lives", "in", "Paris", "."]
    assert [r.get("input_line") for r in records if "error" in r] == [3, 4, 5, 6]
    assert "not UTF-8" in records[4]["error"] and "expected a JSON object" in records[5]["error"]
    assert records[6]["id"] == "b" and "error" not in records[6]


def _rounded(value):
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def test_console_output_and_batch_sizes_agree(spert_archive, tmp_path, capsys):
    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(INPUT)
    outputs = []
    for batch_size in ("1", "4"):
        output = tmp_path / f"out{batch_size}.jsonl"
        assert jointie_main(["predict", str(spert_archive), str(inputs), "--batch-size", batch_size,
                             "--output-file", str(output)]) == 0
        outputs.append(output.read_text(encoding="utf-8"))
    # Another batch pads the encoder input differently, which moves scores by ~1e-7.
    assert [_rounded(json.loads(line)) for line in outputs[0].splitlines()] == [
        _rounded(json.loads(line)) for line in outputs[1].splitlines()
    ]
    printed = capsys.readouterr().out.splitlines()
    lines = outputs[0].splitlines()
    assert printed[1] == "prediction:  " + lines[0]  # as allennlp predict prints them
    assert printed[0].startswith("input 0:  ") and json.loads(printed[0][len("input 0:  "):])["id"] == "a"


def test_a_missing_archive_or_input_is_a_clear_error(spert_archive, tmp_path, capsys):
    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(INPUT)
    assert jointie_main(["predict", str(tmp_path / "nothing.tar.gz"), str(inputs), "--silent",
                         "--output-file", str(tmp_path / "o.jsonl")]) == 2
    assert "nothing.tar.gz" in capsys.readouterr().err
    assert jointie_main(["predict", str(spert_archive), str(tmp_path / "absent.jsonl"), "--silent",
                         "--output-file", str(tmp_path / "o.jsonl")]) == 2
    assert "absent.jsonl" in capsys.readouterr().err


def test_the_bf16_switch_reaches_the_model_of_an_archive(spert_archive):
    from allennlp.models.archival import load_archive

    assert load_archive(str(spert_archive)).model.bf16_inference is False
    switched = load_archive(str(spert_archive), overrides=json.dumps({"model.bf16_inference": True}))
    assert switched.model.bf16_inference is True


def test_archive_and_predictor_mistakes_exit_2_naming_the_path_option_or_key(spert_archive, tmp_path, capsys):
    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(INPUT)
    not_archive = tmp_path / "model.tar.gz"
    not_archive.write_text("not a tar", encoding="utf-8")
    output, missing = tmp_path / "o.jsonl", tmp_path / "missing.tar.gz"
    cases = [
        ([str(not_archive), str(inputs)], f"error: {not_archive}: not a model archive"),
        ([str(missing), str(inputs)], f"error: {missing}: no such model archive"),
        ([str(spert_archive), str(inputs), "--predictor-args", "[1]"],
         "error: --predictor-args: expected a JSON object of argument names and values, got [1]"),
        ([str(spert_archive), str(inputs), "--predictor-args", '{"bratoutput_dir": "x"}'],
         "error: --predictor-args: JointExtractionPredictor takes no argument 'bratoutput_dir'"),
        ([str(spert_archive), str(inputs), "--predictor", "no_such_predictor"], "error: --predictor: "),
    ]
    for argv, message in cases:
        assert jointie_main(["predict", *argv, "--silent", "--output-file", str(output)]) == 2, argv
        error = capsys.readouterr().err
        assert error.startswith(message) and "Traceback" not in error, (argv, error)
    assert not output.exists()


def test_the_output_is_never_the_input_and_a_mistyped_input_keeps_the_output(spert_archive, tmp_path, capsys):
    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(INPUT)
    assert jointie_main(["predict", str(spert_archive), str(inputs), "--silent", "--output-file", str(inputs),
                         "--overwrite"]) == 2
    assert "the output is also an input" in capsys.readouterr().err
    assert inputs.read_bytes() == INPUT

    output = tmp_path / "out.jsonl"
    output.write_text("earlier predictions\n", encoding="utf-8")
    for extra in ([], ["--overwrite"]):
        assert jointie_main(["predict", str(spert_archive), str(tmp_path / "in.jsnl"), "--silent",
                             "--output-file", str(output), *extra]) == 2
        assert f"{tmp_path / 'in.jsnl'}: no such input file" in capsys.readouterr().err
        assert output.read_text(encoding="utf-8") == "earlier predictions\n"
    assert jointie_main(["predict", str(spert_archive), str(inputs), "--silent", "--output-file", str(output)]) == 2
    assert "the output file exists: give --overwrite" in capsys.readouterr().err
    assert jointie_main(["predict", str(spert_archive), str(inputs), "--silent", "--output-file", str(output),
                         "--overwrite"]) == 0
    assert len(output.read_text(encoding="utf-8").splitlines()) == INPUT.count(b"\n")


def test_a_full_device_is_a_message_not_a_traceback(spert_archive, tmp_path, capsys):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(INPUT)
    assert jointie_main(["predict", str(spert_archive), str(inputs), "--silent", "--output-file", "/dev/full"]) == 2
    error = capsys.readouterr().err
    assert error.splitlines()[-1] == "error: /dev/full: cannot be written: No space left on device"
    assert "Traceback" not in error


def test_the_precision_is_printed_once_and_recorded_beside_the_output(spert_archive, tmp_path, capsys, fake_cpu):
    import torch

    fake_cpu(WITHOUT_BF16)
    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(INPUT)
    output = tmp_path / "out.jsonl"
    assert jointie_main(["predict", str(spert_archive), str(inputs), "--silent", "--output-file", str(output)]) == 0
    assert capsys.readouterr().err.splitlines() == ["precision: fp32 (auto: the CPU has no native bf16 instructions)"]
    metadata = json.loads((tmp_path / "out.jsonl.meta.json").read_text(encoding="utf-8"))
    assert metadata == {
        "archive": str(spert_archive),
        "precision": {"precision": "fp32", "requested": "auto", "reason": "the CPU has no native bf16 instructions",
                      "cpu_flags": ["avx2", "avx512f", "avx512_vnni"]},
        "cpu_model": cpu.cpu_model(),
        "threads": torch.get_num_threads(),
    }
    # an existing sidecar is an output too: refused without --overwrite, before anything is predicted
    output.unlink()
    assert jointie_main(["predict", str(spert_archive), str(inputs), "--silent", "--output-file", str(output)]) == 2
    assert f"{output}.meta.json: the output file exists: give --overwrite" in capsys.readouterr().err
    assert not output.exists()
    assert jointie_main(["predict", str(spert_archive), str(inputs), "--silent", "--output-file", str(output),
                         "--overwrite", "--precision", "int8"]) == 0
    assert capsys.readouterr().err.splitlines() == ["precision: int8 (int8: asked for (int8-encoder))"]
    metadata = json.loads((tmp_path / "out.jsonl.meta.json").read_text(encoding="utf-8"))
    assert metadata["precision"]["precision"] == "int8"
    assert metadata["precision"]["reason"] == "asked for (int8-encoder)"
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert len(records) == INPUT.count(b"\n") and records[0]["tokens"][0] == "John"


def test_a_device_output_gets_no_sidecar_and_the_drift_check_is_recorded(spert_archive, tmp_path, capsys):
    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(INPUT)
    assert jointie_main(["predict", str(spert_archive), str(inputs), "--silent", "--output-file", "/dev/null",
                         "--precision", "bf16"]) == 0
    assert capsys.readouterr().err.splitlines()[0].startswith("precision: bf16 (bf16: asked for")
    assert not os.path.exists("/dev/null.meta.json")
    output = tmp_path / "out.jsonl"
    assert jointie_main(["predict", str(spert_archive), str(inputs), "--silent", "--output-file", str(output),
                         "--max-f1-drift", "1", "--int8-drift-check"]) == 0
    assert capsys.readouterr().err.startswith("precision: int8 (auto: int8-encoder moves F1 by at most ")
    drift = json.loads((tmp_path / "out.jsonl.meta.json").read_text(encoding="utf-8"))["precision"]["drift"]
    assert drift["instances"] == 4 and set(drift["drift"]) == {"ner_f1", "rel_strict_f1"}  # the archive's dev data


def test_a_precision_that_is_not_offered_is_an_argparse_error(spert_archive, tmp_path, capsys):
    inputs = tmp_path / "in.jsonl"
    inputs.write_bytes(INPUT)
    with pytest.raises(SystemExit) as exit_:
        jointie_main(["predict", str(spert_archive), str(inputs), "--precision", "half"])
    assert exit_.value.code == 2
    assert "argument --precision: invalid choice: 'half' (choose from 'auto', 'fp32', 'bf16', 'int8')" in (
        capsys.readouterr().err)
    assert jointie_main(["predict", str(spert_archive), str(inputs), "--silent", "--output-file",
                         str(tmp_path / "o.jsonl"), "--precision", "bf16", "--int8-drift-check"]) == 2
    assert capsys.readouterr().err == (
        "error: --int8-drift-check: applies only to --precision auto (got --precision bf16)\n")
    assert not (tmp_path / "o.jsonl").exists()
