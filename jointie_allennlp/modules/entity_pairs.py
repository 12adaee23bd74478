"""Relation candidates: ordered pairs of entities, each represented by one token (e.g. its last)."""
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar

import torch

from jointie_allennlp.data.document import Entity

TokenPosition = str  # "last" | "first"
Scores = TypeVar("Scores", torch.Tensor, Dict[str, torch.Tensor])


def entity_token(entity: Entity, position: TokenPosition = "last") -> int:
    """The word index that represents an entity: its last word (as an E-/S- tag) or its first."""
    if position == "last":
        return entity.end - 1
    if position == "first":
        return entity.start
    raise ValueError(f"unknown entity token position {position!r}; use 'last' or 'first'")


def ordered_pairs(count: int) -> List[Tuple[int, int]]:
    """All ordered pairs `(i, j)` with `i != j` of `count` items, head-major: (0,1), (0,2), (1,0), ..."""
    return [(head, tail) for head in range(count) for tail in range(count) if head != tail]


def entity_key(entity: Entity) -> Tuple[int, int, str]:
    """What makes two entities the same for relation labels: span and type (not score or ids)."""
    return (entity.start, entity.end, entity.type)


def pair_labels(
    entities: Sequence[Entity],
    pairs: Iterable[Tuple[int, int]],
    gold_relations: Dict[Tuple[Tuple[int, int, str], Tuple[int, int, str]], str],
    negative_label: str,
) -> List[str]:
    """
    The gold label of each candidate pair: the relation type when both entities match gold
    entities exactly (span and type) and a gold relation links them in that direction, otherwise
    `negative_label` (a wrong entity makes the pair negative, as in Giorgi et al. 2019).

    # Parameters

    entities : `Sequence[Entity]` the candidate entities (e.g. predicted ones).
    pairs : `Iterable[Tuple[int, int]]` `(head, tail)` indices into `entities`.
    gold_relations : `Dict` `(entity_key(head), entity_key(tail))` -> relation type.
    negative_label : `str` the "no relation" label.
    """
    keys = [entity_key(e) for e in entities]
    return [gold_relations.get((keys[head], keys[tail]), negative_label) for head, tail in pairs]


def batch_pair_token_indices(
    entities_per_instance: Sequence[Sequence[Entity]], position: TokenPosition = "last"
) -> Tuple[torch.LongTensor, List[List[Tuple[int, int]]]]:
    """
    Enumerates the candidate pairs of a batch and the word indices representing them.

    # Returns

    indices : `torch.LongTensor` `(num_pairs, 3)`: instance, head word, tail word, for all
        instances' pairs in order (empty `(0, 3)` when there are none).
    pairs : `List[List[Tuple[int, int]]]` per instance its `(head, tail)` entity index pairs, in
        the same order as the rows of `indices`.
    """
    rows: List[Tuple[int, int, int]] = []
    pairs_per_instance: List[List[Tuple[int, int]]] = []
    for instance, entities in enumerate(entities_per_instance):
        pairs = ordered_pairs(len(entities))
        tokens = [entity_token(e, position) for e in entities]
        rows.extend((instance, tokens[head], tokens[tail]) for head, tail in pairs)
        pairs_per_instance.append(pairs)
    indices = torch.tensor(rows, dtype=torch.long) if rows else torch.zeros((0, 3), dtype=torch.long)
    return indices, pairs_per_instance


def score_in_chunks(
    score: Callable[[torch.Tensor], Scores], pairs: torch.Tensor, chunk_size: Optional[int]
) -> Scores:
    """`score(pairs)` computed on at most `chunk_size` rows of `pairs` at a time (all at once when
    `None`) and concatenated, so that outside training memory is bounded by the chunk, not by the
    number of candidate pairs (which grows with the square of the entities a weak model finds).
    `score` returns a tensor or a dict of tensors, one row per pair; an empty `pairs` is scored as
    it is."""
    if chunk_size is None or pairs.size(0) <= chunk_size:
        return score(pairs)
    chunks = [score(chunk) for chunk in pairs.split(chunk_size)]
    if isinstance(chunks[0], dict):
        return {key: torch.cat([chunk[key] for chunk in chunks]) for key in chunks[0]}
    return torch.cat(chunks)
