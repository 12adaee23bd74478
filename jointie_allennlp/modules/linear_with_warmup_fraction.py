"""
Linear warm-up over a fraction of all training steps, then linear decay to 0 (SpERT's schedule),
with the step count taken from the data actually read rather than written into the config.
"""
import math

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.training.learning_rate_schedulers import PolynomialDecay
from allennlp.training.learning_rate_schedulers.learning_rate_scheduler import LearningRateScheduler


@LearningRateScheduler.register("linear_with_warmup_fraction")
class LinearWithWarmupFraction(PolynomialDecay):
    """
    allennlp's `linear_with_warmup`, but the warm-up is `warmup_fraction` of
    `num_epochs × num_steps_per_epoch` — both passed in by the trainer from its data loader — so
    the schedule stays right on any training data:

        "learning_rate_scheduler": {"type": "linear_with_warmup_fraction", "warmup_fraction": 0.1}

    # Parameters

    optimizer, num_epochs, num_steps_per_epoch : given by the trainer (no config entry).
    warmup_fraction : `float`, optional (default = `0.1`) share of all steps spent warming up, in [0, 1).
        A positive fraction warms up for at least one step.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        num_epochs: int,
        num_steps_per_epoch: int,
        warmup_fraction: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        if not 0 <= warmup_fraction < 1:
            raise ConfigurationError(f"warmup_fraction must be in [0, 1), not {warmup_fraction}")
        if num_steps_per_epoch is None:
            raise ConfigurationError(
                "linear_with_warmup_fraction needs the number of batches per epoch; use a data loader "
                "that knows its length (no 'max_instances_in_memory')"
            )
        total_steps = num_epochs * num_steps_per_epoch
        warmup_steps = max(1, math.floor(warmup_fraction * total_steps)) if warmup_fraction > 0 else 0
        self.warmup_fraction = warmup_fraction
        super().__init__(
            optimizer,
            num_epochs,
            num_steps_per_epoch,
            power=1.0,
            warmup_steps=warmup_steps,
            end_learning_rate=0.0,
            last_epoch=last_epoch,
        )
