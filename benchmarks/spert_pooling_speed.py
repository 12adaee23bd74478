"""
Times SpERT's span and relation-context max-pooling two ways on random tensors shaped like a
CoNLL04 evaluation batch (not a test; prints numbers only):

* masked: one boolean mask over the whole sentence per span / pair, added as -1e30 and max-reduced
  (how the reference implementation pools: `O(candidates × pieces × hidden)` memory and time);
* table: this package's `RangeMaxTable` (sparse table; two gathers per candidate).

    .venv/bin/python benchmarks/spert_pooling_speed.py [--batch 8] [--pieces 60] [--words 40]
"""
import argparse
import time

import torch

from jointie_allennlp.modules.span_pooling import RangeMaxTable, context_between
from jointie_allennlp.modules.span_sampling import enumerate_spans


def masked_pool(hidden: torch.Tensor, ranges: torch.LongTensor) -> torch.Tensor:
    """`hidden` (batch, pieces, dim), `ranges` (batch, n, 2) -> (batch, n, dim) via full-length masks."""
    positions = torch.arange(hidden.size(1))
    mask = (positions >= ranges[..., :1]) & (positions < ranges[..., 1:])  # (batch, n, pieces)
    filled = (~mask).unsqueeze(-1).float() * -1e30 + hidden.unsqueeze(1)
    pooled = filled.max(dim=2).values
    return pooled.masked_fill(~mask.any(-1, keepdim=True), 0.0)


def table_pool(hidden: torch.Tensor, ranges: torch.LongTensor) -> torch.Tensor:
    batch, n = ranges.shape[:2]
    index = torch.arange(batch).unsqueeze(1).expand(batch, n)
    return RangeMaxTable(hidden).query(index, ranges[..., 0], ranges[..., 1])


def timed(function, *args, repeats: int = 5) -> float:
    function(*args)
    start = time.perf_counter()
    for _ in range(repeats):
        function(*args)
    return (time.perf_counter() - start) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--pieces", type=int, default=60)
    parser.add_argument("--words", type=int, default=40)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--pairs", type=int, default=1000)
    args = parser.parse_args()
    torch.manual_seed(0)
    hidden = torch.randn(args.batch, args.pieces, args.dim)
    # words of 1-2 pieces; all spans of up to 10 words
    spans, mask = enumerate_spans(torch.full((args.batch,), args.words), 10)
    scale = (args.pieces - 2) / args.words
    ranges = torch.stack([1 + (spans[..., 0] * scale).long(), 1 + (spans[..., 1] * scale).long()], -1)
    ranges = ranges.masked_fill(~mask.unsqueeze(-1), 0)
    assert torch.allclose(masked_pool(hidden, ranges), table_pool(hidden, ranges))
    pairs = torch.randint(0, ranges.size(1), (args.batch, args.pairs, 2))
    heads = torch.gather(ranges, 1, pairs[..., :1].expand(-1, -1, 2))
    tails = torch.gather(ranges, 1, pairs[..., 1:].expand(-1, -1, 2))
    contexts = context_between(heads, tails)
    assert torch.allclose(masked_pool(hidden, contexts), table_pool(hidden, contexts))
    with torch.no_grad():
        for name, data in (("entity spans", ranges), ("relation contexts", contexts)):
            masked, table = timed(masked_pool, hidden, data), timed(table_pool, hidden, data)
            print(
                f"{name}: {data.size(1)} per sentence × {args.batch} sentences: masked {1000 * masked:.1f} ms, "
                f"table {1000 * table:.1f} ms ({masked / table:.1f}×)"
            )


if __name__ == "__main__":
    main()
