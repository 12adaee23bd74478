"""`read_any`: one rule from a path to documents; prediction and error records; gold echoed by
predictions; one bad record never stops a run; what predict writes reads back."""
import json
import logging

import pytest

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.reading import gold_of, read_any, skipped_summary
from jointie_allennlp.data.schema import error_to_json
from jointie_allennlp.dataset_readers.document_reader import read_documents
from jointie_allennlp.predictors.lines import dump_record, parse_line

PREDICTION = {
    "id": "p1", "text": "Anna works for Acme.", "tokens": ["Anna", "works", "for", "Acme", "."], "sentences": [[0, 5]],
    "entities": [{"start": 0, "end": 1, "char_start": 0, "char_end": 4, "text": "Anna", "type": "Peop", "score": 0.9},
                 {"start": 3, "end": 4, "char_start": 15, "char_end": 19, "text": "Acme", "type": "Org", "score": 0.8}],
    "relations": [{"head": 0, "tail": 1, "type": "Work_For", "score": 0.7}],
    "gold_entities": [{"start": 0, "end": 1, "type": "Peop"}],
    "gold_relations": [],
}
FAILED = {"input_line": 2, "input": "{oops", "error": "input line 2: invalid JSON"}


def _lines(path, *records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_prediction_records_keep_scores_and_errors_keep_their_place(tmp_path):
    documents = list(read_any(str(_lines(tmp_path / "pred.jsonl", PREDICTION, FAILED))))
    assert [d.id for d in documents] == ["p1", "input line 2"]
    predicted, failed = documents
    assert [(e.start, e.end, e.type, e.score) for e in predicted.entities] == [(0, 1, "Peop", 0.9), (3, 4, "Org", 0.8)]
    assert [(r.head, r.tail, r.type) for r in predicted.relations] == [(0, 1, "Work_For")]
    assert failed.metadata["error"] == "input line 2: invalid JSON" and failed.text == "{oops" and not failed.tokens
    gold = gold_of(documents)
    assert list(gold) == ["p1"] and [(e.start, e.end, e.type) for e in gold["p1"].entities] == [(0, 1, "Peop")]
    assert gold["p1"].text == predicted.text


def test_gold_of_a_gold_file_and_of_malformed_echoed_gold(fixtures_dir, tmp_path):
    gold = gold_of([], str(fixtures_dir / "spert_json" / "conll04_like_test.json"))
    assert sorted(gold) == ["301", "302", "303", "304"]
    bad = dict(PREDICTION, gold_entities=[{"start": 0}])
    with pytest.raises(FormatError, match="document 'p1'.*malformed gold_entities"):
        gold_of(list(read_any(str(_lines(tmp_path / "bad.jsonl", bad)))))
    assert gold_of(list(read_any(str(_lines(tmp_path / "plain.jsonl", {"id": "x", "text": "No gold."}))))) is None


def test_the_dataset_readers_read_by_the_same_rule_and_count_error_records(tmp_path, caplog):
    path = _lines(tmp_path / "pred.jsonl", PREDICTION, FAILED)
    with caplog.at_level(logging.WARNING):
        documents = list(read_documents(str(path)))
    assert [d.id for d in documents] == ["p1"]
    assert f"{path}: 1 error records (inputs that failed) skipped" in caplog.text
    for suffix in ("data.csv", "data.tsv"):
        (tmp_path / suffix).write_text("a", encoding="utf-8")
        for read in (read_any, read_documents):
            with pytest.raises(FormatError, match="unknown input format"):
                list(read(str(tmp_path / suffix)))


def _prediction(identifier: str) -> dict:
    return {"id": identifier, "text": "Anna met Boris.", "tokens": ["Anna", "met", "Boris", "."],
            "sentences": [[0, 4]], "relations": [],
            "entities": [{"start": 0, "end": 1, "char_start": 0, "char_end": 4, "text": "Anna", "type": "PER",
                          "score": 0.9}]}


def test_bad_records_are_skipped_counted_and_located(tmp_path):
    path = tmp_path / "predictions.jsonl"
    lines = [json.dumps(_prediction("a")), "{broken", json.dumps({**_prediction("b"), "relations": [{"head": 7}]}),
             json.dumps(_prediction("c"))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    skipped = []
    documents = read_any(path, skipped=skipped)
    assert [d.id for d in documents] == ["a", "c"]
    assert [line for line, _ in skipped] == [2, 3]
    assert skipped[0][1].startswith("invalid JSON") and "not a prediction record" in skipped[1][1]
    assert skipped_summary(skipped)["skipped"] == 2
    with pytest.raises(FormatError, match=f"{path}:2: invalid JSON"):
        read_any(path)  # without a list to report into, the first bad line is an error


def test_error_record_with_a_lone_surrogate_reads_back(tmp_path):
    record = parse_line(b'{"id": "s", "text": "bad \\ud800 text"}', 1)
    assert record.error  # the input is refused ...
    line = dump_record(error_to_json(dict(record), record.error, line=1))
    line.encode("utf-8")
    path = tmp_path / "predictions.jsonl"
    path.write_text(line + json.dumps(_prediction("a")) + "\n", encoding="utf-8")
    documents = read_any(path, skipped=[])  # ... and its error record is readable
    assert [d.id for d in documents] == ["s", "a"]
    assert documents[0].text == "bad \ufffd text" and "lone surrogate" in documents[0].metadata["error"]
    # a file written before: the escape itself in the record
    path.write_text('{"id": "t", "text": "x \\ud800", "entities": [], "relations": [], "error": "e"}\n',
                    encoding="utf-8")
    assert read_any(path, skipped=[])[0].text == "x \ufffd"
