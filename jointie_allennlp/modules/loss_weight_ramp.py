"""
A loss weight that rises linearly from 0 to 1 over the first training batches (Giorgi et al.
2019 "entity pre-training": `L = L_NER + λ L_RE`, λ from 0 to 1 over the first epoch).

The model counts its own training batches (`LossWeightRamp`, state kept in the model's
`state_dict`, so `--recover` continues the ramp); the `loss_weight_ramp` trainer callback tells
it how many batches the ramp lasts (`epochs` × batches per epoch of the training data loader;
`jointie_allennlp.modules.callbacks.loss_weight_ramp`).
"""
import logging
from typing import Optional

import torch
from torch import nn

logger = logging.getLogger(__name__)


class LossWeightRamp(nn.Module):
    """
    λ for training batch `k` (0-based) is `min(1, k / ramp_batches)`: 0 for the first batch,
    `1/2` halfway, 1 from batch `ramp_batches` on. Disabled, λ is always 1. Without a length
    (no callback, e.g. a forward pass outside a trainer) λ is 1 and a warning is logged once.

    # Parameters

    enabled : `bool`, optional (default = `True`)
    ramp_batches : `int`, optional the ramp length; usually set by the `loss_weight_ramp` callback.
    """

    def __init__(self, enabled: bool = True, ramp_batches: Optional[int] = None) -> None:
        super().__init__()
        self.enabled = enabled
        self._warned = False
        # Both counts are buffers, so a saved or archived model keeps its place on the ramp.
        self.register_buffer("batches_seen", torch.zeros((), dtype=torch.long))
        self.register_buffer("ramp_length", torch.tensor(-1 if ramp_batches is None else ramp_batches))

    @property
    def ramp_batches(self) -> Optional[int]:
        length = int(self.ramp_length)
        return None if length < 0 else length

    @ramp_batches.setter
    def ramp_batches(self, value: Optional[int]) -> None:
        self.ramp_length.fill_(-1 if value is None else int(value))

    def value(self, batches_seen: Optional[int] = None) -> float:
        """λ after `batches_seen` training batches (default: the batches counted so far)."""
        if not self.enabled:
            return 1.0
        if self.ramp_batches is None:
            if not self._warned:
                logger.warning(
                    "the loss-weight ramp has no length (add the 'loss_weight_ramp' trainer callback or "
                    "set the model's entity_pretraining_batches): using weight 1, no ramp"
                )
                self._warned = True
            return 1.0
        seen = int(self.batches_seen) if batches_seen is None else batches_seen
        return min(1.0, seen / max(1, self.ramp_batches))

    def step(self) -> float:
        """λ for the current training batch; then counts it."""
        weight = self.value()
        self.batches_seen += 1
        return weight
