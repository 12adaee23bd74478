"""
jointie_allennlp: joint named-entity recognition and relation extraction for AllenNLP.

Importing the package (as `--include-package jointie_allennlp` does) applies the compatibility
fixes for today's torch/transformers, provides defaults for the configs' external variables
(while allennlp evaluates a config; the process environment is not changed), resolves portable
encoder names such as `offline:all-MiniLM-L6-v2`, and registers every reader, model, metric and
predictor.
"""
from jointie_allennlp import compat, environment
from jointie_allennlp.encoders import offline as offline_encoders

compat.apply()
environment.install()
offline_encoders.install()

from jointie_allennlp import commands, dataset_readers, metrics, models, modules, predictors, training  # noqa: E402,F401
from jointie_allennlp import evaluation  # noqa: E402,F401
