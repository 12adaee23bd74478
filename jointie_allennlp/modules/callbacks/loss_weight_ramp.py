"""The `loss_weight_ramp` trainer callback: sets the length of a model's `LossWeightRamp`."""
import logging

from allennlp.common.checks import ConfigurationError
from allennlp.training.callbacks import TrainerCallback

from jointie_allennlp.modules.loss_weight_ramp import LossWeightRamp

logger = logging.getLogger(__name__)


@TrainerCallback.register("loss_weight_ramp")
class LossWeightRampCallback(TrainerCallback):
    """
    Sets the ramp length of the model's `LossWeightRamp` to `epochs` × the number of batches per
    epoch of the training data loader. The model must have a `loss_weight_ramp` attribute.

    # Parameters

    epochs : `float`, optional (default = `1.0`) over how many epochs λ rises from 0 to 1.
    """

    def __init__(self, serialization_dir: str, epochs: float = 1.0) -> None:
        super().__init__(serialization_dir)
        self.epochs = epochs

    def on_start(self, trainer, is_primary: bool = True, **kwargs) -> None:
        super().on_start(trainer, is_primary=is_primary, **kwargs)
        ramp = getattr(trainer.model, "loss_weight_ramp", None)
        if not isinstance(ramp, LossWeightRamp):
            raise ConfigurationError(f"{type(trainer.model).__name__} has no loss_weight_ramp for the callback")
        try:
            batches_per_epoch = len(trainer.data_loader)
        except TypeError as error:
            raise ConfigurationError(
                "loss_weight_ramp needs the number of batches per epoch; the data loader cannot tell it "
                "(lazy loading?): set the data loader's batches_per_epoch or the ramp length in the model"
            ) from error
        ramp.ramp_batches = max(1, round(self.epochs * batches_per_epoch))
        logger.info(
            "loss weight ramp: 0 -> 1 over %d batches (%.2f epochs of %d batches); %d batches seen",
            ramp.ramp_batches, self.epochs, batches_per_epoch, int(ramp.batches_seen),
        )
