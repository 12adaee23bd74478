"""Span candidates and vectorised negative sampling for span-based joint extraction (SpERT)."""
from typing import Optional, Tuple

import torch


def enumerate_spans(num_words: torch.LongTensor, max_width: int) -> Tuple[torch.LongTensor, torch.BoolTensor]:
    """
    All word spans of 1..`max_width` words of every sentence, ordered by start, then width.

    # Parameters

    num_words : `torch.LongTensor` `(batch,)` words per sentence.
    max_width : `int` longest span, in words.

    # Returns

    spans : `torch.LongTensor` `(batch, max_words * max_width, 2)` `[start, end)` word ranges;
    mask : `torch.BoolTensor` `(batch, max_words * max_width)` the spans inside their sentence.
    """
    batch = num_words.size(0)
    max_words = int(num_words.max()) if batch else 0
    device = num_words.device
    starts = torch.arange(max_words, device=device).unsqueeze(1).expand(max_words, max_width)
    ends = starts + torch.arange(1, max_width + 1, device=device).unsqueeze(0)
    spans = torch.stack([starts, ends], dim=-1).reshape(1, -1, 2).expand(batch, -1, -1)
    mask = spans[..., 1] <= num_words.unsqueeze(1)
    return spans, mask


def sample_from_mask(
    mask: torch.BoolTensor, count: int, generator: Optional[torch.Generator] = None
) -> Tuple[torch.LongTensor, torch.BoolTensor]:
    """
    Per row, up to `count` positions drawn uniformly without replacement among those where
    `mask` is true (random keys + top-k: one call for the whole batch).

    # Parameters

    mask : `torch.BoolTensor` `(batch, n)`.
    count : `int`
    generator : `torch.Generator`, optional

    # Returns

    indices : `torch.LongTensor` `(batch, min(count, n))`;
    valid : `torch.BoolTensor` of the same shape: `False` where a row had fewer than `count` choices.
    """
    k = min(count, mask.size(1))
    keys = torch.rand(mask.shape, device=mask.device, generator=generator)
    keys = keys.masked_fill(~mask, -1.0)
    values, indices = keys.topk(k, dim=1)
    return indices, values >= 0


def span_matches(spans: torch.LongTensor, others: torch.LongTensor, others_mask: torch.BoolTensor) -> torch.BoolTensor:
    """`(batch, n)`: whether each of `spans` `(batch, n, 2)` equals one of `others` `(batch, m, 2)` (masked)."""
    equal = (spans.unsqueeze(2) == others.unsqueeze(1)).all(-1) & others_mask.unsqueeze(1)
    return equal.any(-1)


def span_iou(spans: torch.LongTensor, others: torch.LongTensor, others_mask: torch.BoolTensor) -> torch.Tensor:
    """
    `(batch, n)`: the largest intersection-over-union (in words) of each span with any of
    `others` (0 when there are none), i.e. ENIoU of SpERT.MT against the gold entity spans.
    """
    start = torch.maximum(spans[..., 0].unsqueeze(2), others[..., 0].unsqueeze(1))
    end = torch.minimum(spans[..., 1].unsqueeze(2), others[..., 1].unsqueeze(1))
    intersection = (end - start).clamp(min=0).float()
    lengths = (spans[..., 1] - spans[..., 0]).unsqueeze(2) + (others[..., 1] - others[..., 0]).unsqueeze(1)
    union = lengths.float() - intersection
    iou = intersection / union.clamp(min=1)
    iou = iou.masked_fill(~others_mask.unsqueeze(1), 0.0)
    return iou.max(-1).values if iou.size(-1) else iou.new_zeros(iou.shape[:2])


def negative_pair_mask(
    entity_mask: torch.BoolTensor, related: torch.BoolTensor, symmetric_related: torch.BoolTensor
) -> torch.BoolTensor:
    """
    SpERT's "strong" negative relations: ordered pairs of two different gold entities that no gold
    relation links in that direction, nor by a symmetric relation in the other direction.

    # Parameters

    entity_mask : `torch.BoolTensor` `(batch, e)` real (not padding) gold entities.
    related : `torch.BoolTensor` `(batch, e, e)` `[b, i, j]`: a gold relation has head i, tail j.
    symmetric_related : `torch.BoolTensor` `(batch, e, e)` the same for symmetric relation types.

    # Returns

    `torch.BoolTensor` `(batch, e, e)`.
    """
    e = entity_mask.size(1)
    both = entity_mask.unsqueeze(2) & entity_mask.unsqueeze(1)
    different = ~torch.eye(e, dtype=torch.bool, device=entity_mask.device).unsqueeze(0)
    return both & different & ~related & ~symmetric_related.transpose(1, 2)


def ordered_pairs_of_selected(selected: torch.BoolTensor) -> Tuple[torch.LongTensor, torch.LongTensor]:
    """
    All ordered pairs of different selected items per row (e.g. the spans classified as entities).

    # Parameters

    selected : `torch.BoolTensor` `(batch, n)`.

    # Returns

    positions : `torch.LongTensor` `(batch, n)` per row the selected items' indices first, in order
        (position `p` of a row is its `p`-th selected item);
    pairs : `torch.LongTensor` `(num_pairs, 3)` rows `(batch, head position, tail position)`,
        head-major, positions indexing `positions[batch]`.
    """
    counts = selected.sum(1)
    positions = torch.argsort((~selected).to(torch.int8), dim=1, stable=True)
    largest = int(counts.max()) if counts.numel() else 0
    index = torch.arange(largest, device=selected.device)
    inside = index.unsqueeze(0) < counts.unsqueeze(1)  # (batch, largest)
    grid = inside.unsqueeze(2) & inside.unsqueeze(1)
    grid = grid & ~torch.eye(largest, dtype=torch.bool, device=selected.device).unsqueeze(0)
    return positions, grid.nonzero()
