"""`predict_file`: the input is checked first, the output never replaces the input or an old file by accident."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.output import OutputError
from jointie_allennlp.predictors.lines import read_input_lines
from jointie_allennlp.predictors.prediction_file import predict_file
from tests.predictors.joint_extraction_test import _predictor

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
INPUT = b'{"id": "a", "text": "Anna met Boris."}\n{broken\n{"id": "c", "text": "Clara left."}\n'


def _listing(directory):
    return sorted(p.name for p in directory.iterdir())


def test_output_equal_to_the_input_is_refused_and_the_input_kept(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(INPUT)
    for output in (source, tmp_path / "." / "in.jsonl"):
        with pytest.raises(OutputError, match="the output is also an input"):
            predict_file(_predictor(), str(source), str(output), overwrite=True)
    assert source.read_bytes() == INPUT and _listing(tmp_path) == ["in.jsonl"]


def test_a_mistyped_input_leaves_an_existing_output_alone(tmp_path):
    output = tmp_path / "out.jsonl"
    output.write_text("earlier predictions\n", encoding="utf-8")
    with pytest.raises(FormatError, match=f"{tmp_path / 'typo.jsonl'}: no such input file"):
        predict_file(_predictor(), str(tmp_path / "typo.jsonl"), str(output), overwrite=True)
    assert output.read_text("utf-8") == "earlier predictions\n"


def test_existing_output_needs_overwrite_and_a_failed_run_keeps_it(tmp_path):
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(INPUT)
    output.write_text("earlier predictions\n", encoding="utf-8")
    with pytest.raises(OutputError, match="the output file exists: give --overwrite"):
        predict_file(_predictor(), str(source), str(output))
    source.write_bytes(INPUT + b'{"text": "STOP now"}\n')  # the model is interrupted on the last line
    with pytest.raises(BaseException):
        predict_file(_predictor(), str(source), str(output), overwrite=True)
    assert output.read_text("utf-8") == "earlier predictions\n" and _listing(tmp_path) == ["in.jsonl", "out.jsonl"]
    source.write_bytes(INPUT)
    seen = []
    counts = predict_file(_predictor(), str(source), str(output), batch_size=2, overwrite=True,
                          on_record=lambda number, record, line: seen.append(number))
    records = [json.loads(line) for line in output.read_text("utf-8").splitlines()]
    assert counts == {"records": 3, "failed_inputs": 1} and seen == [0, 1, 2]
    assert [r["id"] for r in records] == ["a", None, "c"] and records[1]["error"].startswith("input line 2: invalid")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_random_bytes_give_one_record_per_input_line(tmp_path, data):
    source = tmp_path / "random.jsonl"
    source.write_bytes(data)
    lines = list(read_input_lines(str(source)))
    assert b"".join(lines) == data  # nothing lost, nothing added
    seen = []
    predict_file(_predictor(), str(source), None, batch_size=3, on_record=lambda n, record, line: seen.append(line))
    assert len(seen) == len(lines)
    for line in seen:
        assert line.endswith("\n") and line.count("\n") == 1 and len(line.splitlines()) == 1
        line.encode("utf-8")
        assert isinstance(json.loads(line), dict)


def test_predict_subprocess_on_a_random_file(spert_archive, tmp_path):
    data = bytes(range(256)) + b'\n{"id": 1, "text": "Anna met Boris."}\r{"a": 1, "a": 2}\r\n\xff\xfe{\x00}\x00\n'
    data += '{"text": "astral \U0001F600 and lone \\udc80"}\n'.encode("utf-8") + b"\n"
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(data)
    expected_lines = len(list(read_input_lines(str(source))))
    process = subprocess.run(
        [sys.executable, "-m", "jointie_allennlp", "predict", str(spert_archive), str(source),
         "--output-file", str(output), "--silent"],
        env=ENV, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )
    assert process.returncode == 0, process.stderr
    records = [json.loads(line) for line in output.read_text("utf-8").split("\n")[:-1]]
    # bytes 0..255 hold a \n and a \r: three lines; then a \r-ended, a \r\n-ended and four \n-ended lines
    assert len(records) == expected_lines == 8
    assert [r.get("error") is None for r in records] == [False, False, False, True, False, False, False, False]
    assert [r.get("input_line") for r in records] == [1, 2, 3, None, 5, 6, 7, 8] and records[3]["id"] == 1
    assert 'the key "a" appears twice' in records[4]["error"] and "UTF-16" in records[5]["error"]
    assert "lone surrogate \\udc80" in records[6]["error"] and "\U0001F600" in records[6]["text"]
