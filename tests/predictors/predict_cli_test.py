"""
`allennlp predict` end to end on a file with every kind of bad and long line: one output line per
input line, in order, with the reason; long input windowed, never cut silently.

The archive is a `bio_tagger` with the tiny BERT (512 positions), trained in seconds on generated
sentences to tag the word "Johnson" (5 word pieces) as `Peop`.
"""
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from allennlp.commands.train import train_model
from allennlp.common import Params
from allennlp.models.archival import load_archive
from allennlp.predictors import Predictor

from jointie_allennlp.cli import main as jointie_main

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TINY_BERT = PROJECT_ROOT / "fixtures" / "tiny_bert"
FILLER = "the company said that its new plant in the city will open next year and workers were happy about it".split()
NAME = "Johnson"


def _sentences(count: int, seed: int = 0):
    rng = random.Random(seed)
    for number in range(count):
        words = [rng.choice(FILLER) for _ in range(rng.randint(6, 12))]
        position = rng.randrange(len(words) + 1)
        words.insert(position, NAME)
        yield {"tokens": words, "entities": [{"type": "Peop", "start": position, "end": position + 1}],
               "relations": [], "orig_id": str(number)}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tagger")
    (root / "train.json").write_text(json.dumps(list(_sentences(40))), encoding="utf-8")
    ext_vars = {
        "TRANSFORMER_MODEL": str(TINY_BERT), "TRAIN_DATA_PATH": str(root / "train.json"),
        "VALIDATION_DATA_PATH": str(root / "train.json"), "TEST_DATA_PATH": "", "NUM_EPOCHS": "20",
        "BATCH_SIZE": "8", "MAX_INSTANCES": "",
    }
    params = Params.from_file(str(PROJECT_ROOT / "training_configs" / "rurebus" / "ner.jsonnet"), ext_vars=ext_vars)
    params["trainer"]["optimizer"]["lr"] = 1e-2
    train_model(params, serialization_dir=str(root / "run"))
    assert json.loads((root / "run" / "metrics.json").read_text())["validation_ner_f1"] == 1.0
    return root / "run" / "model.tar.gz"


def _long_sentence(words: int, name_at: int) -> list:
    tokens = [FILLER[i % len(FILLER)] for i in range(words)]
    tokens[name_at] = NAME
    return tokens


# (raw line, what its output must show): `None` = a prediction, else a fragment of the error
CASES = [
    (json.dumps({"id": "good", "text": f"Yesterday {NAME} said that the plant will open."}).encode(), None),
    (b'{"id": "latin1", "text": "caf\xe9"}', "input line 2: not UTF-8: byte 0xe9 at byte offset 29"),
    (b'{"id": "surrogate", "text": "Tom \\ud800 Reed"}',
     'input line 3: field "text" has a lone surrogate \\ud800 at character 4 (not a Unicode character)'),
    (b"[" * 100000, "input line 4: invalid JSON: nested too deeply to read"),
    (b"   \t ", "input line 5: blank line (expected a JSON object)"),
    (b"", "input line 6: blank line (expected a JSON object)"),
    (b'{"id": "ctrl", "text": "a\x01b"}', "input line 7: invalid JSON: Invalid control character at (column 26)"),
    (b'{"id": "nan", "text": "x", "score": NaN}', "input line 8: invalid JSON: NaN is not valid JSON"),
    (b"[1, 2]", "input line 9: expected a JSON object, got list"),
    (json.dumps({"id": 7, "text": f"{NAME} works here."}).encode() + b"\r", None),
    (json.dumps({"id": "no-text", "source": "x"}).encode(),
     "input line 11: FormatError: document 'no-text': a line needs 'text' or 'tokens'"),
    (json.dumps({"id": "sep", "text": f"{NAME}\u2028met\u0085{NAME} ."}, ensure_ascii=False).encode(), None),
    (json.dumps({"id": "tokens2000", "tokens": _long_sentence(2000, 1990)}).encode(), None),
    (json.dumps({"id": "text50k", "text": " ".join(_long_sentence(12000, 8000))[:50000]}).encode(), None),
    (json.dumps({"id": "after", "text": f"{NAME} again."}).encode(), None),
]


