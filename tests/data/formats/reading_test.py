"""`read_any`: one bad record never stops a run; what predict writes reads back."""
import json

import pytest

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.reading import read_any, skipped_summary
from jointie_allennlp.predictors.lines import dump_record, parse_line
from jointie_allennlp.data.schema import error_to_json


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
