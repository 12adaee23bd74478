import json

import pytest

from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.spert_json import (
    document_to_spert_dicts,
    find_types_file,
    read_spert_json,
    read_types,
    write_spert_json,
)

ITEMS = [
    {
        "tokens": ["John", "works", "for", "Acme", "Corp", "."],
        "entities": [{"type": "Peop", "start": 0, "end": 1}, {"type": "Org", "start": 3, "end": 5}],
        "relations": [{"type": "Work_For", "head": 0, "tail": 1}],
        "orig_id": 17,
    },
    {"tokens": ["Nothing", "here"], "entities": [], "relations": []},
]
TYPES = {
    "entities": {"Peop": {"short": "P", "verbose": "People"}, "Org": {"short": "O", "verbose": "Org"}},
    "relations": {
        "Work_For": {"short": "W", "verbose": "Work for", "symmetric": False},
        "Conj": {"short": "C", "verbose": "Conjunction", "symmetric": True},
    },
}


def _files(tmp_path, items=ITEMS):
    data = tmp_path / "toy_train.json"
    data.write_text(json.dumps(items), encoding="utf-8")
    (tmp_path / "toy_types.json").write_text(json.dumps(TYPES), encoding="utf-8")
    return data


def test_read_and_round_trip(tmp_path):
    data = _files(tmp_path)
    documents = read_spert_json(data)
    assert find_types_file(data) == tmp_path / "toy_types.json"
    assert [d.id for d in documents] == ["17", "toy_train:1"]
    first = documents[0]
    assert first.text == "John works for Acme Corp ."
    assert first.entity_text(first.entities[1]) == "Acme Corp"
    assert first.symmetric_relation_types == {"Conj"}
    out = tmp_path / "out.json"
    assert write_spert_json(documents, out) == 2
    assert json.loads(out.read_text()) == ITEMS


def test_types_file(tmp_path):
    _files(tmp_path)
    types = read_types(tmp_path / "toy_types.json")
    assert types.entity_types == ["Peop", "Org"]
    assert types.relation_types == ["Work_For", "Conj"]
    assert types.symmetric_relation_types == {"Conj"}


def test_multi_sentence_document_becomes_one_item_per_sentence(tmp_path):
    document = read_spert_json(_files(tmp_path))[0]
    document.sentences = [(0, 3), (3, 6)]
    document.relations = []
    items = document_to_spert_dicts(document)
    assert [i["tokens"] for i in items] == [["John", "works", "for"], ["Acme", "Corp", "."]]
    assert items[1]["entities"] == [{"type": "Org", "start": 0, "end": 2}]


@pytest.mark.parametrize(
    "item,message",
    [
        ({"tokens": ["a"], "entities": [{"type": "X", "start": 0, "end": 2}]}, "entity 0 span \\[0, 2\\)"),
        ({"tokens": ["a"], "entities": [{"type": "X", "start": 0}]}, "entity 0 needs integer"),
        (
            {"tokens": ["a"], "entities": [{"type": "X", "start": 0, "end": 1}],
             "relations": [{"type": "R", "head": 0, "tail": 3}]},
            "relation 0 tail 3 refers to no entity",
        ),
        ({"tokens": "a b"}, "'tokens' must be a list"),
        ({"tokens": ["a", ""]}, "'tokens' must be a list of non-empty strings"),
    ],
)
def test_malformed_items_name_file_and_document(tmp_path, item, message):
    data = _files(tmp_path, [ITEMS[0], {**item, "orig_id": "bad7"}])
    with pytest.raises(FormatError, match=message) as error:
        read_spert_json(data)
    assert error.value.document == "bad7"
    assert str(data) in str(error.value)


def test_invalid_json_names_the_line(tmp_path):
    data = tmp_path / "x.json"
    data.write_text('[\n{"tokens": ["a"]},\n{"tokens": ["b"] oops}\n]', encoding="utf-8")
    with pytest.raises(FormatError, match="invalid JSON") as error:
        read_spert_json(data)
    assert error.value.line == 3


CONLL04 = __import__("pathlib").Path(__file__).resolve().parents[3].parent / "shared" / "data" / "conll04"


@pytest.mark.skipif(not CONLL04.is_dir(), reason="CoNLL04 not beside the project")
def test_conll04_round_trips_exactly(tmp_path):
    for split in ("train", "dev", "test"):
        path = CONLL04 / f"conll04_{split}.json"
        out = tmp_path / f"{split}.json"
        write_spert_json(read_spert_json(path), out)
        assert json.loads(out.read_text("utf-8")) == json.loads(path.read_text("utf-8"))


def test_types_file_found_by_shorter_prefixes(tmp_path):
    (tmp_path / "ade_types.json").write_text(json.dumps(TYPES), encoding="utf-8")
    data = tmp_path / "ade_split_0_train.json"
    data.write_text(json.dumps(ITEMS), encoding="utf-8")
    assert find_types_file(data) == tmp_path / "ade_types.json"
    (tmp_path / "ade_split_0_types.json").write_text(json.dumps(TYPES), encoding="utf-8")
    assert find_types_file(data) == tmp_path / "ade_split_0_types.json"
    assert find_types_file(tmp_path / "other.json") is None
