"""Building blocks shared by the models."""
from jointie_allennlp.modules import casing, resbn_transformer, warmup_schedule  # noqa: F401  (register casing / one_hot / resbn_transformer / linear_with_warmup_fraction)
