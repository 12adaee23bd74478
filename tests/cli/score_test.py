"""`jointie score`: the shared metric on gold and predicted files, matched by id or by position."""
import json
from pathlib import Path

import pytest

from jointie_allennlp.cli import main


def _last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])

def _write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path

def test_score_command(fixtures_dir, tmp_path, capsys):
    gold = fixtures_dir / "spert_json" / "conll04_like_dev.json"
    assert main(["score", str(gold), str(gold)]) == 0
    result = _last_json(capsys)
    assert result["ner_f1"] == 1.0 and result["rel_strict_f1"] == 1.0
    items = json.loads(gold.read_text("utf-8"))
    for item in items:
        item["relations"] = []
    predicted = tmp_path / "pred.json"
    predicted.write_text(json.dumps(items), encoding="utf-8")
    assert main(["score", str(gold), str(predicted)]) == 0
    result = _last_json(capsys)
    assert result["ner_f1"] == 1.0 and result["rel_strict_recall"] == 0.0

def test_score_matches_unnamed_spert_items_by_position(fixtures_dir, tmp_path, capsys):
    gold = fixtures_dir / "spert_json" / "conll04_like_test.json"  # items with orig_id 301..304
    items = json.loads(gold.read_text("utf-8"))
    for item in items:
        del item["orig_id"]  # as SpERT's own prediction files
    items[0]["relations"] = items[0]["relations"][:1]  # OrgBased_In missed
    items[1]["entities"][1]["type"] = "Org"  # Frank Moss: wrong type, so Kill is wrong when strict
    items[2]["entities"], items[2]["relations"] = items[2]["entities"][:1], []  # Ecuador and Located_In missed
    items[3]["entities"] = [{"type": "Org", "start": 1, "end": 2}]  # spurious
    predicted = _write_json(tmp_path / "predictions.json", items)
    assert main(["score", str(gold), str(predicted)]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert "documents matched by position" in captured.err
    assert (result["matched_by"], result["documents"], result["documents_without_prediction"]) == ("position", 4, 0)
    # entities: 8 predicted, 8 gold, 6 right; relations strict: 2 predicted, 4 gold, 1 right; boundaries: 2 right
    assert (result["ner_precision"], result["ner_recall"], result["ner_f1"]) == (0.75, 0.75, 0.75)
    assert (result["rel_strict_precision"], result["rel_strict_recall"]) == (0.5, 0.25)
    assert result["rel_strict_f1"] == pytest.approx(1 / 3)
    assert (result["rel_boundaries_precision"], result["rel_boundaries_recall"]) == (1.0, 0.5)
    assert result["rel_boundaries_f1"] == pytest.approx(2 / 3)
    # named on both sides: by id, whatever the order
    named = _write_json(tmp_path / "named.json", json.loads(gold.read_text())[::-1])
    assert main(["score", str(gold), str(named)]) == 0
    assert _last_json(capsys)["matched_by"] == "id"
    # unnamed but other tokens: refused, saying why
    items[2]["tokens"][0] = "Lima"
    assert main(["score", str(gold), str(_write_json(tmp_path / "other.json", items))]) == 2
    assert "cannot be matched by position: item 2 has other tokens" in capsys.readouterr().err
    assert main(["score", str(gold), str(_write_json(tmp_path / "short.json", items[:3]))]) == 2
    assert "cannot be matched by position: 3 predicted and 4 gold items" in capsys.readouterr().err

def test_score_refuses_duplicate_ids(fixtures_dir, tmp_path, capsys):
    gold = fixtures_dir / "spert_json" / "conll04_like_test.json"
    items = json.loads(gold.read_text("utf-8"))
    items[1]["orig_id"] = items[0]["orig_id"]
    predicted = _write_json(tmp_path / "dup.json", items)
    assert main(["score", str(gold), str(predicted)]) == 2
    assert f"error: {predicted}: documents 0 and 1 have the same id '301'" in capsys.readouterr().err


def _brat(directory: Path, text: str, entities) -> Path:
    directory.mkdir()
    (directory / "d.txt").write_text(text, encoding="utf-8")
    (directory / "d.ann").write_text("".join(f"T{n}\t{t} {s} {e}\t{text[s:e]}\n" for n, (t, s, e) in
                                             enumerate(entities, start=1)), encoding="utf-8")
    return directory


def test_rurebus_as_the_script_scores_and_its_set_based_variant(tmp_path, capsys):
    text = "abcde fghi rest ."
    gold = _brat(tmp_path / "gold", text, [("ACT", 0, 10)])
    predicted = _brat(tmp_path / "predicted", text, [("ACT", 0, 5), ("ACT", 0, 10)])
    assert main(["score", str(gold), str(predicted), "--tokenizer", "whitespace", "--rurebus", "--rurebus-set"]) == 0
    result = _last_json(capsys)
    official = result["rurebus"]["subtask_1_ner"]
    assert (official["tp"], official["fp"], official["fn"]) == (0, 2, 1) and official["f1"] == 0.0
    # each distinct item once: TP 1 (0, 10), FP 1 (0, 5), FN 0
    assert result["rurebus_set"]["subtask_1_ner"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3)}
    assert main(["score", str(gold), str(predicted), "--tokenizer", "whitespace"]) == 0
    assert "rurebus" not in _last_json(capsys)


def test_unreadable_prediction_lines_are_skipped_and_reported(tmp_path, capsys):
    documents = [{"id": i, "tokens": ["Anna", "met", "Boris", "."], "relations": [],
                  "entities": [{"type": "PER", "start": 0, "end": 1}, {"type": "PER", "start": 2, "end": 3}]}
                 for i in ("a", "b")]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    predicted = tmp_path / "predicted.jsonl"
    predicted.write_text(json.dumps(documents[0]) + "\n{broken\n", encoding="utf-8")
    assert main(["score", str(gold), str(predicted)]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result["skipped"] == 1 and result["skipped_lines"][0]["line"] == 2
    assert result["skipped_lines"][0]["reason"].startswith("invalid JSON")
    assert f"skipped 1 unreadable records ({predicted}: lines 2)" in captured.err
    assert result["documents_without_prediction"] == 1 and result["ner_precision"] == 1.0
    assert result["ner_recall"] == 0.5  # "b" counts as predicted empty
    gold.write_text(gold.read_text("utf-8") + "{broken\n", encoding="utf-8")
    assert main(["score", str(gold), str(predicted)]) == 2  # the gold is read whole
    assert f"error: {gold}:3: invalid JSON" in capsys.readouterr().err
