"""
Trainer callbacks, one module each. `loss_weight_ramp` and `score_curve` register when this package
is imported (by `jointie_allennlp/__init__.py` once allennlp's trainer is); `model_card` when
allennlp's commands are.
"""
from jointie_allennlp.modules.callbacks import loss_weight_ramp, score_curve  # noqa: F401
