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
