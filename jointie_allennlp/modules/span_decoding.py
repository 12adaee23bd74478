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
