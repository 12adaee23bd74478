"""The strict JSON reading shared by every reader: repeated keys, line endings, UTF-16."""
import json
import re

import pytest

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.json_text import decode_utf8, loads, object_option, split_lines
from jointie_allennlp.data.formats.spert_json import read_spert_json
from jointie_allennlp.data.formats.text import read_jsonl
from jointie_allennlp.data.schema import document_from_prediction_json


def test_repeated_key_is_an_error_naming_the_line_and_key(tmp_path):
    with pytest.raises(FormatError, match=r'^f.json:3: invalid JSON: the key "type" appears twice in one object$'):
        loads('[\n {"tokens": ["a"],\n  "entities": [{"type": "X", "start": 0, "end": 1, "type": "Y"}]}]', "f.json")
    spert = tmp_path / "d.json"
    spert.write_text('[{"tokens": ["a"], "entities": []},\n{"tokens": ["b"], "tokens": ["c"]}]', encoding="utf-8")
    with pytest.raises(FormatError, match=f'{spert}:2: invalid JSON: the key "tokens" appears twice'):
        read_spert_json(spert)
    lines = tmp_path / "d.jsonl"
    lines.write_text('{"id": "a", "text": "A."}\n{"id": "b", "text": "B.", "id": "c"}\n', encoding="utf-8")
    read = list(read_jsonl(lines))
    assert read[0][1].id == "a"
    assert str(read[1][1]) == f'{lines}:2: invalid JSON: the key "id" appears twice in one object'


@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_every_line_ending_separates_documents(tmp_path, ending):
    path = tmp_path / "in.jsonl"
    path.write_bytes(ending.join(json.dumps({"id": i, "text": f"Text {i}."}) for i in "abc").encode() + b"\r")
    assert [(number, document.id) for number, document, _ in read_jsonl(path)] == [(1, "a"), (2, "b"), (3, "c")]
    assert split_lines("a\rb\r\nc\n\nd") == ["a", "b", "c", "", "d"]


@pytest.mark.parametrize("encoding, mark", [("utf-16", "FF FE"), ("utf-16-be", None), ("utf-32", "FF FE 00 00")])
def test_utf16_input_is_named_not_parsed(tmp_path, encoding, mark):
    path = tmp_path / "in.jsonl"
    path.write_bytes(json.dumps({"id": "a", "text": "Anna met Boris."}).encode(encoding) + "\n".encode(encoding))
    with pytest.raises(FormatError) as caught:
        list(read_jsonl(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: not UTF-8: looks like UTF-")
    assert (f"byte order mark {mark})" in message) if mark else ("NUL bytes" in message)
    with pytest.raises(FormatError, match="not valid UTF-8"):
        decode_utf8(b'{"a": 1}\n\xff\n', "x")


def test_non_finite_numbers_and_leading_byte_order_mark(tmp_path):
    with pytest.raises(FormatError, match="NaN is not valid JSON"):
        loads('{"a": NaN}', "x", 4)
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "a", "text": "A."}).encode() + b"\n")
    assert [document.id for _, document, _ in read_jsonl(path)] == ["a"]


def test_prediction_records_are_checked():
    good = {"id": "d", "text": "Anna met Boris.", "tokens": ["Anna", "met", "Boris", "."], "sentences": [[0, 4]],
            "entities": [{"start": 0, "end": 1, "type": "PER"}, {"start": 2, "end": 3, "type": "PER"}],
            "relations": [{"head": 0, "tail": 1, "type": "Meet"}]}
    document = document_from_prediction_json(good)
    assert [document.entity_text(e) for e in document.entities] == ["Anna", "Boris"]
    for change, message in (
        ({"entities": [{"start": 0, "end": 9, "type": "PER"}], "relations": []}, "entity 0 span [0, 9) is outside"),
        ({"relations": [{"head": 0, "tail": 5, "type": "Meet"}]}, "relation 0 refers to no entity"),
        ({"tokens": ["Anna", "saw", "Boris", "."]}, "token 1 'saw' is not in the text"),
        ({"entities": [{"end": 1}]}, "'entities' need start, end, type"),
    ):
        expected = f"p.jsonl:7, document 'd': not a prediction record: {message}"
        with pytest.raises(FormatError, match=re.escape(expected)):
            document_from_prediction_json({**good, **change}, "p.jsonl", 7)


def test_object_option_reads_an_object_and_names_the_option_otherwise():
    assert object_option(None, "--x", "names") == {} and object_option("  ", "--x", "names") == {}
    assert object_option('{"a": [1, 2]}', "--x", "names") == {"a": [1, 2]}
    with pytest.raises(FormatError, match=r"^--x: expected a JSON object of names, got \[1\]$"):
        object_option("[1]", "--x", "names")
    with pytest.raises(FormatError, match=r"^--x: invalid JSON: Expecting value \(column 1\)$"):
        object_option("a=1", "--x", "names")
    with pytest.raises(KeyError, match="--x: expected a JSON object of names, got 3"):
        object_option("3", "--x", "names", error=KeyError)
