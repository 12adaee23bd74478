"""One vector per word from a word-piece encoder: the vector of the word's first word piece."""
from typing import Tuple

import torch
from allennlp.data import TextFieldTensors
from allennlp.modules import TextFieldEmbedder
from allennlp.nn import util


def word_vectors(
    text_field_embedder: TextFieldEmbedder, tokens: TextFieldTensors, word_offsets: torch.LongTensor
) -> Tuple[torch.Tensor, torch.BoolTensor]:
    """
    The encoder's vector of every word's first word piece `(batch, words, dim)` and the word mask
    `(batch, words)`; `word_offsets` `(batch, words, 1)` holds the first piece of every word, -1 for
    a word cut off or padding (masked out).
    """
    pieces = text_field_embedder(tokens)
    offsets = word_offsets.squeeze(-1)
    mask = offsets >= 0
    return util.batched_index_select(pieces, offsets.clamp(min=0)), mask
