"""
`allennlp jointie ...`: the subcommands of `jointie` (`jointie_allennlp.cli.COMMANDS`) inside
allennlp's command line, registered when `allennlp.commands` is imported.
"""
import argparse
import sys

from allennlp.commands.subcommand import Subcommand

from jointie_allennlp.cli import add_subcommands, run
from jointie_allennlp.cli.common import HelpFormatter


@Subcommand.register("jointie")
class JointIE(Subcommand):
    """`allennlp jointie COMMAND ...`: the same subcommands and options as `jointie COMMAND ...`."""

    requires_plugins = True

    def add_subparser(self, parser: argparse._SubParsersAction) -> argparse.ArgumentParser:
        description = "jointie_allennlp's own command line (the same as `jointie`)"
        subparser = parser.add_parser(self.name, description=description, help=description,
                                      formatter_class=HelpFormatter)
        add_subcommands(subparser, include_package=True)
        subparser.set_defaults(func=_run)
        return subparser


def _run(args: argparse.Namespace) -> None:
    status = run(args)
    if status:
        sys.exit(status)
