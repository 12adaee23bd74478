"""DistMult scoring of entity pairs (Yang et al. 2015), as used by Crone (2020)."""
import torch
from torch import nn


class DistMultScorer(nn.Module):
    """
    One score per relation type for each (head, tail) pair: `s_r = g_head^T diag(M_r) g_tail`,
    i.e. `sum_k g_head[k] * M_r[k] * g_tail[k]`.

    # Parameters

    input_dim : `int` size of the entity vectors `g`.
    num_relations : `int` number of relation types.
    """

    def __init__(self, input_dim: int, num_relations: int) -> None:
        super().__init__()
        self.relation_diagonals = nn.Parameter(torch.empty(num_relations, input_dim))
        nn.init.xavier_uniform_(self.relation_diagonals)

    def forward(self, heads: torch.Tensor, tails: torch.Tensor) -> torch.Tensor:
        """`heads`, `tails`: `(..., input_dim)`; returns `(..., num_relations)`."""
        return torch.einsum("...k,rk->...r", heads * tails, self.relation_diagonals)
