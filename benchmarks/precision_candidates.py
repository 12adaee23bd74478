"""
Speed and F1 of each inference precision on one archive and test file: fp32, bf16 (autocast) and
every int8 candidate of `jointie_allennlp.precision.INT8_CANDIDATES` (`int8-all`: every linear
layer, per tensor; `int8-encoder`: the encoder's linear layers per channel, attention output
projections, classifier heads and LayerNorm left in fp32; `int8-onnx`: the encoder through ONNX
Runtime with int8 weights per channel, the heads in torch fp32). Per candidate the model is loaded
afresh, set to the precision, and the evaluation loop over the test instances is timed `--repeats`
times (the median is kept; the first pass also gives the NER and strict relation F1). The
candidates are interleaved repeat by repeat, so a change of load touches all alike. One row per
candidate goes to benchmarks/results.jsonl (kind "precision"), with the CPU model and flags, the
load average and the threads; a table is printed.

    .venv/bin/python benchmarks/precision_candidates.py runs/spert/model.tar.gz \
        ../shared/data/conll04/conll04_test.json --repeats 5 --threads 2

Take the numbers on a quiet machine (the rows keep the load average seen at the start).
`--profile` adds one pass per torch candidate under `torch.profiler` and records the seconds spent
in the linear layers' kernels (`LINEAR_OPS`, self time) against the whole pass: what int8 can
speed up at most.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_benchmark import INFERENCE_BATCH_SIZE, record_row, run_facts  # noqa: E402

CANDIDATES = ("fp32", "bf16", "int8-all", "int8-encoder", "int8-onnx")
#: the kernels of `nn.Linear` in float (addmm / mm) and dynamically quantized form
LINEAR_OPS = ("aten::addmm", "aten::mm", "quantized::linear_dynamic")


def load_candidate(archive: str, candidate: str):
    """The archive's model set to `candidate`, and its validation reader."""
    from jointie_allennlp.archives import load_archive
    from jointie_allennlp.precision import apply_precision

    loaded = load_archive(archive)
    if candidate.startswith("int8"):
        apply_precision(loaded.model, "int8", int8=candidate)
    else:
        apply_precision(loaded.model, candidate)
    return loaded.model, loaded.validation_dataset_reader


def timed_pass(model, instances, batch_size: int):
    """Seconds of one evaluation pass and the metrics it gives."""
    from jointie_allennlp.precision import evaluation_metrics

    start = time.perf_counter()
    metrics = evaluation_metrics(model, instances, batch_size)
    return time.perf_counter() - start, metrics


def profiled_pass(model, instances, batch_size: int) -> dict:
    """Self CPU seconds of one evaluation pass: in all and in the linear layers' kernels (`LINEAR_OPS`)."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        timed_pass(model, instances, batch_size)
    averages = profiler.key_averages()
    total = sum(event.self_cpu_time_total for event in averages) / 1e6
    linear = {event.key: round(event.self_cpu_time_total / 1e6, 6) for event in averages if event.key in LINEAR_OPS}
    return {"total_s": round(total, 6), "linear_s": round(sum(linear.values()), 6), "linear_ops": linear}


def table(rows) -> str:
    """The rows as a plain text table."""
    lines = [f"{'candidate':<14} {'median s':>9} {'sent/s':>8} {'NER F1':>7} {'RE F1':>7}"]
    for row in rows:
        lines.append(f"{row['candidate']:<14} {row['seconds_median']:>9.3f} {row['sentences_per_s']:>8.1f} "
                     f"{row['ner_f1']:>7.4f} {row['rel_strict_f1']:>7.4f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("archive", help="model.tar.gz (or its directory)")
    parser.add_argument("test", help="test file the archive's reader reads (e.g. SpERT JSON)")
    parser.add_argument("--candidates", nargs="+", choices=CANDIDATES, default=list(CANDIDATES))
    parser.add_argument("--repeats", type=int, default=5, help="timed evaluation passes per candidate")
    parser.add_argument("--batch-size", type=int, default=INFERENCE_BATCH_SIZE)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--profile", action="store_true",
                        help="one more pass per torch candidate under the profiler: time in the linear layers")
    parser.add_argument("--note", default="", help="free text kept in the rows")
    parser.add_argument("--no-record", action="store_true", help="print only, do not append rows")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    load_average = round(os.getloadavg()[0], 2)
    models, instances = {}, None
    for candidate in args.candidates:
        models[candidate], reader = load_candidate(args.archive, candidate)
        if instances is None:
            instances = list(reader.read(args.test))
    if not instances:
        print(f"{args.test}: no instances", file=sys.stderr)
        return 1
    seconds = {candidate: [] for candidate in args.candidates}
    metrics = {}
    for _ in range(args.repeats):
        for candidate, model in models.items():
            spent, scores = timed_pass(model, instances, args.batch_size)
            seconds[candidate].append(spent)
            metrics.setdefault(candidate, scores)
    profiles = {candidate: profiled_pass(model, instances, args.batch_size)
                for candidate, model in models.items() if args.profile and candidate != "int8-onnx"}
    rows = []
    for candidate in args.candidates:
        median = statistics.median(seconds[candidate])
        rows.append({
            "kind": "precision",
            "candidate": candidate,
            "archive": args.archive,
            "test": args.test,
            "instances": len(instances),
            "batch_size": args.batch_size,
            "repeats": args.repeats,
            "seconds_median": round(median, 4),
            "seconds_all": [round(value, 4) for value in seconds[candidate]],
            "sentences_per_s": round(len(instances) / median, 2),
            "ner_f1": metrics[candidate]["ner_f1"],
            "rel_strict_f1": metrics[candidate]["rel_strict_f1"],
            **({"profile": profiles[candidate]} if candidate in profiles else {}),
            "note": args.note,
            **run_facts(args.threads or torch.get_num_threads()),
            "load_average": load_average,  # at the start of the runs
        })
    for row in rows:
        record_row(row, args.no_record)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
