"""Max-pooling over many ranges of a sequence, one gather per range (a sparse table)."""
from typing import Optional

import torch


class RangeMaxTable:
    """
    Max-pools a batch of sequences over arbitrary ranges `[start, end)`.

    Level `k` of the table holds, at position `i`, the max over the window `[i, i + 2^k)`; the max
    over any range is then the element-wise max of two (possibly overlapping) windows of the largest
    level that fits. Building costs `O(log L)` element-wise maxima over the sequence; each range is
    then two gathers, independent of its length and of the sequence length (SpERT's reference code
    masks every span against the whole sequence instead: `O(spans × L × dim)`). The result equals
    `sequence[b, start:end].max(0)` exactly, and gradients reach the maximal elements.

    # Parameters

    sequence : `torch.Tensor` `(batch, length, dim)`.
    """

    def __init__(self, sequence: torch.Tensor) -> None:
        if sequence.dim() != 3:
            raise ValueError(f"expected (batch, length, dim), got shape {tuple(sequence.shape)}")
        length = sequence.size(1)
        levels = [sequence]
        width = 1
        while 2 * width <= length:
            previous = levels[-1]
            # windows of 2*width starting at i = max of two windows of width at i and i + width;
            # the last `width` positions (never queried at this level) keep the previous values.
            merged = torch.maximum(previous[:, : length - width], previous[:, width:])
            levels.append(torch.cat([merged, previous[:, length - width :]], dim=1))
            width *= 2
        self.table = torch.stack(levels)  # (levels, batch, length, dim)
        self.length = length

    def query(
        self,
        batch_index: torch.LongTensor,
        start: torch.LongTensor,
        end: torch.LongTensor,
        empty_value: float = 0.0,
        valid: Optional[torch.BoolTensor] = None,
    ) -> torch.Tensor:
        """
        # Parameters

        batch_index, start, end : `torch.LongTensor` of one shape `S`: ranges `[start, end)` of
            sequence `batch_index`.
        empty_value : `float`, optional (default = `0.0`) the result for an empty range
            (`end <= start`), e.g. the context between two adjacent spans.
        valid : `torch.BoolTensor`, optional of shape `S`; ranges marked `False` also give `empty_value`.

        # Returns

        `torch.Tensor` of shape `S + (dim,)`.
        """
        lengths = end - start
        non_empty = lengths > 0
        if valid is not None:
            non_empty = non_empty & valid
        safe_lengths = torch.where(non_empty, lengths, torch.ones_like(lengths))
        level = torch.floor(torch.log2(safe_lengths.to(torch.float64))).long()
        window = torch.pow(2, level)
        first = torch.where(non_empty, start, torch.zeros_like(start)).clamp(0, self.length - 1)
        second = torch.where(non_empty, end - window, torch.zeros_like(end)).clamp(0, self.length - 1)
        # rows of the table flattened to (levels * batch * length, dim): two index_select calls
        # (about twice as fast as indexing the 4-d table with three index tensors)
        rows = self.table.view(-1, self.table.size(-1))
        base = (level * self.table.size(1) + batch_index) * self.length
        pooled = torch.maximum(
            rows.index_select(0, (base + first).flatten()), rows.index_select(0, (base + second).flatten())
        )
        # in place: the maximum's gradient needs its inputs, not its result
        return pooled.view(*start.shape, -1).masked_fill_(~non_empty.unsqueeze(-1), empty_value)


def word_spans_to_pieces(word_spans: torch.LongTensor, spans: torch.LongTensor) -> torch.LongTensor:
    """
    Word-level spans -> word-piece ranges.

    # Parameters

    word_spans : `torch.LongTensor` `(batch, words, 2)` per word its word-piece range `[start, end)`.
    spans : `torch.LongTensor` `(batch, spans, 2)` word ranges `[start, end)` (at least one word;
        padding rows may hold anything, their result is meaningless).

    # Returns

    `torch.LongTensor` `(batch, spans, 2)`: first piece of the first word, end of the last word's pieces.
    """
    words = word_spans.size(1)
    first_word = spans[..., 0].clamp(0, max(words - 1, 0))
    last_word = (spans[..., 1] - 1).clamp(0, max(words - 1, 0))
    piece_start = torch.gather(word_spans[..., 0], 1, first_word)
    piece_end = torch.gather(word_spans[..., 1], 1, last_word)
    return torch.stack([piece_start, piece_end], dim=-1)


def context_between(head: torch.LongTensor, tail: torch.LongTensor) -> torch.LongTensor:
    """
    The range between two spans, whichever comes first (SpERT's relation context); empty
    (`end <= start`) when they are adjacent or overlap.

    # Parameters

    head, tail : `torch.LongTensor` `(..., 2)` ranges `[start, end)`.

    # Returns

    `torch.LongTensor` `(..., 2)`.
    """
    head_first = head[..., 1] <= tail[..., 0]
    start = torch.where(head_first, head[..., 1], tail[..., 1])
    end = torch.where(head_first, tail[..., 0], head[..., 0])
    return torch.stack([start, end], dim=-1)
