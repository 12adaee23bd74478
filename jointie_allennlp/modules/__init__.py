"""
Building blocks shared by the models, the trainer callbacks (`callbacks/`) and the learning-rate
scheduler. The model blocks register when this package is imported; the callbacks and the
scheduler, which need allennlp's trainer, when allennlp's `allennlp.training.trainer` is imported
(see `jointie_allennlp/__init__.py`), so a process that only predicts never loads the trainer.
"""
from jointie_allennlp.modules import one_hot, resbn_transformer  # noqa: F401  (registrations)
