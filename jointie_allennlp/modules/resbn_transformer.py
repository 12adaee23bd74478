"""The ResBN-Transformer block (an extension in the reimplementation report of Crone, 2020) as a `Seq2SeqEncoder`."""
from typing import Optional

import torch
from allennlp.modules.seq2seq_encoders import Seq2SeqEncoder
from allennlp.nn import util
from torch import nn


class ResBNBlock(nn.Module):
    """
    One block: sinusoidal positional encoding added to the input -> transformer encoder layer
    (self-attention + feed-forward, each with a residual and layer norm) -> batch norm over the
    features of the unpadded positions -> plus the block's input (residual connection).

    # Parameters

    dim : `int` input and output size.
    num_attention_heads : `int` must divide `dim`.
    feedforward_hidden_dim : `int` size of the transformer layer's feed-forward.
    dropout : `float` dropout inside the transformer layer.
    """

    def __init__(self, dim: int, num_attention_heads: int, feedforward_hidden_dim: int, dropout: float) -> None:
        super().__init__()
        self.transformer = nn.TransformerEncoderLayer(
            dim, num_attention_heads, feedforward_hidden_dim, dropout, batch_first=True
        )
        self.batch_norm = nn.BatchNorm1d(dim)

    def forward(self, inputs: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
        hidden = self.transformer(util.add_positional_features(inputs), src_key_padding_mask=~mask)
        normalized = torch.zeros_like(hidden)
        valid = hidden[mask]
        if self.training and valid.size(0) < 2:
            # batch statistics need two positions: use the running ones for a one-word batch
            valid = nn.functional.batch_norm(
                valid, self.batch_norm.running_mean, self.batch_norm.running_var,
                self.batch_norm.weight, self.batch_norm.bias, training=False, eps=self.batch_norm.eps,
            )
        else:
            valid = self.batch_norm(valid)
        normalized[mask] = valid
        return inputs + normalized


@Seq2SeqEncoder.register("resbn_transformer")
class ResBNTransformerEncoder(Seq2SeqEncoder):
    """
    A stack of `ResBNBlock`s, a drop-in replacement for a BiRNN stack. When `hidden_dim` differs
    from `input_dim`, a linear projection maps the input to `hidden_dim` first (the first block's
    residual then starts from the projected input).

    # Parameters

    input_dim : `int`
    hidden_dim : `int`, optional (default = `input_dim`) output size; divisible by the heads.
    num_layers : `int`, optional (default = `1`) number of blocks.
    num_attention_heads : `int`, optional (default = `4`)
    feedforward_hidden_dim : `int`, optional (default = `2 * hidden_dim`)
    dropout : `float`, optional (default = `0.1`)
    """

    def __init__(
        self,
        input_dim: int,
        hidden_dim: Optional[int] = None,
        num_layers: int = 1,
        num_attention_heads: int = 4,
        feedforward_hidden_dim: Optional[int] = None,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        hidden_dim = hidden_dim or input_dim
        self._input_dim, self._output_dim = input_dim, hidden_dim
        self.projection = nn.Linear(input_dim, hidden_dim) if hidden_dim != input_dim else None
        self.blocks = nn.ModuleList(
            ResBNBlock(hidden_dim, num_attention_heads, feedforward_hidden_dim or 2 * hidden_dim, dropout)
            for _ in range(num_layers)
        )

    def get_input_dim(self) -> int:
        return self._input_dim

    def get_output_dim(self) -> int:
        return self._output_dim

    def is_bidirectional(self) -> bool:
        return False

    def forward(self, inputs: torch.Tensor, mask: torch.BoolTensor) -> torch.Tensor:
        hidden = self.projection(inputs) if self.projection is not None else inputs
        for block in self.blocks:
            hidden = block(hidden, mask)
        return hidden * mask.unsqueeze(-1).to(hidden.dtype)
