"""
`allennlp evaluate` in the precision of `--precision`:

    jointie evaluate out/model.tar.gz my_data/test --output-file metrics.json

The archive's model is loaded (`jointie_allennlp.predictors.loading.load_checked_archive`), set to
the precision chosen (`--precision`, default `auto`: bf16 where the CPU has native bf16
instructions, else fp32; `jointie_allennlp.precision`), and scored on DATA (any format the
archive's validation reader reads: a brat folder, SpERT JSON, JSON lines) with AllenNLP's own
`Evaluator` and data loader, as `allennlp evaluate` does; with `--precision fp32` the metrics are
those of `allennlp evaluate`. The choice is printed as one line on standard error.

The metrics are printed as one JSON object, the last line of standard output, with the precision
under `"precision"` (precision, requested, reason, CPU flags), and written so to `--output-file`.
`--predictions-output-file` writes one line per evaluated instance in the prediction schema with
its gold annotations (the archive's `evaluation.batch_serializer`). Both outputs are never an
input, replace an existing file only with `--overwrite`, and appear only when the evaluation
succeeded.
"""
import argparse
import json
import shutil
import tempfile
from pathlib import Path

from jointie_allennlp.cli.common import (
    OVERWRITE_HELP,
    add_precision_arguments,
    allennlp_progress,
    check_batch_size,
    precision_options,
    print_json,
    report_precision,
)

NAME = "evaluate"
HELP = "allennlp evaluate in the precision this CPU runs fastest (or the one asked for)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("archive_file", metavar="ARCHIVE", help="the model archive (model.tar.gz) or its directory")
    parser.add_argument("input_file", metavar="DATA",
                        help="the evaluation data (what the archive's validation reader reads)")
    parser.add_argument("--output-file", help="where the metrics go (JSON)")
    parser.add_argument("--predictions-output-file", help="where the predictions go (JSON lines, with the gold)")
    parser.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    parser.add_argument("--batch-size", type=int, help="instances per batch (default: the archive's data loader's)")
    parser.add_argument("--weights-file", help="weights to use instead of the archive's")
    parser.add_argument("--cuda-device", type=int, default=-1, help="GPU id, -1 for the CPU")
    parser.add_argument("-o", "--overrides", default="", help="JSON overrides of the archive's config")
    add_precision_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Scores `args.input_file`; 0 on success, 2 (by `cli.run`) for a user mistake."""
    from jointie_allennlp.data.errors import FormatError
    from jointie_allennlp.data.output import check_output, open_output
    from jointie_allennlp.precision import apply_precision
    from jointie_allennlp.predictors.loading import choose_precision, load_checked_archive

    precision = precision_options(args)
    if "://" not in args.input_file and not Path(args.input_file).exists():
        raise FormatError("no such evaluation data", path=args.input_file)
    check_batch_size(args.batch_size)
    outputs = [path for path in (args.output_file, args.predictions_output_file) if path]
    if len(set(outputs)) < len(outputs):
        raise FormatError("--output-file and --predictions-output-file name the same file", path=outputs[0])
    for path in outputs:  # before the (long) loading
        check_output(path, (args.input_file, args.archive_file), args.overwrite)

    archive = load_checked_archive(args.archive_file, args.weights_file, args.cuda_device, args.overrides)
    choice = choose_precision(archive, **precision)
    apply_precision(archive.model, choice.precision)
    report_precision(choice)

    with tempfile.TemporaryDirectory(prefix="jointie-evaluate-") as scratch:
        predictions = Path(scratch) / "predictions.jsonl" if args.predictions_output_file else None
        with allennlp_progress(args):
            metrics = evaluate_archive(archive, args.input_file, args.batch_size, args.cuda_device, predictions)
        metrics["precision"] = choice.as_dict()
        if predictions is not None:
            with open_output(args.predictions_output_file, (args.input_file, args.archive_file), args.overwrite,
                             binary=True) as handle, predictions.open("rb") as written:
                shutil.copyfileobj(written, handle)
    if args.output_file:
        with open_output(args.output_file, (args.input_file, args.archive_file), args.overwrite) as handle:
            json.dump(metrics, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
    print_json(metrics)
    return 0


def evaluate_archive(archive, input_file: str, batch_size=None, cuda_device: int = -1, predictions_file=None) -> dict:
    """
    What `allennlp.commands.evaluate.evaluate_from_archive` does for one data path with the loaded
    `archive` (its model as it is set): the archive's `evaluation` config builds the `Evaluator`,
    its validation data loader (with `batch_size`) reads `input_file` with the validation reader.
    """
    import copy

    from allennlp.common.util import prepare_environment
    from allennlp.data import DataLoader
    from allennlp.evaluation import Evaluator

    config = copy.deepcopy(archive.config)
    prepare_environment(config)
    model = archive.model
    model.eval()
    evaluator_params = config.pop("evaluation", {})
    evaluator_params["cuda_device"] = cuda_device
    evaluator = Evaluator.from_params(evaluator_params)
    loader_params = config.get("validation_data_loader", None)
    if loader_params is None:
        loader_params = config.get("data_loader")
    if batch_size:
        loader_params["batch_size"] = batch_size
    loader = DataLoader.from_params(params=loader_params, reader=archive.validation_dataset_reader,
                                    data_path=input_file)
    loader.index_with(model.vocab)
    return evaluator(model, loader, predictions_output_file=predictions_file)
