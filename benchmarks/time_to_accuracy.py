"""
Time to accuracy: trains a config as a final run (FINAL_RUN=1: train+dev, last epoch), scores the
test file after every epoch (the `score_curve` trainer callback; its scoring time is not counted
as training time), appends one `kind: "time_to_accuracy"` row with the whole curve to
benchmarks/results.jsonl and redraws benchmarks/f1_vs_time.png from every such row.

    .venv/bin/python benchmarks/time_to_accuracy.py training_configs/spert/conll04_fast.jsonnet \
        --label "spert fast" --approach spert --test ../shared/data/conll04/conll04_test.json --threads 2

    .venv/bin/python benchmarks/time_to_accuracy.py --plot-only

`--target-ner` / `--target-rel` (percent) record when the curve first reaches those figures (the
plot draws them too). `--recover` continues a stopped run from its last finished epoch (the
curve's time continues as well). Environment variables reach the config as usual.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

from results_tables import DEFAULT_SEED, RESULTS, load_rows
from run_benchmark import _batch_size, config_encoder_label, config_settings, peak_rss_mb, record_row, run_facts

BENCHMARKS = Path(__file__).resolve().parent
PLOT = BENCHMARKS / "f1_vs_time.png"
CURVE_FILE = "score_curve.jsonl"
KIND = "time_to_accuracy"


def read_curve(serialization_dir: Path) -> List[dict]:
    """The curve's points, one per epoch (the last one of an epoch scored twice across a restart)."""
    points = {}
    path = serialization_dir / CURVE_FILE
    for line in path.read_text(encoding="utf-8").splitlines() if path.is_file() else []:
        point = json.loads(line)
        points[point["epoch"]] = point
    return [points[epoch] for epoch in sorted(points)]


def first_reaching(curve: Sequence[dict], target_ner: Optional[float], target_rel: Optional[float]) -> Optional[dict]:
    """The first point whose NER and strict relation F1 (percent) reach both targets."""
    if target_ner is None and target_rel is None:
        return None
    for point in curve:
        if 100 * point["ner_f1"] >= (target_ner or 0) and 100 * point["rel_strict_f1"] >= (target_rel or 0):
            return {"epoch": point["epoch"], "train_seconds": point["train_seconds"]}
    return None


