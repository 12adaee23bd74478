"""
Choose decision thresholds on dev without retraining:

    jointie tune-threshold ARCHIVE DEV [--entity-grid ...] [--relation-grid ...]

The archived model encodes every dev batch once; its span and pair scores are then decoded at
every grid point and scored with the shared metric (`jointie_allennlp.threshold_tuning`). The
grid goes to standard error as a table, the choice (with the `--overrides` that apply it) as one
JSON object to standard output.
"""
import argparse
import sys

from jointie_allennlp.cli.common import print_json, progress

NAME = "tune-threshold"
HELP = ("choose decision thresholds (spert, spert_mt, marked_entity, deeper_task_specificity) on dev "
        "from one scoring pass")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("archive", help="model.tar.gz")
    parser.add_argument("dev", help="dev data, read with the archive's validation reader")
    parser.add_argument("--entity-grid", type=float, nargs="+",
                        help="entity θ values, spert_mt only (default: -0.5 .. 3.0 in steps of 0.25)")
    parser.add_argument("--relation-grid", type=float, nargs="+",
                        help="relation θ values (default: the entity grid for spert_mt, else 0.1 .. 0.9)")
    parser.add_argument("--metric", default="rel_strict_f1", choices=["rel_strict_f1", "rel_boundaries_f1"],
                        help="relation score that chooses the relation threshold")
    parser.add_argument("--batch-size", type=int, default=8, help="dev instances per model call")
    parser.add_argument("--overrides", default="", help="JSON overrides for the archive's config")


def run(args: argparse.Namespace) -> int:
    from jointie_allennlp.threshold_tuning import tune_thresholds

    try:
        result = tune_thresholds(
            args.archive, args.dev, args.entity_grid, args.relation_grid, args.batch_size, args.metric,
            args.overrides, progress=progress(args, unit="batch"),
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("entity θ  relation θ  NER F1  RE strict F1  RE boundaries F1", file=sys.stderr)
    for row in result["grid"]:
        entity = "-" if row["entity_threshold"] is None else f"{row['entity_threshold']:.2f}"
        print(
            f"{entity:>8}  {row['relation_threshold']:>10.2f}  {100 * row['ner_f1']:6.2f}"
            f"  {100 * row['rel_strict_f1']:12.2f}  {100 * row['rel_boundaries_f1']:16.2f}",
            file=sys.stderr,
        )
    print_json(result)
    return 0
