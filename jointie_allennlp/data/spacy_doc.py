"""
A `Document` as a spaCy `Doc` (the `spacy` extra), for displaCy and spaCy pipelines:

    doc = to_spacy(document, spacy.blank("en"))
    displacy.render(doc, style="ent")                                    # doc.ents
    displacy.render(doc, style="span", options={"spans_key": "entities"})  # every entity

The `Doc` has the document's tokens and exactly its text (`doc.text == document.text`): white
space beyond one space between tokens (or before the first) becomes white-space tokens, as
spaCy's own tokenizer makes them. Its sentences are the document's.

- `doc.spans["entities"]`: every entity, nested and overlapping ones included, in the document's
  order, labelled with its type; `doc.spans["entities"].attrs["scores"]` their scores (`None` for
  gold entities).
- `doc.ents`: the entities that do not overlap, chosen by `spacy.util.filter_spans`: the longest
  entity first, of equally long ones the leftmost, then every entity that overlaps none chosen.
- `doc._.relations`: one `SpacyRelation(head, tail, label, score)` per relation, head and tail
  being `Span`s of `doc.spans["entities"]`.

An entity whose exact characters start or end on white space (`Entity.char_span`) is given by its
tokens: spaCy spans are whole tokens.
"""
from typing import TYPE_CHECKING, Any, List, NamedTuple, Optional

from jointie_allennlp.data.document import Document

if TYPE_CHECKING:  # spaCy is optional
    from spacy.tokens import Doc, Span

#: the key of `Doc.spans` that holds every entity
SPANS_KEY = "entities"
#: the `Doc` extension (`doc._.relations`) that holds the relations
RELATIONS_EXTENSION = "relations"


class SpacyRelation(NamedTuple):
    """A relation of a spaCy `Doc` (`doc._.relations`): head and tail entity `Span`s, its type, its score."""

    head: "Span"
    tail: "Span"
    label: str
    score: Optional[float] = None


def _spacy():
    try:
        import spacy
    except ImportError as error:
        raise ImportError(
            "to_spacy needs spaCy, which is not installed: pip install 'jointie_allennlp[spacy]'"
        ) from error
    return spacy


def _relations_extension(doc_class) -> None:
    """Registers `Doc._.relations` (default `None`), or checks that the registered one can be set."""
    if not doc_class.has_extension(RELATIONS_EXTENSION):
        doc_class.set_extension(RELATIONS_EXTENSION, default=None)
        return
    _, method, getter, setter = doc_class.get_extension(RELATIONS_EXTENSION)
    if method is not None or (getter is not None and setter is None):
        raise ValueError(
            f"Doc._.{RELATIONS_EXTENSION} is already registered as a method or read-only property; "
            f"to_spacy sets it to the relations"
        )


def to_spacy(document: Document, nlp_or_vocab: Any) -> "Doc":
    """
    The document as a spaCy `Doc` (see the module docstring). Raises `ImportError` naming the
    `spacy` extra when spaCy is not installed.

    # Parameters

    document : `Document` e.g. a prediction of `jointie_allennlp.load(...)`.
    nlp_or_vocab : a spaCy `Language` (e.g. `spacy.blank("en")`) or `Vocab`.
    """
    _spacy()
    from spacy.tokens import Doc, Span, SpanGroup
    from spacy.util import filter_spans
    from spacy.vocab import Vocab

    vocab = getattr(nlp_or_vocab, "vocab", nlp_or_vocab)
    if not isinstance(vocab, Vocab):
        raise TypeError(f"to_spacy needs a spaCy Language or Vocab, got {type(nlp_or_vocab).__name__}")
    _relations_extension(Doc)

    text = document.text
    words: List[str] = []
    spaces: List[bool] = []
    position_of: List[int] = []  # spaCy token index of each document token

    def gap(piece: str) -> None:
        """Text between tokens: one space is the previous word's trailing space, the rest tokens."""
        if not piece:
            return
        if piece.startswith(" ") and words and not spaces[-1]:
            spaces[-1] = True
            piece = piece[1:]
        if piece:
            words.append(piece)
            spaces.append(False)

    position = 0
    for index, (start, end) in enumerate(document.token_offsets):
        if not position <= start < end <= len(text):
            raise ValueError(
                f"document {document.id!r}: token {index} at characters [{start}, {end}) is empty, outside the "
                f"text or not after the previous token"
            )
        gap(text[position:start])
        position_of.append(len(words))
        words.append(text[start:end])
        spaces.append(False)
        position = end
    gap(text[position:])

    sent_starts: Optional[List[bool]] = None
    if document.sentences and document.tokens:
        sent_starts = [False] * len(words)
        sent_starts[0] = True
        for first, _ in document.sentences[1:]:
            sent_starts[position_of[first]] = True
    doc = Doc(vocab, words=words, spaces=spaces, sent_starts=sent_starts)

    spans = [
        Span(doc, position_of[entity.start], position_of[entity.end - 1] + 1, label=entity.type)
        for entity in document.entities
    ]
    doc.spans[SPANS_KEY] = SpanGroup(
        doc, name=SPANS_KEY, spans=spans, attrs={"scores": [entity.score for entity in document.entities]}
    )
    doc.ents = filter_spans(spans)
    doc._.set(
        RELATIONS_EXTENSION,
        [
            SpacyRelation(spans[relation.head], spans[relation.tail], relation.type, relation.score)
            for relation in document.relations
        ],
    )
    return doc
