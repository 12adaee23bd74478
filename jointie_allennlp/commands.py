"""`allennlp jointie ...`: the package's small commands inside the allennlp CLI."""
import argparse
import sys
from typing import Dict, List

from allennlp.commands.subcommand import Subcommand
from allennlp.common.registrable import Registrable


def registered_names(package: str = "jointie_allennlp") -> Dict[str, List[str]]:
    """Registered names per AllenNLP base class whose implementation lives in `package`."""
    result: Dict[str, List[str]] = {}
    for base, registry in Registrable._registry.items():
        names = sorted(
            name for name, (cls, _) in registry.items() if cls.__module__.split(".")[0] == package
        )
        if names:
            result[base.__name__] = names
    return dict(sorted(result.items()))


@Subcommand.register("jointie")
class JointIE(Subcommand):
    """`allennlp jointie ACTION ...`: the package's own tools under AllenNLP's command line. `list`
    prints the registered readers, models, predictors and metrics; every other action is handed on
    to `python -m jointie_allennlp ACTION ...` with the rest of the arguments."""

    requires_plugins = True

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = (
            "jointie_allennlp tools: `list` (registered readers, models, predictors, metrics), "
            "`convert`, `score`, `render`, `split-brat`, `tune-threshold`, `encoder`, `serve` and `predict-ray` "
            "(see `python -m jointie_allennlp --help`)."
        )
        subparser = parser.add_parser(self.name, description=description, help=description)
        subparser.add_argument(
            "action",
            choices=["list", "convert", "score", "render", "split-brat", "tune-threshold", "encoder", "serve",
                     "predict-ray"],
        )
        subparser.add_argument("rest", nargs=argparse.REMAINDER)
        subparser.set_defaults(func=_run)
        return subparser


def _run(args: argparse.Namespace) -> None:
    if args.action == "list":
        for base, names in registered_names().items():
            print(f"{base}: {', '.join(names)}")
        return
    from jointie_allennlp.__main__ import main

    status = main([args.action, *args.rest])
    if status:
        sys.exit(status)
