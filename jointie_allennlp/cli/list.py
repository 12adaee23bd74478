"""
The registered names of this package, per AllenNLP base class (readers, models, predictors,
metrics, ...): the names a config or `--predictor` can use.

    jointie list
"""
import argparse
from typing import Dict, List

NAME = "list"
HELP = "the registered readers, models, predictors and metrics"


def registered_names(package: str = "jointie_allennlp") -> Dict[str, List[str]]:
    """Registered names per AllenNLP base class whose implementation lives in `package`."""
    from allennlp.common.registrable import Registrable

    result: Dict[str, List[str]] = {}
    for base, registry in Registrable._registry.items():
        names = sorted(
            name for name, (cls, _) in registry.items() if cls.__module__.split(".")[0] == package
        )
        if names:
            result[base.__name__] = names
    return dict(sorted(result.items()))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    # what this package adds to allennlp's commands and evaluator (a train loop, trainer callbacks,
    # a serializer) is registered when those are imported
    import allennlp.commands  # noqa: F401
    import allennlp.evaluation  # noqa: F401

    for base, names in registered_names().items():
        print(f"{base}: {', '.join(names)}")
    return 0
