"""Learned embeddings of (predicted) per-token labels, e.g. the argmax BIOES tag of each word."""
from typing import Optional

import torch
from torch import nn


class TagEmbedding(nn.Module):
    """
    Embeds a label id per position; padded positions (`mask` False) get a zero vector. Give it
    the argmax of a tagger's logits to make token vectors "entity aware" (Giorgi et al. 2019,
    Crone 2020), or gold tags to condition on gold entities.

    # Parameters

    num_labels : `int` size of the label vocabulary.
    embedding_dim : `int` size of each label vector.
    """

    def __init__(self, num_labels: int, embedding_dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(num_labels, embedding_dim)
        self.embedding_dim = embedding_dim

    def forward(self, labels: torch.LongTensor, mask: Optional[torch.BoolTensor] = None) -> torch.Tensor:
        embedded = self.embedding(labels.clamp(min=0))
        if mask is not None:
            embedded = embedded * mask.unsqueeze(-1).to(embedded.dtype)
        return embedded

    def from_logits(self, logits: torch.Tensor, mask: Optional[torch.BoolTensor] = None) -> torch.Tensor:
        """Embeds the argmax label of `logits` `(..., num_labels)` (no gradient through the argmax)."""
        return self(logits.argmax(dim=-1), mask)
