"""
Entities <-> per-token tags (BIO or BIOES/BIOUL), shared by every tagging approach: the tag
sequences, the BIO fields of the taggers' instances, and the counts of what tags cannot express.
"""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from allennlp.data.dataset_readers.dataset_utils.span_utils import (
    bio_tags_to_spans,
    bioul_tags_to_spans,
    InvalidTagSequence,
)
from allennlp.data.fields import ListField, MultiLabelField, SequenceLabelField

from jointie_allennlp.data.document import Document, Entity
from jointie_allennlp.data.reports import ReadReport
from jointie_allennlp.data.wordpieces import WordpieceReport

SCHEMES = ("BIO", "BIOUL")
NER_TAG_NAMESPACE = "ner_tags"


@dataclass
class TaggingLoss(ReadReport):
    """Entities a tag sequence could not express (counted, never silent)."""

    nested_dropped: int = 0
    overlapping_dropped: int = 0

    @property
    def total(self) -> int:
        return self.nested_dropped + self.overlapping_dropped


@dataclass
class TaggingReport(WordpieceReport):
    """
    What a read of tagged sentences lost to the tag scheme (entities it cannot express, relations
    that lost an argument with them) and to the word-piece limit (logged after each read).
    """

    sentences: int = 0
    entities: int = 0
    nested_dropped: int = 0
    overlapping_dropped: int = 0
    relations: int = 0
    relations_dropped: int = 0

    def count_tags(self, sentence: Document, loss: TaggingLoss) -> None:
        """Counts a sentence, its entities and those its tags could not express (`loss`)."""
        self.sentences += 1
        self.entities += len(sentence.entities)
        self.nested_dropped += loss.nested_dropped
        self.overlapping_dropped += loss.overlapping_dropped

    def losses(self) -> List[str]:
        losses = []
        if self.nested_dropped or self.overlapping_dropped or self.relations_dropped:
            losses.append(
                f"tags cannot express {self.nested_dropped} nested and {self.overlapping_dropped} overlapping gold "
                f"entities (dropped from the training labels, {self.relations_dropped} relations with them)"
            )
        return losses + super().losses()


def bio_fields(
    sentence: Document, word_offsets: ListField, report: Optional[TaggingReport] = None
) -> Dict[str, Any]:
    """
    `tags` (BIO over the words of `word_offsets`, namespace `ner_tags`) and `tag_inventory` (every
    BIO tag of the sentence's types, so the vocabulary knows them); counted in `report` when given.
    """
    tags, _, loss = entities_to_tags(sentence.entities, len(sentence.tokens), scheme="BIO")
    if report is not None:
        report.count_tags(sentence, loss)
    types = sorted({e.type for e in sentence.entities})
    return {
        "tags": SequenceLabelField(tags, word_offsets, label_namespace=NER_TAG_NAMESPACE),
        "tag_inventory": MultiLabelField(
            ["O"] + [f"{p}-{t}" for t in types for p in "BI"], label_namespace=NER_TAG_NAMESPACE
        ),
    }


def entities_to_tags(
    entities: Sequence[Entity], length: int, scheme: str = "BIOUL"
) -> Tuple[List[str], List[int], TaggingLoss]:
    """
    Tags for `length` tokens. Tags cannot express nesting or overlap: longer entities win,
    then earlier ones; an entity inside a kept one counts as `nested_dropped`, one that
    partly overlaps a kept one as `overlapping_dropped`. Returns the tags, the indices of the
    kept entities, and the counts. BIOUL is BIOES (U = single, L = last).
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown tagging scheme {scheme!r}; use one of {SCHEMES}")
    order = sorted(range(len(entities)), key=lambda i: (-(entities[i].end - entities[i].start), entities[i].start, i))
    owner = [-1] * length
    kept: List[int] = []
    loss = TaggingLoss()
    for index in order:
        entity = entities[index]
        covered = [owner[t] for t in range(entity.start, entity.end) if owner[t] >= 0]
        if covered:
            outer = entities[covered[0]]
            if len(covered) == entity.end - entity.start and all(c == covered[0] for c in covered) and (
                outer.start <= entity.start and entity.end <= outer.end
            ):
                loss.nested_dropped += 1
            else:
                loss.overlapping_dropped += 1
            continue
        for t in range(entity.start, entity.end):
            owner[t] = index
        kept.append(index)
    tags = ["O"] * length
    for index in kept:
        entity = entities[index]
        if scheme == "BIO":
            tags[entity.start] = f"B-{entity.type}"
            for t in range(entity.start + 1, entity.end):
                tags[t] = f"I-{entity.type}"
        elif entity.end - entity.start == 1:
            tags[entity.start] = f"U-{entity.type}"
        else:
            tags[entity.start] = f"B-{entity.type}"
            for t in range(entity.start + 1, entity.end - 1):
                tags[t] = f"I-{entity.type}"
            tags[entity.end - 1] = f"L-{entity.type}"
    return tags, sorted(kept), loss


def tags_to_entities(tags: Sequence[str], scheme: str = "BIOUL") -> List[Entity]:
    """
    Entities from (possibly ill-formed, predicted) tags, sorted by position. Ill-formed BIOUL
    sequences are read leniently as BIO (a span starts at B/U or a type change and continues over
    I/L of the same type), as allennlp's `bio_tags_to_spans` does.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown tagging scheme {scheme!r}; use one of {SCHEMES}")
    spans = None
    if scheme == "BIOUL":
        try:
            spans = bioul_tags_to_spans(list(tags))
        except InvalidTagSequence:
            spans = None
        if spans is None:
            as_bio = [("B" if t[0] == "U" else "I" if t[0] == "L" else t[0]) + t[1:] for t in tags]
            spans = bio_tags_to_spans(as_bio)
    else:
        spans = bio_tags_to_spans(list(tags))
    return sorted((Entity(start, end + 1, label) for label, (start, end) in spans), key=lambda e: (e.start, e.end))


def is_well_formed(tags: Sequence[str], entity: Entity) -> bool:
    """
    Whether BIOUL `tags` spell `entity` exactly: `U-X` for one word, else `B-X (I-X)* L-X`. An
    entity read leniently from an ill-formed sequence (e.g. `B-X I-X` with no `L-X`) is not.
    """
    kind = entity.type
    if entity.end - entity.start == 1:
        return tags[entity.start] == f"U-{kind}"
    inside = tags[entity.start + 1 : entity.end - 1]
    return (
        tags[entity.start] == f"B-{kind}"
        and tags[entity.end - 1] == f"L-{kind}"
        and all(tag == f"I-{kind}" for tag in inside)
    )
