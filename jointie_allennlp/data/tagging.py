"""Entities <-> per-token tags (BIO or BIOES/BIOUL), shared by every tagging approach."""
from dataclasses import dataclass
from typing import List, Sequence, Tuple

from allennlp.data.dataset_readers.dataset_utils.span_utils import (
    bio_tags_to_spans,
    bioul_tags_to_spans,
    InvalidTagSequence,
)

from jointie_allennlp.data.document import Entity

SCHEMES = ("BIO", "BIOUL")


@dataclass
class TaggingLoss:
    """Entities a tag sequence could not express (counted, never silent)."""

    nested_dropped: int = 0
    overlapping_dropped: int = 0

    @property
    def total(self) -> int:
        return self.nested_dropped + self.overlapping_dropped


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
