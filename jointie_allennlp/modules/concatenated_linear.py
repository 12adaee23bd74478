"""A linear layer applied to a concatenation without building it."""
from typing import Sequence

import torch
from torch import nn
from torch.nn import functional


def linear_over_parts(layer: nn.Module, parts: Sequence[torch.Tensor]) -> torch.Tensor:
    """
    `layer(torch.cat(parts, -1))` for parts that broadcast against each other, computed as one
    product per part with the matching columns of the weight, so the concatenation (one row per
    broadcast position) is never materialised: a part of shape `(batch, 1, d)` costs one product
    per batch row, not one per position. A layer that is not a plain `nn.Linear` (e.g. an int8
    dynamically quantized one) gets the concatenation.

    # Parameters

    layer : `nn.Module` `nn.Linear` whose `in_features` is the parts' total width.
    parts : `Sequence[torch.Tensor]` tensors whose shapes agree (or broadcast) except for the last dim.
    """
    widths = [part.size(-1) for part in parts]
    if type(layer) is not nn.Linear:
        shape = torch.broadcast_shapes(*(part.shape[:-1] for part in parts))
        return layer(torch.cat([part.expand(*shape, part.size(-1)) for part in parts], dim=-1))
    if sum(widths) != layer.in_features:
        raise ValueError(f"parts of widths {widths} do not add up to the layer's {layer.in_features} inputs")
    total = None
    offset = 0
    for part, width in zip(parts, widths):
        product = functional.linear(part, layer.weight[:, offset : offset + width])
        total = product if total is None else total + product
        offset += width
    return total if layer.bias is None else total + layer.bias
