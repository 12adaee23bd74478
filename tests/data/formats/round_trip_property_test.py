"""
Random documents (any Unicode including astral characters, nested and overlapping entities,
blank lines between sentences, documents without tokens, long words) come back unchanged from
every format: brat, SpERT JSON, JSON lines input, and the prediction schema.
"""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.formats.brat import read_brat, write_brat
from jointie_allennlp.data.formats.reading import read_any
from jointie_allennlp.data.formats.spert_json import read_spert_json, write_spert_json
from jointie_allennlp.data.formats.text import read_jsonl
from jointie_allennlp.data.schema import prediction_to_json
from jointie_allennlp.data.tokenization import whitespace_segment
from jointie_allennlp.predictors.lines import dump_record

# no white space, control characters or surrogates inside a token; astral characters included
_CHARACTERS = st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="\x85")
_TOKEN = st.one_of(
    st.text(_CHARACTERS, min_size=1, max_size=8),
    st.text(_CHARACTERS, min_size=60, max_size=200),  # a long word
).filter(lambda token: not any(c.isspace() for c in token))
_TYPES = st.sampled_from(["PER", "ORG", "Loc-x", "Тип", "𝒯"])
_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                             HealthCheck.too_slow])


@st.composite
def documents(draw) -> Document:
    sentences_tokens = draw(st.lists(st.lists(_TOKEN, min_size=1, max_size=6), min_size=0, max_size=4))
    text, tokens, offsets, sentences = draw(st.sampled_from(["", "  ", "\n"])), [], [], []
    for number, sentence in enumerate(sentences_tokens):
        if number:
            text += draw(st.sampled_from([" ", "\n", "\n\n", "\n  \n", "\t"]))  # blank lines between sentences
        first = len(tokens)
        for index, token in enumerate(sentence):
            if index:
                text += draw(st.sampled_from([" ", "  "]))
            offsets.append((len(text), len(text) + len(token)))
            tokens.append(token)
            text += token
        sentences.append((first, len(tokens)))
    text += draw(st.sampled_from(["", "\n", " "]))
    entities, relations = [], []
    for first, end in sentences:
        spans = st.tuples(st.integers(first, end - 1), st.integers(1, end - first)).map(
            lambda pair, end=end: (pair[0], min(end, pair[0] + pair[1])))
        local = [Entity(start, stop, draw(_TYPES), score=draw(st.floats(0, 1)))
                 for start, stop in draw(st.lists(spans, max_size=4))]  # nested, overlapping, repeated spans
        base = len(entities)
        entities.extend(local)
        if len(local) > 1:
            pairs = st.tuples(st.integers(base, len(entities) - 1), st.integers(base, len(entities) - 1))
            relations.extend(Relation(h, t, draw(_TYPES), score=draw(st.floats(0, 1)))
                             for h, t in draw(st.lists(pairs, max_size=3)))
    identifier = draw(st.text(_CHARACTERS, min_size=1, max_size=12))
    return Document(identifier, text, tokens, offsets, sentences, entities, relations)


def _char_level(document: Document):
    return (document.text, [(document.char_span(e), e.type) for e in document.entities],
            [(r.head, r.tail, r.type) for r in document.relations])


def _token_level(document: Document, scores: bool = False):
    entities = [(e.start, e.end, e.type) + ((e.score,) if scores else ()) for e in document.entities]
    relations = [(r.head, r.tail, r.type) + ((r.score,) if scores else ()) for r in document.relations]
    sentences = [s for s in document.sentences if s[1] > s[0]]
    return (document.text, document.tokens, [tuple(o) for o in document.token_offsets], sentences, entities,
            relations)


@_SETTINGS
@given(documents())
def test_brat_round_trip(tmp_path, document):
    write_brat(document.with_annotations(document.entities, document.relations), tmp_path, name="doc",
               overwrite=True)
    read = read_brat(tmp_path / "doc.txt", segmenter=whitespace_segment)
    assert _char_level(read) == _char_level(document)


@_SETTINGS
@given(st.lists(documents(), min_size=1, max_size=3, unique_by=lambda d: d.id))
def test_spert_json_round_trip(tmp_path, batch):
    path = tmp_path / "data_train.json"
    write_spert_json(batch, path, overwrite=True)
    read = read_spert_json(path)
    assert [d.id for d in read] == [d.id for d in batch]
    assert [_token_level(d) for d in read] == [_token_level(d) for d in batch]


def _input_record(document: Document) -> dict:
    nested = [document.tokens[first:end] for first, end in document.sentences]
    return {"id": document.id, "text": document.text, "tokens": nested,
            "entities": [{"type": e.type, "start": e.start, "end": e.end} for e in document.entities],
            "relations": [{"type": r.type, "head": r.head, "tail": r.tail} for r in document.relations]}


@_SETTINGS
@given(st.lists(documents().filter(lambda d: d.tokens), min_size=1, max_size=3))
def test_json_lines_input_round_trip(tmp_path, batch):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(dump_record(_input_record(d)) for d in batch), encoding="utf-8")
    read = list(read_jsonl(path))
    assert [number for number, _, _ in read] == list(range(1, len(batch) + 1))
    assert [_token_level(d) for _, d, _ in read] == [_token_level(d) for d in batch]


@_SETTINGS
@given(st.lists(documents().filter(lambda d: d.tokens), min_size=1, max_size=3))
def test_prediction_schema_round_trip(tmp_path, batch):
    path = tmp_path / "predictions.jsonl"
    records = [prediction_to_json(d, _input_record(d)) for d in batch]
    path.write_text("".join(dump_record(r) for r in records), encoding="utf-8")
    for record, document in zip(records, batch):
        assert [e["text"] for e in record["entities"]] == [document.entity_text(e) for e in document.entities]
    skipped = []
    read = read_any(path, skipped=skipped)
    assert skipped == []
    assert [d.id for d in read] == [d.id for d in batch]
    assert [_token_level(d, scores=True) for d in read] == [_token_level(d, scores=True) for d in batch]
    assert [json.loads(json.dumps(d.metadata["gold_entities"])) for d in read] == [
        _input_record(d)["entities"] for d in batch]