def plot(rows: Sequence[dict], output: Path = PLOT) -> Optional[Path]:
    """Test F1 (NER and strict relations) against training minutes, a line per time-to-accuracy row."""
    rows = [row for row in rows if row.get("kind") == KIND and row.get("curve")]
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 5), sharex=True)
    for axis, (key, title) in zip(axes, (("ner_f1", "entities (NER F1)"), ("rel_strict_f1", "relations (strict F1)"))):
        for row in rows:
            minutes = [point["train_seconds"] / 60 for point in row["curve"]]
            axis.plot(minutes, [100 * point[key] for point in row["curve"]], marker="o", markersize=3,
                      label=f"{row['label']} ({row['torch_threads']} thread{'s' * (row['torch_threads'] != 1)}, "
                            f"{row['date']})")
        targets = {row["targets"][key] for row in rows if row.get("targets", {}).get(key) is not None}
        for target in sorted(targets):
            axis.axhline(target, color="grey", linestyle="--", linewidth=0.8)
        axis.set_title(f"test {title}")
        axis.set_xlabel("training time (minutes, per-epoch scoring excluded)")
        axis.set_ylabel("F1 (%)")
        axis.set_ylim(0, 100)
        axis.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=2, fontsize=7)
    figure.tight_layout(rect=(0, 0.06 + 0.035 * ((len(rows) + 1) // 2), 1, 1))
    figure.savefig(output, dpi=110)
    plt.close(figure)
    return output


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", nargs="?")
    parser.add_argument("--label", help="the curve's name in the plot and the table")
    parser.add_argument("--approach")
    parser.add_argument("--test", help="the file scored after every epoch")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--overrides", default="", help="JSON overrides for the config")
    parser.add_argument("--serialization-dir", default=None)
    parser.add_argument("--recover", action="store_true", help="continue a stopped run in --serialization-dir")
    parser.add_argument("--target-ner", type=float, help="percent; record when the curve first reaches it")
    parser.add_argument("--target-rel", type=float, help="percent (strict relations)")
    parser.add_argument("--no-record", action="store_true", help="print only, do not append a row")
    parser.add_argument("--results", type=Path, default=None, help="default benchmarks/results.jsonl")
    parser.add_argument("--plot", type=Path, default=PLOT, help="the PNG to (re)draw")
    parser.add_argument("--plot-only", action="store_true", help="redraw the plot from the recorded rows")
    args = parser.parse_args(argv)
    if args.plot_only:
        print(plot(load_rows(args.results or RESULTS), args.plot) or "no time-to-accuracy rows")
        return 0
    if not (args.config and args.label and args.approach and args.test):
        parser.error("config, --label, --approach and --test are needed to run")
    if args.recover and not args.serialization_dir:
        parser.error("--recover needs --serialization-dir")
    import torch

    os.environ["FINAL_RUN"] = "1"
    if args.threads:
        torch.set_num_threads(args.threads)
    import jointie_allennlp  # noqa: F401  (registers everything, sets config defaults)
    from allennlp.commands.train import train_model_from_file
    from allennlp.common import Params

    serialization_dir = Path(args.serialization_dir or f"runs/time-to-accuracy-{int(time.time())}")
    params = Params.from_file(args.config, args.overrides)
    callback = {"type": "score_curve", "dataset_reader": params.as_dict()["dataset_reader"], "data_path": args.test}
    overrides = {
        **(json.loads(args.overrides) if args.overrides else {}),
        "evaluate_on_test": False,  # the curve's last point is the test score
        "trainer.callbacks": [callback],
    }
    start = time.perf_counter()
    resume = args.recover and (serialization_dir / "config.json").is_file()
    train_model_from_file(args.config, str(serialization_dir), overrides=json.dumps(overrides), force=not resume,
                          recover=resume)
    wall = time.perf_counter() - start
    curve = read_curve(serialization_dir)
    scoring = sum(point["scoring_seconds"] for point in curve)
    keep = ("epoch", "train_seconds", "scoring_seconds", "ner_f1", "rel_f1", "rel_strict_f1")
    targets = {"ner_f1": args.target_ner, "rel_strict_f1": args.target_rel}
    row = {
        "kind": KIND,
        "label": args.label,
        "approach": args.approach,
        "encoder": config_encoder_label(params.as_dict(quiet=True)),
        "config": args.config,
        "overrides": args.overrides,
        "epochs": len(curve),
        "train_batch_size": _batch_size(params.get("data_loader")),
        "lr": params["trainer"]["optimizer"]["lr"],
        "train_data": params["train_data_path"],
        "test": args.test,
        "train_seconds": curve[-1]["train_seconds"] if curve else None,
        "wall_s_without_scoring": round(wall - scoring, 1) if not resume else None,
        "ner_f1": curve[-1]["ner_f1"] if curve else None,
        "rel_strict_f1": curve[-1]["rel_strict_f1"] if curve else None,
        "targets": targets,
        "reached": first_reaching(curve, args.target_ner, args.target_rel),
        "curve": [{key: point[key] for key in keep if key in point} for point in curve],
        "seed": int(os.environ.get("SEED") or DEFAULT_SEED),
        "settings": config_settings(),
        "peak_rss_mb": peak_rss_mb(),
        **run_facts(torch.get_num_threads()),
    }
    record_row(row, args.no_record, args.results)
    if not args.no_record:
        print(plot(load_rows(args.results or RESULTS), args.plot))
    return 0


if __name__ == "__main__":
    sys.exit(main())
