"""Trainer callbacks; each module registers its callback when imported."""
from jointie_allennlp.modules.callbacks import loss_weight_ramp, score_curve  # noqa: F401
