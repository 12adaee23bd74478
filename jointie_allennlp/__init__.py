"""
jointie_allennlp: joint named-entity recognition and relation extraction for AllenNLP.

Importing the package (as `--include-package jointie_allennlp` does) defers the imports prediction
never uses (`jointie_allennlp.startup`), applies the compatibility fixes for today's
torch/transformers, keys allennlp's encoder cache by all its settings, loads an encoder importing
only its own model code (`encoders.auto_model`), writes model archives at gzip level 1, hands
`allennlp predict` input to the predictors line by line as bytes, provides defaults for the
configs' external variables (while allennlp evaluates a config; the process environment is not
changed), resolves portable encoder names such as `offline:all-MiniLM-L6-v2`, and registers every
reader, model, metric and predictor. The Python front door is here (`jointie_allennlp.api`): `load(archive)` gives a
`JointModel` that predicts texts (`model(text)`, `model.pipe(texts)`), bad input raises
`InputError`, and `to_spacy(document, nlp)` gives a spaCy `Doc`. The `jointie` subcommand, the
`whole_test_set` train loop and the prediction serializer of `allennlp evaluate` are registered
when `allennlp.commands` / `allennlp.evaluation` are imported.
"""
from jointie_allennlp import startup

with startup.collector_paused():  # the imports below make objects that live as long as the process
    startup.install()  # before allennlp is imported: defers what prediction never uses

    from jointie_allennlp import compat, environment  # noqa: E402
    from jointie_allennlp.encoders import auto_model, model_cache, offline as offline_encoders  # noqa: E402

    compat.apply()
    environment.install()
    offline_encoders.install()
    model_cache.install()
    auto_model.install()

    from jointie_allennlp import dataset_readers, metrics, models, modules, predictors  # noqa: E402,F401
    from jointie_allennlp.api import InputError, JointModel, load, to_spacy  # noqa: E402,F401
    from jointie_allennlp.models import archival  # noqa: E402
    from jointie_allennlp.predictors import allennlp_predict  # noqa: E402

    archival.install()
    allennlp_predict.install()


def _register_commands(_) -> None:
    from jointie_allennlp.training import whole_test_set  # noqa: F401
    from jointie_allennlp.cli import allennlp_command  # noqa: F401  (the entry point of `allennlp jointie`)
    from jointie_allennlp.modules.callbacks import model_card  # noqa: F401  (the `model_card` trainer callback)


def _register_training(_) -> None:
    startup.run_deferred("allennlp.training")  # allennlp's own trainers, callbacks and schedulers
    from jointie_allennlp.modules import callbacks, linear_with_warmup_fraction  # noqa: F401


def _register_serializer(_) -> None:
    from jointie_allennlp.evaluation import joint_extraction  # noqa: F401


# What extends allennlp's commands (the `jointie` subcommand, the `whole_test_set` train loop, the
# `model_card` trainer callback), its trainer (the other callbacks, the learning-rate scheduler) and
# its evaluator (the prediction serializer) is registered when those are imported: at once inside
# the `allennlp` command line or a training, never in a process that only predicts.
compat.when_imported("allennlp.commands", _register_commands)
compat.when_imported("allennlp.training.trainer", _register_training)
compat.when_imported("allennlp.evaluation", _register_serializer)
