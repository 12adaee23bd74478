"""Deep biaffine scoring of (head, tail) vector pairs (Dozat & Manning 2017)."""
from typing import Optional

import torch
from torch import nn


class BiaffineScorer(nn.Module):
    """
    Scores a head vector `h` and a tail vector `t` for each of `num_labels` classes:

        score_k(h, t) = h^T U_k t + W_k [h; t] + b_k

    The bilinear term `h^T U t` can be switched off (`use_bilinear=False`), leaving the affine
    part `W [h; t] + b` (an ablation of Giorgi et al. 2019).

    # Parameters

    head_dim : `int` size of the head vectors.
    num_labels : `int` number of classes scored (including any "no relation" class).
    tail_dim : `int`, optional (default = `head_dim`) size of the tail vectors.
    use_bilinear : `bool`, optional (default = `True`) include the `h^T U t` term.

    Input `head` `(..., head_dim)` and `tail` `(..., tail_dim)` with the same leading shape;
    output `(..., num_labels)`.
    """

    def __init__(
        self, head_dim: int, num_labels: int, tail_dim: Optional[int] = None, use_bilinear: bool = True
    ) -> None:
        super().__init__()
        tail_dim = head_dim if tail_dim is None else tail_dim
        self.head_dim, self.tail_dim, self.num_labels = head_dim, tail_dim, num_labels
        self.use_bilinear = use_bilinear
        self.bilinear = nn.Parameter(torch.empty(num_labels, head_dim, tail_dim)) if use_bilinear else None
        self.linear = nn.Linear(head_dim + tail_dim, num_labels, bias=True)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.bilinear is not None:
            bound = 1.0 / (self.head_dim ** 0.5)
            nn.init.uniform_(self.bilinear, -bound, bound)
        self.linear.reset_parameters()

    def forward(self, head: torch.Tensor, tail: torch.Tensor) -> torch.Tensor:
        scores = self.linear(torch.cat([head, tail], dim=-1))
        if self.bilinear is not None:
            scores = scores + torch.einsum("...i,kij,...j->...k", head, self.bilinear, tail)
        return scores
