"""
What `allennlp predict` does for this package's predictors, with the same output file, in a
process that imports only what prediction needs: the archive loader, the model and the
predictor, not allennlp's command line (`allennlp.commands` imports every subcommand and,
through them, the trainer):

    jointie predict model.tar.gz input.jsonl --output-file out.jsonl

Every physical input line (bytes, compressed or not, `-` for standard input) goes to the
predictor's `load_line`, groups of `--batch-size` lines (256) to `predict_batch_json`, which runs
the sentences of the whole group shortest first in forward passes of its own `batch_size` (32;
`--predictor-args '{"batch_size": 64}'`), and every record
out through `dump_line`: one output line per input line, in order
(`jointie_allennlp.predictors.prediction_file.predict_file`). The output file is never the input,
replaces an existing file only with `--overwrite`, and appears only when the whole run succeeded.
Without `--silent` every input and prediction is also printed to standard output, as `allennlp
predict` prints them; `--silent` (before or after `predict`) turns that and the progress bar off.

The model predicts in the precision of `--precision` (default `auto`; see
`jointie_allennlp.precision`); the choice and its reason are printed as one line on standard error
and recorded, with the archive, the CPU model and the torch threads, in `<output-file>.meta.json`
(replaced, as the output, only with `--overwrite`; none beside a device such as `/dev/null`).
"""
import argparse
import json
import sys

from jointie_allennlp.cli.common import (
    OVERWRITE_HELP,
    add_precision_arguments,
    check_batch_size,
    precision_options,
    progress,
    report_precision,
)

#: input lines given to the predictor at a time: enough for its forward passes to group sentences of
#: similar length (it sorts the sentences of all the lines), few enough to hold in memory
LINES_PER_CALL = 256

NAME = "predict"
HELP = "allennlp predict's output for this package's predictors, started faster"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `allennlp predict` that apply to JSON-lines input (`--silent` is global)."""
    parser.add_argument("archive_file", help="the model archive (model.tar.gz) or its directory")
    parser.add_argument("input_file", help="JSON lines (may be compressed), or - for standard input")
    parser.add_argument("--output-file", help="where the prediction lines go")
    parser.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    parser.add_argument("--weights-file", help="weights to use instead of the archive's")
    parser.add_argument(
        "--batch-size", type=int, default=LINES_PER_CALL,
        help="input lines per predictor call: their sentences run shortest first in forward passes of the "
             "predictor's batch_size (32); 1 answers each line as soon as it is read",
    )
    parser.add_argument("--cuda-device", type=int, default=-1, help="GPU id, -1 for the CPU")
    parser.add_argument("-o", "--overrides", default="", help="JSON overrides of the archive's config")
    parser.add_argument("--predictor", help="a registered predictor (default: the model's)")
    parser.add_argument("--predictor-args", default="", help="JSON arguments of the predictor")
    add_precision_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Predicts `args.input_file` line by line; 0 on success, 2 (by `cli.run`) for a user mistake."""
    check_batch_size(args.batch_size)
    if args.silent and not args.output_file:
        print("--silent specified without --output-file: no output would be created", file=sys.stderr)
        return 0
    from jointie_allennlp.data.output import check_output
    from jointie_allennlp.predictors.loading import load_predictor, parse_predictor_args
    from jointie_allennlp.predictors.prediction_file import (
        check_input,
        check_run_metadata,
        predict_file,
        run_metadata,
        write_run_metadata,
    )

    predictor_args = parse_predictor_args(args.predictor_args)
    precision = precision_options(args)
    check_input(args.input_file)  # before the (long) loading, and before the output is touched
    if args.output_file:
        check_output(args.output_file, (args.input_file,), args.overwrite)
        check_run_metadata(args.output_file, (args.input_file,), args.overwrite)
    predictor = load_predictor(args.archive_file, args.predictor, predictor_args, weights_file=args.weights_file,
                               cuda_device=args.cuda_device, overrides=args.overrides, **precision)
    report_precision(predictor.precision)

    def show(index: int, record: dict, line: str) -> None:
        print(f"input {index}: ", json.dumps(record))
        print("prediction: ", line)

    predict_file(predictor, args.input_file, args.output_file, args.batch_size, overwrite=args.overwrite,
                 on_record=None if args.silent else show, progress=progress(args, unit="line"))
    if args.output_file:
        write_run_metadata(args.output_file, run_metadata(predictor, args.archive_file), args.overwrite)
    return 0