def _run_predict(archive: Path, inputs: Path, output: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "allennlp", "predict", str(archive), str(inputs), "--predictor", "joint_extraction",
         "--include-package", "jointie_allennlp", "--output-file", str(output), *extra],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )


def _no_bare_constant(name):
    raise AssertionError(f"bare {name} in the output")


def _entity_words(record):
    return [record["tokens"][e["start"]] if isinstance(record["tokens"][0], str) else None for e in record["entities"]]


def test_every_line_is_answered_in_order_with_its_reason(archive, tmp_path):
    inputs = tmp_path / "inputs.jsonl"
    inputs.write_bytes(b"\n".join(raw for raw, _ in CASES) + b"\n")
    output = tmp_path / "out.jsonl"
    result = _run_predict(archive, inputs, output, "--batch-size", "4")
    assert "__line__" not in result.stdout and "prediction:" in result.stdout  # console shows only input fields

    written = output.read_bytes().decode("utf-8")  # valid UTF-8 although a line had a lone surrogate
    assert "\u2028" not in written and "\u0085" not in written  # escaped: str.splitlines cannot break a record
    records = [json.loads(line, parse_constant=_no_bare_constant) for line in written.split("\n")[:-1]]
    assert len(written.splitlines()) == len(records)
    assert len(records) == len(CASES)  # lines in == lines out
    for number, (record, (raw, expected)) in enumerate(zip(records, CASES), start=1):
        if expected is None:
            assert "error" not in record, (number, record.get("error"))
        else:
            assert record["error"].startswith(expected), (number, record["error"])
            assert record["input_line"] == number and record["entities"] == [] and record["relations"] == []
    by_id = {r["id"]: r for r in records if r["id"] is not None}
    # ids keep their JSON type; error records keep the input's other fields; unreadable lines echo the line
    assert records[9]["id"] == 7 and _entity_words(records[9]) == [NAME]
    assert by_id["no-text"]["source"] == "x"
    # the lone surrogate is echoed as U+FFFD (readable by every reader); the error names its code
    assert by_id["surrogate"]["text"] == "Tom \ufffd Reed" and "\\ud800" in by_id["surrogate"]["error"]
    assert records[1]["input"] == '{"id": "latin1", "text": "caf\ufffd"}' and records[1]["id"] is None
    assert records[6]["input"] == '{"id": "ctrl", "text": "a\x01b"}'
    assert by_id["good"]["entities"][0]["text"] == NAME and "warnings" not in by_id["good"]
    # U+2028 / U+0085 inside the text survive the round trip
    assert by_id["sep"]["text"] == f"{NAME}\u2028met\u0085{NAME} ."

    # long input: read in overlapping windows, every word looked at, and said so
    long_tokens = by_id["tokens2000"]
    # (the tagger was trained on short sentences only, so it also tags some filler words in long windows)
    assert (1990, NAME) in [(e["start"], e["text"]) for e in long_tokens["entities"]]
    assert len(long_tokens["warnings"]) == 1 and "overlapping windows" in long_tokens["warnings"][0]
    assert "2000 words" in long_tokens["warnings"][0]
    text50k = by_id["text50k"]
    assert len(text50k["text"]) == 50000 and len(text50k["sentences"]) == 1  # no sentence punctuation
    name_at = text50k["text"].index(NAME)
    assert (name_at, NAME) in [(e["char_start"], e["text"]) for e in text50k["entities"]]
    assert "overlapping windows" in text50k["warnings"][0]
    assert by_id["after"]["entities"][0]["text"] == NAME


