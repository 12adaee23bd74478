"""
jointie_allennlp: joint named-entity recognition and relation extraction for AllenNLP.

Importing the package (as `--include-package jointie_allennlp` does) applies the compatibility
fixes for today's torch/transformers, provides defaults for the configs' external variables,
and registers every reader, model, metric and predictor.
"""
from jointie_allennlp import compat, environment

compat.apply()
environment.set_config_defaults()

from jointie_allennlp import commands, dataset_readers, metrics, models, modules, predictors  # noqa: E402,F401
