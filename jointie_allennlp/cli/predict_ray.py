"""
Predict a large JSON-lines corpus with Ray Data actors (the `ray` extra):

    jointie predict-ray model.tar.gz corpus.jsonl predictions.jsonl --num-workers 8

The output is what `allennlp predict` writes for the same file: one line per input line, in
input order (see `jointie_allennlp.ray_prediction`). On a Ray cluster pass its address
(`--ray-address auto`); without one a local Ray runtime is started.

The precision (`--precision`, default `auto`) is chosen once, on this machine, before Ray starts,
and every worker loads its model in that precision; the choice is printed as one line on standard
error and recorded in `<output>.meta.json` (replaced only with `--overwrite`, as the output).
The last line of standard output is a JSON object: `records`, `failed`, `workers`, `precision`
and `output`.
"""
import argparse

from jointie_allennlp.cli.common import (
    OVERWRITE_HELP,
    add_precision_arguments,
    precision_options,
    print_json,
    report_precision,
)

NAME = "predict-ray"
HELP = "predict a JSONL corpus with Ray workers"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("archive", help="a model.tar.gz from `allennlp train`")
    parser.add_argument("input", help="JSON lines, one document per line (the `allennlp predict` input)")
    parser.add_argument("output", help="the prediction JSON lines to write (one per input line)")
    parser.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    parser.add_argument("--num-workers", type=int, default=2, help="Ray actors, each with its own predictor")
    parser.add_argument("--batch-size", type=int, default=32, help="input lines per predictor call")
    parser.add_argument("--predictor", help="a registered predictor (default: the model's)")
    parser.add_argument("--predictor-args", default="", help="JSON object of predictor arguments")
    parser.add_argument("-o", "--overrides", default="", help="JSON overrides of the archived config")
    parser.add_argument("--cuda-device", type=int, default=-1, help="0 with --gpus-per-worker 1 on GPU workers")
    parser.add_argument("--gpus-per-worker", type=float, default=0, help="GPUs Ray gives each actor")
    parser.add_argument("--threads-per-worker", type=int, default=1, help="torch threads (and Ray CPUs) per actor")
    parser.add_argument("--ray-address", help="a running Ray cluster (e.g. auto); default: a local runtime")
    parser.add_argument("--actor-start-timeout", type=int, default=600,
                        help="seconds to wait for all actors to load their predictor")
    add_precision_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from jointie_allennlp.predictors.loading import parse_predictor_args
    from jointie_allennlp.predictors.prediction_file import check_run_metadata, run_metadata, write_run_metadata
    from jointie_allennlp.ray_prediction import predict_corpus

    predictor_args = parse_predictor_args(args.predictor_args)
    precision = precision_options(args)
    check_run_metadata(args.output, (args.input,), args.overwrite)
    counts = predict_corpus(
        args.archive,
        args.input,
        args.output,
        num_workers=args.num_workers,
        batch_size=args.batch_size,
        predictor_name=args.predictor,
        predictor_args=predictor_args,
        overrides=args.overrides,
        cuda_device=args.cuda_device,
        gpus_per_worker=args.gpus_per_worker,
        threads_per_worker=args.threads_per_worker,
        ray_address=args.ray_address,
        actor_start_timeout=args.actor_start_timeout,
        overwrite=args.overwrite,
        on_precision=report_precision,
        **precision,
    )
    choice = counts.pop("precision")
    metadata = run_metadata(None, args.archive, precision=choice)  # the CPU model of this machine
    metadata.update(threads=args.threads_per_worker, workers=counts["workers"])  # torch threads per worker
    write_run_metadata(args.output, metadata, args.overwrite)
    print_json({**counts, "precision": choice.precision, "output": args.output})
    return 0
