"""Building blocks shared by the models, the trainer callbacks (`callbacks/`) and the learning-rate scheduler."""
from jointie_allennlp.modules import callbacks, linear_with_warmup_fraction, one_hot, resbn_transformer  # noqa: F401  (registrations)
