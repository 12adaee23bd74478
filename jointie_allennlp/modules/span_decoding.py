"""Thresholded decoding of span and pair scores (SpERT, SpERT.MT)."""
from typing import Tuple

import torch


def multilabel_above(
    probabilities: torch.Tensor, threshold: float
) -> Tuple[torch.LongTensor, torch.LongTensor, torch.Tensor]:
    """
    Every (row, class) whose probability reaches `threshold` (SpERT's relation filter: a pair may
    hold several relation types).

    # Returns

    rows, classes : `torch.LongTensor` `(k,)`; scores : `torch.Tensor` `(k,)`, row-major order.
    """
    rows, classes = (probabilities >= threshold).nonzero(as_tuple=True)
    return rows, classes, probabilities[rows, classes]


def argmax_above(scores: torch.Tensor, threshold: float) -> Tuple[torch.LongTensor, torch.Tensor, torch.BoolTensor]:
    """
    SpERT.MT's decision: the best class if its score reaches `threshold`, else none.

    # Parameters

    scores : `torch.Tensor` `(..., classes)`.

    # Returns

    classes : `torch.LongTensor` `(...)` argmax class; best : `torch.Tensor` its score;
    accepted : `torch.BoolTensor` `best >= threshold`.
    """
    best, classes = scores.max(-1)
    return classes, best, best >= threshold


def top_per_group(groups: torch.LongTensor, scores: torch.Tensor, limit: int) -> torch.BoolTensor:
    """
    `(k,)`: whether each item is among the `limit` highest-`scores` items of its group (ties: the
    earlier item). Bounds the entities and relations decoded per sentence, so that a model that
    calls nearly every span an entity and every pair related cannot make decoding quadratic.

    # Parameters

    groups : `torch.LongTensor` `(k,)` non-negative group (sentence) of each item;
    scores : `torch.Tensor` `(k,)`; limit : `int` >= 1.
    """
    if not groups.numel():
        return torch.ones_like(groups, dtype=torch.bool)
    by_score = torch.sort(scores, descending=True, stable=True).indices
    order = by_score[torch.sort(groups[by_score], stable=True).indices]  # by group, then score
    counts = torch.bincount(groups)
    group_start = counts.cumsum(0) - counts
    rank = torch.arange(groups.numel(), device=groups.device) - group_start[groups[order]]
    keep = torch.zeros_like(groups, dtype=torch.bool)
    keep[order] = rank < limit
    return keep


def first_occurrences(keys: torch.LongTensor) -> torch.LongTensor:
    """Indices of the first occurrence of each distinct value of `keys` `(n,)`, in increasing order."""
    if not keys.numel():
        return keys.new_zeros((0,))
    _, inverse = torch.unique(keys, return_inverse=True)
    positions = torch.arange(keys.numel(), device=keys.device)
    first = torch.full((int(inverse.max()) + 1,), keys.numel(), dtype=torch.long, device=keys.device)
    first = first.scatter_reduce(0, inverse, positions, reduce="amin")
    return first.sort().values


def canonical_relations(
    pairs: torch.LongTensor,
    types: torch.LongTensor,
    head_starts: torch.LongTensor,
    tail_starts: torch.LongTensor,
    symmetric: torch.BoolTensor,
) -> Tuple[torch.LongTensor, torch.LongTensor]:
    """
    Accepted relations `(batch, head, tail)` rows of `pairs` `(k, 3)` with their `types` `(k,)`,
    made canonical: a relation of a symmetric type whose tail starts before its head is turned
    around, and a (batch, head, tail, type) seen before is dropped (the first occurrence and so its
    score is kept).

    # Parameters

    head_starts, tail_starts : `torch.LongTensor` `(k,)` first word of each row's head / tail;
    symmetric : `torch.BoolTensor` `(batch, relation types)` whether a type is symmetric in that
        row's document.

    # Returns

    pairs : `torch.LongTensor` `(k', 3)` canonical rows; index : `torch.LongTensor` `(k',)` the
    rows of the input they come from (to pick their types and scores), in input order.
    """
    if not pairs.numel():
        return pairs, types.new_zeros((0,))
    batch, head, tail = pairs.unbind(-1)
    swap = symmetric[batch, types] & (tail_starts < head_starts)
    head, tail = torch.where(swap, tail, head), torch.where(swap, head, tail)
    size = int(max(head.max(), tail.max())) + 1
    keys = ((batch * size + head) * size + tail) * symmetric.size(1) + types
    index = first_occurrences(keys)
    return torch.stack([batch, head, tail], dim=-1)[index], index
