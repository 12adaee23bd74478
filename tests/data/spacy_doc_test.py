"""`to_spacy`: a Document as a spaCy Doc with every entity in a span group, the non-overlapping ones as
`doc.ents`, relations in `doc._.relations`, the exact text, and displaCy rendering both."""
import builtins

import pytest

spacy = pytest.importorskip("spacy")  # the `spacy` extra
from spacy import displacy  # noqa: E402

from jointie_allennlp.data.document import Document, Entity, Relation  # noqa: E402
from jointie_allennlp.data.formats.text import document_from_text  # noqa: E402
from jointie_allennlp.data.spacy_doc import SpacyRelation, to_spacy  # noqa: E402
from jointie_allennlp.data.tokenization import whitespace_segment  # noqa: E402


def _document() -> Document:
    #        0    5     11    17  21  25 27       36  40
    text = "John Smith works for Bank of America in Boston ."
    document = document_from_text("d", text, whitespace_segment)
    # tokens: 0 John 1 Smith 2 works 3 for 4 Bank 5 of 6 America 7 in 8 Boston 9 .
    document.entities = [
        Entity(0, 2, "Peop", score=0.9),       # John Smith
        Entity(4, 7, "Org", score=0.8),        # Bank of America
        Entity(6, 7, "Loc", score=0.4),        # America, nested in the Org
        Entity(6, 9, "Misc", score=0.3),       # America in Boston, overlaps the Org and holds Boston
        Entity(8, 9, "Loc", score=0.7),        # Boston
        Entity(1, 3, "Misc", score=0.2),       # Smith works, overlaps John Smith (as long: leftmost wins)
    ]
    document.relations = [Relation(0, 1, "Work_For", score=0.6), Relation(1, 4, "OrgBased_In", score=0.5)]
    return document


def test_every_entity_is_a_span_the_non_overlapping_ones_are_ents_and_relations_hold_spans():
    document = _document()
    doc = to_spacy(document, spacy.blank("en"))

    assert doc.text == document.text
    assert [t.text for t in doc] == document.tokens
    group = doc.spans["entities"]
    assert [(s.start, s.end, s.label_, s.text) for s in group] == [
        (0, 2, "Peop", "John Smith"),
        (4, 7, "Org", "Bank of America"),
        (6, 7, "Loc", "America"),
        (6, 9, "Misc", "America in Boston"),
        (8, 9, "Loc", "Boston"),
        (1, 3, "Misc", "Smith works"),
    ]
    assert group.attrs["scores"] == [0.9, 0.8, 0.4, 0.3, 0.7, 0.2]
    # longest first (Bank of America, America in Boston: 3 tokens, the leftmost wins), then John Smith
    # (ties with Smith works, leftmost), then Boston; the others overlap a chosen one
    assert [(e.start, e.end, e.label_) for e in doc.ents] == [(0, 2, "Peop"), (4, 7, "Org"), (8, 9, "Loc")]
    assert (doc.ents[1].start_char, doc.ents[1].end_char) == document.char_span(document.entities[1]) == (21, 36)
    relations = doc._.relations
    assert all(isinstance(r, SpacyRelation) for r in relations)
    assert [(r.head.text, r.tail.text, r.label, r.score) for r in relations] == [
        ("John Smith", "Bank of America", "Work_For", 0.6),
        ("Bank of America", "Boston", "OrgBased_In", 0.5),
    ]
    assert relations[0].head == group[0] and relations[1].tail == group[4]


def test_displacy_renders_the_ents_and_the_span_group():
    doc = to_spacy(_document(), spacy.blank("en").vocab)
    ents = displacy.render(doc, style="ent", page=False)
    assert "<mark" in ents and "Peop" in ents and "Org" in ents and "Loc" in ents
    assert "Misc" not in ents  # both Misc entities overlap a chosen entity
    spans = displacy.render(doc, style="span", options={"spans_key": "entities"}, page=False)
    for label in ("Peop", "Org", "Loc", "Misc"):
        assert label in spans


@pytest.mark.parametrize(
    "text",
    [
        "John  Smith\tworks\n\nfor   Acme .",
        "  leading and trailing spaces  ",
        "Ünïcödé – naïve café 東京 🙂 emoji",
        "\n Новый   текст , с  пробелами\u00a0и NBSP .",
    ],
)
def test_the_doc_has_exactly_the_documents_text_and_entities_keep_their_characters(text):
    document = document_from_text("d", text, whitespace_segment)
    document.entities = [Entity(i, i + 1, "T") for i in range(len(document.tokens))]
    doc = to_spacy(document, spacy.blank("xx"))
    assert doc.text == text
    for entity, span in zip(document.entities, doc.spans["entities"]):
        start, end = document.char_span(entity)
        assert (span.start_char, span.end_char) == (start, end)
        assert span.text == text[start:end]


def test_sentences_are_the_documents():
    document = Document.from_tokens("d", ["Anna", "left", ".", "Bob", "stayed", "."], sentences=[(0, 3), (3, 6)])
    doc = to_spacy(document, spacy.blank("en"))
    assert [s.text for s in doc.sents] == ["Anna left .", "Bob stayed ."]
    assert doc.ents == () and list(doc.spans["entities"]) == [] and doc._.relations == []


def test_a_doc_made_twice_and_a_registered_extension_are_fine():
    nlp = spacy.blank("en")
    first, second = to_spacy(_document(), nlp), to_spacy(_document(), nlp)
    assert len(first._.relations) == len(second._.relations) == 2


def test_overlapping_token_offsets_are_refused():
    document = Document("d", "ab cd", ["ab", "b"], [(0, 2), (1, 2)])
    with pytest.raises(ValueError, match="token 1"):
        to_spacy(document, spacy.blank("en"))


def test_not_a_vocab_is_refused():
    with pytest.raises(TypeError, match="Language or Vocab"):
        to_spacy(_document(), "en")


def test_without_spacy_the_error_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_spacy(name, *args, **kwargs):
        if name == "spacy" or name.startswith("spacy."):
            raise ImportError("No module named 'spacy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_spacy)
    with pytest.raises(ImportError, match=r"jointie_allennlp\[spacy\]"):
        to_spacy(_document(), None)
