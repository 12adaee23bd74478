"""The one document model every reader, model, metric and predictor shares."""
from dataclasses import dataclass, field, replace
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

Span = Tuple[int, int]


@dataclass(frozen=True)
class Entity:
    """
    A typed token span; nested and overlapping entities are allowed.

    # Parameters

    start : `int` index of the first token.
    end : `int` index one past the last token (exclusive).
    type : `str` the entity type.
    score : `Optional[float]` model confidence, `None` for gold annotations.
    source_id : `Optional[str]` the id the entity had in its source file (brat `T12`).
    char_span : `Optional[Span]` exact character offsets when they differ from the
        offsets covered by the tokens (an annotation that starts or ends on white space).
    """

    start: int
    end: int
    type: str
    score: Optional[float] = None
    source_id: Optional[str] = None
    char_span: Optional[Span] = None

    @property
    def span(self) -> Span:
        return (self.start, self.end)


@dataclass(frozen=True)
class Relation:
    """
    A typed, directed relation between two entities of the same document.

    # Parameters

    head : `int` index of the head entity in `Document.entities`.
    tail : `int` index of the tail entity in `Document.entities`.
    type : `str` the relation type.
    score : `Optional[float]` model confidence, `None` for gold annotations.
    source_id : `Optional[str]` the id the relation had in its source file (brat `R3`).
    """

    head: int
    tail: int
    type: str
    score: Optional[float] = None
    source_id: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        """The relation's record in the prediction schema."""
        return {"head": self.head, "tail": self.tail, "type": self.type, "score": self.score}