def test_render_and_score_read_prediction_files_with_error_records(archive, tmp_path, capsys):
    inputs = tmp_path / "inputs.jsonl"
    gold = [{"id": "a", "tokens": [NAME, "said", "it"], "entities": [{"type": "Peop", "start": 0, "end": 1}],
             "relations": []},
            {"id": "b", "tokens": ["it", "was", NAME], "entities": [{"type": "Peop", "start": 2, "end": 3}],
             "relations": []}]
    (tmp_path / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    inputs.write_text(
        json.dumps({"id": "a", "tokens": gold[0]["tokens"]}) + "\n{oops\n" + json.dumps({"id": "b"}) + "\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.jsonl"
    _run_predict(archive, inputs, output, "--silent")
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").split("\n")[:-1]]
    assert [bool(r.get("error")) for r in records] == [False, True, True]

    assert jointie_main(["score", str(tmp_path / "gold.jsonl"), str(output)]) == 0
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert scores["prediction_errors_skipped"] == 2 and scores["documents_without_prediction"] == 1
    assert scores["ner_precision"] == 1.0 and scores["ner_recall"] == 0.5  # "b" failed: counted as missed

    html = tmp_path / "view.html"
    assert jointie_main(["render", str(output), str(html)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["documents"] == 3 and summary["failed_inputs"] == 2
    page = html.read_text(encoding="utf-8")
    assert "input line 2: invalid JSON" in page and "{oops" in page and "a line needs" in page


def test_batches_across_lines_keep_order_and_isolate_failures(archive):
    predictor = Predictor.from_archive(load_archive(str(archive)), "joint_extraction", extra_args={"batch_size": 3})
    calls = []
    forward = predictor._model.forward_on_instances

    def counting_forward(instances):
        calls.append(len(instances))
        return forward(instances)

    predictor._model.forward_on_instances = counting_forward
    lines = [
        json.dumps({"id": "1", "text": f"{NAME} said it. The plant will open."}),
        "not json",
        json.dumps({"id": "3", "tokens": [["the", "company", "said", NAME, "will", "open"], ["it", "was", "new"],
                                          ["workers", "said", NAME, "is", "happy"]]}),
        json.dumps({"id": "4", "tokens": ["happy", NAME]}),
    ]
    records = predictor.predict_lines(lines)
    assert [r["id"] for r in records] == ["1", None, "3", "4"] and "error" in records[1]
    assert [[e["start"] for e in r["entities"]] for r in records] == [[0], [], [3, 11], [1]]
    # 2 + 3 + 1 sentences of three lines pooled into passes of at most 3 instances
    assert calls == [3, 3]
    # one sentence that breaks the model fails only its own line
    calls.clear()

    def failing_forward(instances):
        if any("BOOM" in i["metadata"]["document"].tokens for i in instances):
            raise RuntimeError("model failure")
        return forward(instances)

    predictor._model.forward_on_instances = failing_forward
    records = predictor.predict_batch_json([
        {"id": "x", "text": f"{NAME} left."}, {"id": "y", "tokens": [["BOOM"], [NAME]]}, {"id": "z", "tokens": [NAME]},
    ])
    assert [r.get("error") for r in records] == [None, "RuntimeError: model failure", None]
    assert [len(r["entities"]) for r in records] == [1, 0, 1]


def test_predict_gives_the_predictor_256_lines_at_a_time_and_keeps_their_order(archive, tmp_path, monkeypatch):
    from jointie_allennlp.predictors.joint_extraction import JointExtractionPredictor

    calls, passes = [], []
    original = JointExtractionPredictor.predict_batch_json

    def predict_batch_json(self, inputs):
        calls.append(len(inputs))
        forward = self._model.forward_on_instances
        def recorded(instances):
            passes.append([len(instance["tokens"]) for instance in instances])
            return forward(instances)

        monkeypatch.setattr(self._model, "forward_on_instances", recorded)
        return original(self, inputs)

    monkeypatch.setattr(JointExtractionPredictor, "predict_batch_json", predict_batch_json)
    rng = random.Random(3)
    lines = [{"id": str(n), "tokens": ["the"] * rng.randint(1, 30)} for n in range(300)]
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    # bf16 on any CPU (autocast): the tagger's loss helpers must take bf16 tensors
    assert jointie_main(["--silent", "predict", str(archive), str(source), "--output-file", str(output),
                         "--precision", "bf16"]) == 0
    assert calls == [256, 44]
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], len(r["tokens"])) for r in records] == [(line["id"], len(line["tokens"])) for line in lines]
    assert not any("error" in record for record in records)
    first_call = [length for batch in passes[:8] for length in batch]  # 256 sentences in passes of 32
    assert [len(batch) for batch in passes[:8]] == [32] * 8 and first_call == sorted(first_call)
    assert jointie_main(["--silent", "predict", str(archive), str(source), "--output-file", str(tmp_path / "x"),
                         "--batch-size", "0"]) == 2
