"""Losses of SpERT.MT (Lu & Xue 2023): pairwise ranking loss and IoU-scaled binary cross-entropy."""
import torch
from torch.nn import functional


def pairwise_ranking_loss(
    scores: torch.Tensor,
    targets: torch.Tensor,
    gamma: float = 2.0,
    margin_positive: float = 2.5,
    margin_negative: float = 0.5,
) -> torch.Tensor:
    """
    Per sample `L+ + L-` with `L+ = log(1 + exp(γ(m+ − s_y+)))` for each gold class `y+` and
    `L- = log(1 + exp(γ(m- + s_y-)))` for the highest-scoring class that is not gold (dos Santos
    et al. 2015, as in SpERT.MT). A negative sample (no gold class) has only `L-`, with `y-` its
    highest-scoring class.

    # Parameters

    scores : `torch.Tensor` `(n, classes)` class scores (no "none" class).
    targets : `torch.Tensor` `(n, classes)` 0/1 gold classes (one-hot, several, or none).

    # Returns

    `torch.Tensor` `(n,)` the loss of every sample.
    """
    gold = targets > 0
    positive = functional.softplus(gamma * (margin_positive - scores)).masked_fill(~gold, 0.0).sum(-1)
    wrong = scores.masked_fill(gold, float("-inf")).max(-1).values
    negative = functional.softplus(gamma * (margin_negative + wrong))  # softplus(-inf) = 0
    return positive + negative


def iou_scaled_bce(
    logits: torch.Tensor, targets: torch.Tensor, iou: torch.Tensor, delta: float = 0.25
) -> torch.Tensor:
    """
    SpERT.MT's entity identification loss
    `H = −q(1−δ) log p − δ(1−q)(1 + ENIoU(s)) log(1−p)`, `p = sigmoid(logit)`: a non-entity span
    that overlaps a gold entity much is penalised more for looking like one.

    # Parameters

    logits : `torch.Tensor` `(n,)` identification logits.
    targets : `torch.Tensor` `(n,)` `q`: 1 for entity spans, 0 otherwise.
    iou : `torch.Tensor` `(n,)` ENIoU of each span (largest IoU with a gold entity span);
        zeros give a δ-weighted BCE without the IoU term.
    delta : `float`, optional (default = `0.25`)

    # Returns

    `torch.Tensor` `(n,)` the loss of every sample.
    """
    q = targets.float()
    log_p = functional.logsigmoid(logits)
    log_not_p = functional.logsigmoid(-logits)
    return -q * (1 - delta) * log_p - delta * (1 - q) * (1 + iou) * log_not_p
