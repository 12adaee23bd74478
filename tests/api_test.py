"""The Python front door on a tiny SpERT archive: `ji.load`, calling the model, `pipe`, `InputError`,
`ji.to_spacy` on predictions."""
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import jointie_allennlp as ji
from jointie_allennlp.data.document import Document, Entity, Relation

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEXT = "Maria Lopez works for Northfield Labs in Denver. She moved there in May."
ODD_TEXTS = [
    "John  Smith\tworks for   Acme\n\nin Boston .",
    "  Ünïcödé café in Tōkyō —  Bob Örtegá moved to Zürich.  ",
    "Анна  Иванова работает в «Ромашке» , Москва 🙂 .",
]


@pytest.fixture(scope="module")
def model(spert_archive):
    return ji.load(spert_archive, batch_size=4)


def _annotations(document: Document):
    entities = [(e.start, e.end, e.type, round(e.score, 4)) for e in document.entities]
    relations = [(r.head, r.tail, r.type, round(r.score, 4)) for r in document.relations]
    return document.tokens, document.sentences, entities, relations


def _assert_offsets_into(text: str, document: Document) -> None:
    assert document.text == text
    for token, (start, end) in zip(document.tokens, document.token_offsets):
        assert text[start:end] == token
    for entity in document.entities:
        start, end = document.char_span(entity)
        assert start == document.token_offsets[entity.start][0] and end == document.token_offsets[entity.end - 1][1]
        assert text[start:end] == document.entity_text(entity)
        assert text[start:end].startswith(document.tokens[entity.start])
        assert text[start:end].endswith(document.tokens[entity.end - 1])


def test_the_package_exports_the_front_door_without_importing_fastapi():
    assert issubclass(ji.InputError, ValueError)
    assert ji.to_spacy is ji.api.to_spacy and ji.load is ji.api.load
    code = "import sys, jointie_allennlp as ji; ji.load; print('fastapi' in sys.modules, 'uvicorn' in sys.modules)"
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_a_call_gives_a_document_whose_offsets_slice_the_text(model):
    assert repr(model).startswith("JointModel(") and model.entity_types and model.relation_types
    document = model(TEXT)
    assert isinstance(document, Document)
    assert document.entities, "the tiny model predicts entities on this text"
    assert document.relations
    _assert_offsets_into(TEXT, document)
    assert {e.type for e in document.entities} <= set(model.entity_types)
    assert {r.type for r in document.relations} <= set(model.relation_types)


def test_the_call_predicts_what_the_command_lines_predictor_does(model):
    record = model.predictor.predict_batch_json([{"id": "a", "text": TEXT}])[0]
    document = model({"id": "a", "text": TEXT})
    assert document.id == "a"
    assert [(e["start"], e["end"], e["char_start"], e["char_end"], e["type"]) for e in record["entities"]] == [
        (e.start, e.end, *document.char_span(e), e.type) for e in document.entities
    ]
    assert [(r["head"], r["tail"], r["type"]) for r in record["relations"]] == [
        (r.head, r.tail, r.type) for r in document.relations
    ]
    [direct] = model.predictor.predict_batch_documents([{"id": "a", "text": TEXT}])
    assert _annotations(direct) == _annotations(document)
    assert model.predictor.output_record({"id": "a", "text": TEXT}, direct)["entities"] == record["entities"]


def test_pipe_is_lazy_keeps_the_order_and_equals_one_by_one_calls(model):
    inputs = [
        TEXT,
        {"id": "tok", "tokens": ["Tom", "Reed", "lives", "in", "Oslo", "."]},
        {"tokens": [["Anna", "left", "."], ["Bob", "works", "for", "Acme", "."]]},
        "Bob works for Acme in Paris.",
        Document.from_tokens("given", ["Kim", "Lee", "visited", "Rome", "."]),
        {"id": 7, "text": ODD_TEXTS[0]},
        ODD_TEXTS[1],
    ]
    taken = []

    def feed():
        for item in inputs:
            taken.append(item)
            yield item

    stream = model.pipe(feed(), batch_size=3)
    assert taken == []  # nothing read before the first document is asked for
    first = next(stream)
    assert len(taken) == 3  # one batch read, predicted, its documents yielded one by one
    piped = [first, *stream]
    assert len(taken) == len(inputs)
    assert [d.id for d in piped] == ["0", "tok", "2", "3", "given", "7", "6"]
    singles = [model(item) for item in inputs]
    assert [_annotations(d) for d in piped] == [_annotations(d) for d in singles]
    assert piped[2].sentences == [(0, 3), (3, 8)]
    assert list(model.pipe([])) == []


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("", "the text is empty"),
        (" \n\t ", "only white space"),
        (5, "got int"),
        (None, "got NoneType"),
        (b"John works", "got bytes; decode bytes first"),
        (["John", "works"], "got list"),
        ({"id": "x", "words": ["a"]}, "needs 'text' or 'tokens'"),
        ({"text": 5}, "'text' must be a str, got int"),
        ({"text": "   "}, "only white space"),
        ("John \ud800 Smith", r"lone surrogate \\ud800 at character 5"),
        ({"tokens": ["John", "\udc80"]}, r"lone surrogate \\udc80"),
        ({"tokens": []}, "'tokens' is empty"),
        ({"tokens": ["John", ""]}, "non-empty strings"),
        ({"tokens": ["John", 3]}, "non-empty strings"),
        ({"tokens": ["John", "  "]}, "only white space"),
        ({"text": "John Smith", "tokens": ["John", "Smyth"]}, "token 1 'Smyth' is not in the text at character 5"),
        ({"text": "John", "tokens": ["John", "Smith"]}, "token 1 'Smith' is past the end"),
        ({"text": "John Smith works", "tokens": ["John", "Smith"]}, "goes on after the last token at character 11"),
        ({"tokens": ["John"], "entities": [{"type": "Peop", "start": 0, "end": 2}]}, r"entity 0 span \[0, 2\)"),
        (Document("d", "John Smith", ["John", "Smyth"], [(0, 4), (5, 10)]), "token 1 'Smyth' does not match"),
        (Document("d", "John Smith", ["Smith", "John"], [(5, 10), (0, 4)]), "token 1 has offsets"),
        (Document("d", "", [], []), "has no tokens"),
        (Document("d", "a \udfff", ["a"], [(0, 1)]), "lone surrogate"),
        (Document("d", "a b", ["a", "b"], [(0, 1), (2, 3)], sentences=[(0, 1)]), "sentences end at token 1 of 2"),
        (
            replace(
                Document.from_tokens("d", ["a", "b"]), entities=[Entity(0, 1, "T")], relations=[Relation(0, 3, "R")]
            ),
            "relation 0 tail refers to entity 3",
        ),
    ],
)
def test_bad_input_raises_an_input_error_saying_what_is_wrong(model, bad, reason):
    with pytest.raises(ji.InputError, match=reason) as raised:
        model(bad)
    assert raised.value.index is None and isinstance(raised.value, ValueError)