@dataclass
class Document:
    """
    A text with its tokens, sentences, entities and relations.

    # Parameters

    id : `str` document id (file stem for brat, `orig_id` or position for SpERT JSON).
    text : `str` the original text; for token-only input it is the tokens joined by spaces.
    tokens : `List[str]` the tokens, each equal to `text[start:end]` of its offsets.
    token_offsets : `List[Span]` character offsets `[start, end)` of each token in `text`.
    sentences : `List[Span]` token ranges `[start, end)` of the sentences, covering all tokens
        in order. An entity or relation never crosses a sentence boundary.
    entities : `List[Entity]`
    relations : `List[Relation]` referring to `entities` by index.
    symmetric_relation_types : `FrozenSet[str]` relation types whose direction carries no
        meaning (SciERC `Compare`, `Conjunction`).
    metadata : `Dict[str, Any]` anything a format must keep to write the document back
        (brat lines the model cannot represent, SpERT `orig_id`).
    """

    id: str
    text: str
    tokens: List[str]
    token_offsets: List[Span]
    sentences: List[Span] = field(default_factory=list)
    entities: List[Entity] = field(default_factory=list)
    relations: List[Relation] = field(default_factory=list)
    symmetric_relation_types: FrozenSet[str] = frozenset()
    metadata: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.token_offsets):
            raise ValueError(
                f"document {self.id!r}: {len(self.tokens)} tokens but "
                f"{len(self.token_offsets)} token offsets"
            )
        if not self.sentences and self.tokens:
            self.sentences = [(0, len(self.tokens))]
        self.symmetric_relation_types = frozenset(self.symmetric_relation_types)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_tokens(cls, id: str, tokens: Sequence[str], **kwargs) -> "Document":
        """Builds a document whose text is the tokens joined by single spaces."""
        offsets: List[Span] = []
        position = 0
        for token in tokens:
            offsets.append((position, position + len(token)))
            position += len(token) + 1
        return cls(id=id, text=" ".join(tokens), tokens=list(tokens), token_offsets=offsets, **kwargs)

    # ------------------------------------------------------------------ character view

    def char_span(self, entity: Entity) -> Span:
        """Character offsets of an entity in `text`."""
        if entity.char_span is not None:
            return entity.char_span
        return (self.token_offsets[entity.start][0], self.token_offsets[entity.end - 1][1])

    def entity_text(self, entity: Entity) -> str:
        start, end = self.char_span(entity)
        return self.text[start:end]

    def token_span_of_chars(self, start: int, end: int) -> Optional[Span]:
        """The smallest token range covering the characters `[start, end)`, if any token overlaps."""
        first = last = None
        for index, (token_start, token_end) in enumerate(self.token_offsets):
            if token_end > start and token_start < end:
                if first is None:
                    first = index
                last = index
            elif token_start >= end:
                break
        if first is None:
            return None
        return (first, last + 1)

    # ------------------------------------------------------------------ sentences

    def sentence_index_of_token(self) -> List[int]:
        index = [0] * len(self.tokens)
        for sentence_number, (start, end) in enumerate(self.sentences):
            for token in range(start, end):
                index[token] = sentence_number
        return index

    def split_sentences(self) -> List["Document"]:
        """
        One document per sentence, with token indices, entities and relations re-based.
        `metadata["sentence_of"]` records `(document id, sentence number, first token)`
        so `jointie_allennlp.data.windows.merge_windows` can put predictions back.
        """
        several = len(self.sentences) > 1
        return [
            self.sub_document(start, end, f"{self.id}#{number}" if several else self.id,
                              {"sentence_of": (self.id, number, start)})
            for number, (start, end) in enumerate(self.sentences)
        ]

    def sub_document(self, start: int, end: int, id: str, metadata: Dict[str, Any]) -> "Document":
        """
        The tokens `[start, end)` as a document of one sentence: the entities lying wholly inside
        the range and the relations between them, token and character offsets re-based.
        """
        char_start = self.token_offsets[start][0] if end > start else 0
        char_end = self.token_offsets[end - 1][1] if end > start else 0
        kept: Dict[int, int] = {}
        entities = []
        for index, entity in enumerate(self.entities):
            if start <= entity.start and entity.end <= end:
                kept[index] = len(entities)
                char_span = entity.char_span
                if char_span is not None:
                    char_span = (char_span[0] - char_start, char_span[1] - char_start)
                entities.append(
                    replace(entity, start=entity.start - start, end=entity.end - start, char_span=char_span)
                )
        relations = [
            replace(relation, head=kept[relation.head], tail=kept[relation.tail])
            for relation in self.relations
            if relation.head in kept and relation.tail in kept
        ]
        return Document(
            id=id,
            text=self.text[char_start:char_end],
            tokens=self.tokens[start:end],
            token_offsets=[(s - char_start, e - char_start) for s, e in self.token_offsets[start:end]],
            sentences=[(0, end - start)],
            entities=entities,
            relations=relations,
            symmetric_relation_types=self.symmetric_relation_types,
            metadata=metadata,
        )

    def with_annotations(
        self, entities: Iterable[Entity], relations: Iterable[Relation]
    ) -> "Document":
        """A copy with the same text and tokens and the given annotations (e.g. predictions)."""
        return replace(
            self, entities=list(entities), relations=list(relations), metadata=dict(self.metadata)
        )

    def to_json(self, source: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """
        The document in the shared prediction schema (what allennlp's `sanitize` calls), the
        input's fields `source` echoed:

            {"id", "text" (when the input had text), "tokens" (as given, or the segmenter's),
             "sentences": [[first token, end token], ...],
             "entities": [{"start", "end", "char_start", "char_end", "text", "type", "score"}],
             "relations": [{"head", "tail", "type", "score"}],
             "warnings": [...] (only when decoding had to leave something out, e.g. the entity cap)}

        Token spans are `[start, end)` over `tokens` flattened; character spans are into `text`
        (for token-only input, into the tokens joined by single spaces). Relation `head`/`tail`
        index `entities`. Other input fields are echoed; gold `entities`/`relations` given in the
        input are echoed as `gold_entities`/`gold_relations`. The `id` of the input is echoed with
        its JSON type; without one the document id (a string) is used.
        """
        source = source or {}
        # an input id keeps its JSON type (a number stays a number); otherwise the document's own id
        result: Dict[str, Any] = {"id": source["id"] if "id" in source else self.id}
        if "text" in source:
            result["text"] = source["text"]
        result["tokens"] = source.get("tokens", self.tokens)
        for key, value in source.items():
            if key in ("entities", "relations"):
                result[f"gold_{key}"] = value
            elif key not in ("id", "text", "tokens"):
                result[key] = value
        result["sentences"] = [list(s) for s in self.sentences]
        result["entities"] = [self.entity_to_json(e) for e in self.entities]
        result["relations"] = [r.to_json() for r in self.relations]
        if self.metadata.get("warnings"):
            result["warnings"] = list(self.metadata["warnings"])
        return result

    def entity_to_json(self, entity: Entity) -> Dict[str, Any]:
        """The record of one of the document's entities: token and character span, text, type, score."""
        char_start, char_end = self.char_span(entity)
        return {
            "start": entity.start,
            "end": entity.end,
            "char_start": char_start,
            "char_end": char_end,
            "text": self.text[char_start:char_end],
            "type": entity.type,
            "score": entity.score,
        }

    def without_annotations(self) -> "Document":
        """A copy with no annotations and no format sidecar (`brat_*` metadata)."""
        document = self.with_annotations([], [])
        document.metadata = {k: v for k, v in self.metadata.items() if not k.startswith("brat_")}
        return document

    # ------------------------------------------------------------------ checks

    def validate(self) -> None:
        """Raises `ValueError` naming the document when an annotation is out of range."""
        for index, entity in enumerate(self.entities):
            if not 0 <= entity.start < entity.end <= len(self.tokens):
                raise ValueError(
                    f"document {self.id!r}: entity {index} has token span "
                    f"[{entity.start}, {entity.end}) outside 0..{len(self.tokens)}"
                )
        for index, relation in enumerate(self.relations):
            for role, argument in (("head", relation.head), ("tail", relation.tail)):
                if not 0 <= argument < len(self.entities):
                    raise ValueError(
                        f"document {self.id!r}: relation {index} {role} refers to entity "
                        f"{argument}, but there are {len(self.entities)} entities"
                    )
