import pytest

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.windows import merge_windows


def _document() -> Document:
    document = Document.from_tokens(
        "doc",
        ["Ann", "works", "at", "Acme", ".", "Acme", "is", "in", "Oslo", "."],
        entities=[Entity(0, 1, "PER"), Entity(3, 4, "ORG"), Entity(5, 6, "ORG"), Entity(8, 9, "LOC")],
        relations=[Relation(0, 1, "Work_For"), Relation(2, 3, "OrgBased_In")],
        symmetric_relation_types={"Conj"},
    )
    document.sentences = [(0, 5), (5, 10)]
    return document


def test_from_tokens_offsets_and_text():
    document = _document()
    assert document.text == "Ann works at Acme . Acme is in Oslo ."
    assert document.token_offsets[3] == (13, 17)
    assert document.entity_text(document.entities[3]) == "Oslo"
    assert document.token_span_of_chars(13, 17) == (3, 4)
    assert document.token_span_of_chars(14, 27) == (3, 7)
    assert document.token_span_of_chars(17, 18) is None


def test_split_and_merge_sentences_round_trip():
    document = _document()
    sentences = document.split_sentences()
    assert [s.tokens for s in sentences] == [document.tokens[:5], document.tokens[5:]]
    assert sentences[1].text == "Acme is in Oslo ."
    assert sentences[1].entities == [Entity(0, 1, "ORG"), Entity(3, 4, "LOC")]
    assert sentences[1].relations == [Relation(0, 1, "OrgBased_In")]
    assert sentences[1].symmetric_relation_types == {"Conj"}
    merged = merge_windows(document.without_annotations(), sentences)
    assert merged.entities == document.entities
    assert merged.relations == document.relations
    assert merged.tokens == document.tokens


def test_merge_keeps_exact_character_spans():
    document = _document()
    document.entities[3] = Entity(8, 9, "LOC", char_span=(30, 35))
    sentence = document.split_sentences()[1]
    assert sentence.entities[1].char_span == (10, 15)
    merged = merge_windows(document.without_annotations(), document.split_sentences())
    assert merged.entities[3].char_span == (30, 35)


def test_without_annotations_drops_format_sidecars():
    document = _document()
    document.metadata = {"brat_unsupported": ["A1\tNeg T1"], "spert_extra": {"orig_id": 3}}
    assert document.without_annotations().metadata == {"spert_extra": {"orig_id": 3}}


def test_validate_names_the_document():
    document = _document()
    document.relations.append(Relation(0, 9, "Kill"))
    with pytest.raises(ValueError, match="document 'doc': relation 2 tail refers to entity 9"):
        document.validate()
    with pytest.raises(ValueError, match="3 tokens but 2 token offsets"):
        Document("x", "a b c", ["a", "b", "c"], [(0, 1), (2, 3)])