def test_pipe_yields_the_documents_before_a_bad_input_then_names_its_position(model):
    stream = model.pipe(["Anna lives in Oslo.", "Bob left.", "", "never read"], batch_size=2)
    assert [d.text for d in (next(stream), next(stream))] == ["Anna lives in Oslo.", "Bob left."]
    with pytest.raises(ji.InputError, match="^input 2: the text is empty$") as raised:
        next(stream)
    assert raised.value.index == 2 and raised.value.reason == "the text is empty"


def test_pipe_refuses_a_single_input_or_a_bad_batch_size_at_once(model):
    with pytest.raises(ji.InputError, match="not one str; call the model for one"):
        model.pipe("John works for Acme.")
    with pytest.raises(ji.InputError, match="got int"):
        model.pipe(3)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        model.pipe(["a"], batch_size=0)


def test_the_command_line_path_still_answers_bad_records_with_error_records(model):
    [record] = model.predictor.predict_batch_json([{"id": "x", "words": ["a"]}])
    assert "needs 'text' or 'tokens'" in record["error"] and record["entities"] == []
    [result] = model.predictor.predict_batch_documents([{"id": "x", "words": ["a"]}])
    assert isinstance(result, Exception)


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_offsets_of_texts_with_runs_of_white_space_and_unicode_round_trip(model, text):
    document = model(text)
    assert document.entities
    _assert_offsets_into(text, document)
    spacy = pytest.importorskip("spacy")
    doc = ji.to_spacy(document, spacy.blank("xx"))
    assert doc.text == text
    assert [(span.start_char, span.end_char, span.label_) for span in doc.spans["entities"]] == [
        (*document.char_span(entity), entity.type) for entity in document.entities
    ]
    assert [(r.head.start_char, r.tail.end_char, r.label) for r in doc._.relations] == [
        (document.char_span(document.entities[r.head])[0], document.char_span(document.entities[r.tail])[1], r.type)
        for r in document.relations
    ]


def test_tokens_with_their_text_give_offsets_into_that_text(model):
    text = "  Tom   Reed lives\tin Oslo ."
    tokens = ["Tom", "Reed", "lives", "in", "Oslo", "."]
    document = model({"text": text, "tokens": tokens})
    assert document.token_offsets == [(2, 5), (8, 12), (13, 18), (19, 21), (22, 26), (27, 28)]
    _assert_offsets_into(text, document)
    # the model sees the same tokens either way
    assert _annotations(document) == _annotations(model({"tokens": tokens}))


def test_a_predicted_document_renders_with_displacy(model):
    spacy = pytest.importorskip("spacy")
    from spacy import displacy

    document = model(TEXT)
    doc = ji.to_spacy(document, spacy.blank("en"))
    html = displacy.render(doc, style="ent", page=False)
    assert doc.ents and all(entity.label_ in html for entity in doc.ents)
    spans = displacy.render(doc, style="span", options={"spans_key": "entities"}, page=False)
    assert all(entity.type in spans for entity in document.entities)


def test_load_passes_overrides_and_the_predictor(spert_archive, model):
    assert model(TEXT).relations
    strict = ji.load(spert_archive, "joint_extraction", overrides={"model.rel_filter_threshold": 0.999})
    document = strict(TEXT)
    assert document.entities and document.relations == []
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        ji.load(spert_archive, batch_size=0)
