"""
What `allennlp predict` does for this package's predictors, with the same output file, in a
process that imports only what prediction needs: the archive loader, the model and the
predictor, not allennlp's command line (`allennlp.commands` imports every subcommand and,
through them, the trainer):

    jointie predict model.tar.gz input.jsonl --output-file out.jsonl --batch-size 32

Every physical input line (bytes, compressed or not, `-` for standard input) goes to the
predictor's `load_line`, groups of `--batch-size` lines to `predict_batch_json`, and every record
out through `dump_line`: one output line per input line, in order. Without `--silent` every input
and prediction is also printed to standard output, as `allennlp predict` prints them; `--silent`
(before or after `predict`) turns that and the progress bar off.
"""
import argparse
import json
import sys
from itertools import islice
from typing import Iterator, List

from jointie_allennlp.cli.common import progress

NAME = "predict"
HELP = "allennlp predict's output for this package's predictors, started faster"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `allennlp predict` that apply to JSON-lines input (`--silent` is global)."""
    parser.add_argument("archive_file", help="the model archive (model.tar.gz) or its directory")
    parser.add_argument("input_file", help="JSON lines (may be compressed), or - for standard input")
    parser.add_argument("--output-file", help="where the prediction lines go")
    parser.add_argument("--weights-file", help="weights to use instead of the archive's")
    parser.add_argument("--batch-size", type=int, default=1, help="input lines per predictor call")
    parser.add_argument("--cuda-device", type=int, default=-1, help="GPU id, -1 for the CPU")
    parser.add_argument("-o", "--overrides", default="", help="JSON overrides of the archive's config")
    parser.add_argument("--predictor", help="a registered predictor (default: the model's)")
    parser.add_argument("--predictor-args", default="", help="JSON arguments of the predictor")


def _groups(lines: Iterator[bytes], size: int) -> Iterator[List[bytes]]:
    while True:
        group = list(islice(lines, max(1, size)))
        if not group:
            return
        yield group


def run(args: argparse.Namespace) -> int:
    """Predicts `args.input_file` line by line; 0 on success, 2 when the run cannot start."""
    if args.silent and not args.output_file:
        print("--silent specified without --output-file: no output would be created", file=sys.stderr)
        return 0
    from allennlp.common.checks import ConfigurationError, check_for_gpu
    from allennlp.models.archival import load_archive
    from allennlp.predictors import Predictor

    from jointie_allennlp.predictors.lines import read_input_lines

    try:
        predictor_args = json.loads(args.predictor_args) if args.predictor_args.strip() else {}
        check_for_gpu(args.cuda_device)
        archive = load_archive(args.archive_file, weights_file=args.weights_file, cuda_device=args.cuda_device,
                               overrides=args.overrides)
        predictor = Predictor.from_archive(archive, args.predictor, extra_args=predictor_args)
    except (ConfigurationError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not hasattr(predictor, "parse_line"):
        print(f"error: {type(predictor).__name__} is not a predictor of this package; use allennlp predict",
              file=sys.stderr)
        return 2
    index, output = 0, None
    lines = progress(args, unit="line")(read_input_lines(args.input_file), "lines")
    try:
        output = open(args.output_file, "w", encoding="utf-8") if args.output_file else None
        for group in _groups(iter(lines), args.batch_size):
            records = [predictor.load_line(line) for line in group]
            for record, result in zip(records, predictor.predict_batch_json(records)):
                line = predictor.dump_line(result)
                if not args.silent:
                    print(f"input {index}: ", json.dumps(record))
                    print("prediction: ", line)
                if output is not None:
                    output.write(line)
                index += 1
    except OSError as error:  # an input that cannot be read, an output that cannot be written
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 2
    finally:
        if output is not None:
            output.close()
        if hasattr(lines, "close"):
            lines.close()
    return 0
