"""`predict-ray`: a JSON-lines corpus sharded over 2 Ray actors on a local 2-CPU Ray runtime gives
what one in-process predictor (`allennlp predict`'s line logic) gives for the same file."""
import json

import pytest
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor

ray = pytest.importorskip("ray")  # the `ray` extra

from jointie_allennlp.cli import main  # noqa: E402

GOOD = [json.dumps({"id": f"t{i}", "text": f"Maria Lopez {i} works for Northfield Labs in Denver."}).encode()
        for i in range(12)]
LINES = GOOD[:3] + [
    b"",  # blank
    b"{broken json",
    b'{"id": "latin1", "text": "caf\xe9"}',  # not UTF-8
    json.dumps({"id": "nothing", "words": ["a"]}).encode(),  # no text or tokens
] + GOOD[3:9] + [
    b"   \t",
    json.dumps({"id": "tok", "tokens": [["Tom", "Reed", "lives", "in", "Oslo", "."], ["Hi", "."]]}).encode(),
] + GOOD[9:]
ERRORS = {4: "blank line", 5: "invalid JSON", 6: "not UTF-8", 7: "FormatError", 14: "blank line"}


@pytest.fixture(scope="module")
def local_ray():
    # Ray gives a starting node 30 s to register (a constant in ray/_private/node.py); a loaded
    # machine can miss that, so the start is tried again. Its workers run at nice 15 by default
    # (worker_niceness): on a busy machine the two actors would then take minutes to import torch.
    for attempt in range(3):
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _system_config={"worker_niceness": 0})
            break
        except Exception:
            ray.shutdown()
            if attempt == 2:
                raise
    yield
    ray.shutdown()


def test_two_workers_answer_every_line_as_one_predictor(spert_archive, local_ray, tmp_path, capsys,
                                                         assert_same_prediction):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(b"\n".join(LINES) + b"\n")
    output = tmp_path / "out" / "predictions.jsonl"

    # fp32 in every actor, as the in-process predictor the output is compared with
    arguments = [str(spert_archive), str(corpus), str(output), "--num-workers", "2", "--batch-size", "2",
                 "--precision", "fp32"]
    assert main(["predict-ray", *arguments]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out.strip().splitlines()[-1])
    # both actors predicted (each batch carries the process id of the actor that answered it)
    assert summary == {"records": len(LINES), "failed": len(ERRORS), "workers": 2, "precision": "fp32",
                       "output": str(output)}
    assert captured.err.splitlines().count("precision: fp32 (fp32: asked for)") == 1
    metadata = json.loads((output.parent / "predictions.jsonl.meta.json").read_text(encoding="utf-8"))
    assert metadata["archive"] == str(spert_archive) and metadata["precision"]["precision"] == "fp32"
    assert metadata["threads"] == 1 and metadata["workers"] == 2

    predictor = Predictor.from_archive(load_archive(str(spert_archive)))
    expected = [json.loads(predictor.dump_line(record)) for record in predictor.predict_lines(LINES)]
    written = output.read_text(encoding="utf-8").split("\n")
    assert written[-1] == "" and len(written) - 1 == len(LINES)  # one line per input line
    for number, (line, record) in enumerate(zip(written, expected), start=1):
        assert_same_prediction(json.loads(line), record, f"line {number}")
    records = [json.loads(line) for line in written[:-1]]
    for number, reason in ERRORS.items():
        assert records[number - 1]["input_line"] == number, number
        assert records[number - 1]["error"].startswith(f"input line {number}: "), number
        assert reason in records[number - 1]["error"], number
    predicted = [record for record in records if "error" not in record]
    assert [record["id"] for record in predicted] == [f"t{i}" for i in range(9)] + ["tok"] + ["t9", "t10", "t11"]
    assert any(record["entities"] for record in predicted)
