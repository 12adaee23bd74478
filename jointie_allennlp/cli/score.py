"""
Score predicted against gold documents with the shared metric:

    jointie score GOLD PREDICTED [--rurebus] [--rurebus-set]

Both sides may be brat directories, SpERT JSON or JSON lines (prediction files included). The
report table goes to standard error, the scores as one JSON object to standard output. A line of
PREDICTED that is not a readable record is left out (its gold document counts as predicted
empty) and reported (`skipped`, `skipped_lines`); GOLD must be read whole.
"""
import argparse
import sys

from jointie_allennlp.cli.common import add_tokenizer_argument, print_json, print_skipped, progress

NAME = "score"
HELP = "score predicted against gold documents (the shared metric)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("gold", help="brat directory, SpERT JSON, or JSON lines")
    parser.add_argument("predicted", help="brat directory, SpERT JSON, or prediction JSON lines")
    add_tokenizer_argument(parser)
    parser.add_argument("--rurebus", action="store_true",
                        help="also the RuREBus subtask summary, as the shared task's script scores")
    parser.add_argument("--rurebus-set", action="store_true",
                        help="also the set-based RuREBus summary (each distinct item once, relations undirected)")


def run(args: argparse.Namespace) -> int:
    from jointie_allennlp.metrics.joint_extraction import format_report
    from jointie_allennlp.metrics.scoring import score_files

    result = score_files(args.gold, args.predicted, args.tokenizer, args.rurebus, progress=progress(args, unit="doc"),
                         rurebus_set=args.rurebus_set)
    print_skipped(result, args.predicted)
    if result["prediction_errors_skipped"]:
        print(f"skipped {result['prediction_errors_skipped']} error records of {args.predicted} (inputs that "
              "failed); their gold documents count as predicted empty", file=sys.stderr)
    if result["matched_by"] == "position":
        print("documents matched by position: neither side names them, and both list the same tokens",
              file=sys.stderr)
    for line in format_report(result):
        print(line, file=sys.stderr)
    print_json(result)
    return 0
