"""
Trainer callbacks, one module each. `loss_weight_ramp` and `score_curve` register when this package
is imported; `model_card` when allennlp's commands are (see `jointie_allennlp/__init__.py`).
"""
from jointie_allennlp.modules.callbacks import loss_weight_ramp, score_curve  # noqa: F401
