import json

import pytest

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.spert_json import (
    document_from_spert_dict,
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

TWO_ENTITIES = [{"type": "X", "start": 0, "end": 1}, {"type": "X", "start": 1, "end": 2}]


MALFORMED_ITEMS = [
    ({"tokens": ["a"], "entities": [{"type": "X", "start": 0, "end": 2}]}, "entity 0 span \\[0, 2\\)"),
    ({"tokens": ["a"], "entities": [{"type": "X", "start": 0}]}, "entity 0 needs integer"),
    (
        {"tokens": ["a"], "entities": [{"type": "X", "start": 0, "end": 1}],
         "relations": [{"type": "R", "head": 0, "tail": 3}]},
        "relation 0 tail 3 refers to no entity",
    ),
    ({"tokens": "a b"}, "'tokens' must be a list"),
    ({"tokens": ["a", ""]}, "'tokens' must be a list of non-empty strings"),
    # nothing is coerced: null / numbers for lists, floats, strings, booleans for indices
    ({"tokens": ["a"], "entities": None}, "'entities' must be a list, not null"),
    ({"tokens": ["a"], "entities": 3}, "'entities' must be a list, not int"),
    ({"tokens": ["a"], "relations": None}, "'relations' must be a list, not null"),
    ({"tokens": ["a"], "entities": [{"type": "X", "start": 0, "end": float("-inf")}]}, "-Infinity is not"),
    ({"tokens": ["a"], "weight": float("nan")}, "NaN is not a JSON value"),
    ({"tokens": ["a", " "], "entities": [{"type": "X", "start": 1, "end": 2}]}, "token 1 ' ' is only white"),
    ({"tokens": ["a", "b", "c"], "entities": [{"type": "X", "start": 0.9, "end": 2.7}]}, "entity 0 needs integer"),
    ({"tokens": ["a"], "entities": [{"type": "X", "start": "0", "end": 1}]}, "entity 0 needs integer"),
    ({"tokens": ["a"], "entities": [{"type": "X", "start": False, "end": True}]}, "entity 0 needs integer"),
    ({"tokens": ["a"], "entities": [{"type": None, "start": 0, "end": 1}]}, "non-empty string \\(got null\\)"),
    ({"tokens": ["a"], "entities": [{"type": ["Peop"], "start": 0, "end": 1}]}, "got \\[\"Peop\"\\]"),
    ({"tokens": ["a"], "entities": [{"type": "", "start": 0, "end": 1}]}, "entity 0 needs a 'type'"),
    (
        {"tokens": ["a", "b"], "entities": TWO_ENTITIES, "relations": [{"type": "R", "head": 0.0, "tail": 1}]},
        "relation 0 needs integer",
    ),
    (
        {"tokens": ["a", "b"], "entities": TWO_ENTITIES, "relations": [{"type": None, "head": 0, "tail": 1}]},
        "relation 0 needs a 'type'",
    ),
]


@pytest.mark.parametrize("item,message", MALFORMED_ITEMS)
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


@pytest.mark.parametrize(
    "types,message",
    [
        ({"entities": ["Peop"], "relations": ["Work_For"]}, "must be JSON objects"),
        ([], "must be JSON objects"),
        ({"entities": {"Peop": "P"}, "relations": {}}, "entities type 'Peop'"),
        ({"entities": {}, "relations": {"Conj": {"symmetric": "yes"}}}, "'symmetric' must be true or false"),
    ],
)
def test_types_file_of_the_wrong_shape_is_refused(tmp_path, types, message):
    (tmp_path / "toy_types.json").write_text(json.dumps(types), encoding="utf-8")
    with pytest.raises(FormatError, match=message) as error:
        read_types(tmp_path / "toy_types.json")
    assert error.value.path == str(tmp_path / "toy_types.json")
    data = tmp_path / "toy_train.json"
    data.write_text(json.dumps(ITEMS), encoding="utf-8")
    with pytest.raises(FormatError, match=message):
        read_spert_json(data)


def test_multi_sentence_document_keys_rebuild_the_document(tmp_path):
    text = "  Anna works for Acme.\n\nBoris  left.\n"
    offsets = [(2, 6), (7, 12), (13, 16), (17, 21), (21, 22), (24, 29), (31, 35), (35, 36)]
    document = Document(
        "d/1", text, [text[s:e] for s, e in offsets], offsets, sentences=[(0, 5), (5, 8)],
        entities=[Entity(5, 6, "Peop", source_id="T7"), Entity(0, 1, "Peop", char_span=(1, 6)),
                  Entity(3, 4, "Org", source_id="T2")],
        relations=[Relation(1, 2, "Work_For", source_id="R4")],
        metadata={"brat_unsupported": ["A1\tNegation T7"]},
    )
    items = document_to_spert_dicts(document)
    assert [i["tokens"] for i in items] == [["Anna", "works", "for", "Acme", "."], ["Boris", "left", "."]]
    assert items[0]["entities"] == [{"type": "Peop", "start": 0, "end": 1, "char_span": [1, 6]},
                                    {"type": "Org", "start": 3, "end": 4, "source_id": "T2"}]
    assert items[0]["relations"] == [{"type": "Work_For", "head": 0, "tail": 1, "source_id": "R4"}]
    assert (items[1]["orig_id"], items[1]["document"], items[1]["sentence"]) == ("d/1#1", "d/1", 1)
    assert items[1]["offsets"] == [[24, 29], [31, 35], [35, 36]] and "document_text" not in items[1]
    path = tmp_path / "x.json"
    path.write_text(json.dumps(items[::-1]), encoding="utf-8")  # item order does not matter
    (back,) = read_spert_json(path)
    assert (back.id, back.text, back.token_offsets, back.sentences) == ("d/1", text, offsets, [(0, 5), (5, 8)])
    assert sorted(back.entities, key=lambda e: e.start) == sorted(document.entities, key=lambda e: e.start)
    assert [(back.entities[r.head].source_id, back.entities[r.tail].source_id, r.source_id)
            for r in back.relations] == [(None, "T2", "R4")]
    assert back.metadata["brat_unsupported"] == ["A1\tNegation T7"]
    assert document_to_spert_dicts(back) == items


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda items: items.pop(0), "no item with sentence 0"),
        (lambda items: items.append(dict(items[1])), "sentence 1 of the document also in item 1"),
        (lambda items: items.pop(1), "sentences \\[0\\] given, the document has 2"),
        (lambda items: items[1].update(offsets=[[0, 1], [17, 23], [23, 24]]), "token 'Boris' is not at its offsets"),
        (lambda items: items[1].update(offsets=[[0, 1]]), "'offsets' must hold one"),
        (lambda items: items[0].update(document_text=None), "needs 'document_text'"),
        (lambda items: items[1].update(document=7), "'document' must be a string"),
        (lambda items: items[0].update(document_metadata={"brat_unsupported": [3]}), "'document_metadata' may"),
    ],
)
def test_broken_document_keys_are_refused(tmp_path, change, message):
    text = "Anna left. Boris stayed."
    offsets = [(0, 4), (5, 9), (9, 10), (11, 16), (17, 23), (23, 24)]
    document = Document("d", text, [text[s:e] for s, e in offsets], offsets, sentences=[(0, 3), (3, 6)])
    items = document_to_spert_dicts(document)
    change(items)
    path = tmp_path / "x.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    with pytest.raises(FormatError, match=message) as error:
        read_spert_json(path)
    assert str(path) in str(error.value)


def test_one_sentence_document_keeps_its_id_and_text(tmp_path):
    text = "Anna left.\n"
    document = Document("report 7", text, ["Anna", "left", "."], [(0, 4), (5, 9), (9, 10)])
    (item,) = document_to_spert_dicts(document)
    assert (item["orig_id"], item["document"], item["document_text"]) == ("report 7", "report 7", text)
    path = tmp_path / "one.json"
    path.write_text(json.dumps([item]), encoding="utf-8")
    (back,) = read_spert_json(path)
    assert (back.id, back.text, back.token_offsets) == ("report 7", text, document.token_offsets)


def test_non_finite_numbers_from_a_lenient_parser_are_refused():
    with pytest.raises(FormatError, match="nan is not a JSON value"):
        document_from_spert_dict({"tokens": ["a"], "score": float("nan")}, "x")
