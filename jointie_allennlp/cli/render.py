"""
An HTML view of documents or predictions, errors marked against gold:

    jointie render PREDICTIONS.jsonl view.html [--gold GOLD] [--errors-only] [--overwrite]

A line of the input (or of `--gold`) that is not a readable record is left out of the page and
reported (`skipped`, with the first `skipped_lines`); failed inputs of a prediction file are shown
with their error. An existing page is replaced only with `--overwrite`, never by an input.
"""
import argparse
from pathlib import Path

from jointie_allennlp.cli.common import OVERWRITE_HELP, add_tokenizer_argument, print_json, print_skipped, progress

NAME = "render"
HELP = "an HTML view of documents or predictions"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="prediction JSON lines, brat directory, or SpERT JSON")
    parser.add_argument("destination", help="the .html file to write")
    add_tokenizer_argument(parser)
    parser.add_argument("--gold", help="gold documents (brat, SpERT JSON, JSON lines) to mark errors against; "
                        "default: the predictions' gold_entities / gold_relations, when present")
    parser.add_argument("--min-score", type=float, help="leave out predictions scored below this")
    parser.add_argument("--errors-only", action="store_true", help="only documents with a spurious or missed item")
    parser.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)


def run(args: argparse.Namespace) -> int:
    from jointie_allennlp.data.errors import FormatError
    from jointie_allennlp.data.html import render_file

    destination = Path(args.destination)
    if not destination.parent.is_dir():
        raise FormatError("the folder to write into does not exist", path=str(destination.parent))
    result = render_file(args.source, args.destination, args.gold, args.tokenizer, args.min_score, args.errors_only,
                         overwrite=args.overwrite, progress=progress(args, unit="doc"))
    print_skipped(result, args.source, args.gold)
    print_json(result)
    return 0
