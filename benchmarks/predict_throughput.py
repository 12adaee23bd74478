"""
Lines per second of whole prediction commands, start-up included: `allennlp predict` and
`python -m jointie_allennlp predict` on a JSON-lines file of `{"tokens": ...}` lines (the sentences
of a SpERT JSON file repeated `--repeat` times), at each `--batch-sizes`. The commands run one at a
time, interleaved round by round, so a change of load touches both alike; each run's output must
have one line per input line. One row per command and batch size (median of the runs) goes to
benchmarks/results.jsonl (kind "throughput") and docs/results.md.

    .venv/bin/python benchmarks/predict_throughput.py runs/spert/model.tar.gz \
        --test ../shared/data/conll04/conll04_test.json --repeat 10 --batch-sizes 8 32 --threads 2

`--overrides` (e.g. '{"model.bf16_inference": true}') reaches both commands as `-o`.
`--precisions fp32 bf16 int8 auto` measures each precision in turn: the `jointie` command gets
`--precision P`; `allennlp predict` runs for fp32 (no switch) and bf16 (`model.bf16_inference`
override) only, as it has no int8 or auto. The CoNLL04 test set (288 sentences) ten times gives
the 2,880-line input. Every row records the precision, the CPU model and flags, the load average
and the threads; a summary of lines/s per command and precision is printed at the end.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_benchmark import record_row, run_facts, run_measured, thread_env  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]


def write_input(test: str, repeat: int, destination: Path) -> int:
    """`{"tokens": ...}` per sentence of a SpERT JSON file, `repeat` times; returns the line count."""
    items = json.loads(Path(test).read_text(encoding="utf-8"))
    lines = [json.dumps({"tokens": item["tokens"]}, ensure_ascii=False) for item in items] * repeat
    destination.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


PRECISIONS = ("fp32", "bf16", "int8", "auto")


def with_bf16_override(overrides: str) -> str:
    """`overrides` (JSON) with `model.bf16_inference` set to true."""
    merged = json.loads(overrides) if overrides.strip() else {}
    merged["model.bf16_inference"] = True
    return json.dumps(merged)


def commands(archive: str, inputs: Path, output: Path, batch_size: int, overrides: str,
             precision: Optional[str] = None) -> dict:
    """name -> argv of the measured commands (`precision`: see the module docstring)."""
    python = sys.executable

    def common(extra_overrides: str) -> list:
        arguments = [archive, str(inputs), "--output-file", str(output), "--batch-size", str(batch_size), "--silent"]
        return arguments + (["-o", extra_overrides] if extra_overrides else [])

    result = {}
    if precision in (None, "fp32", "bf16"):
        allennlp_overrides = with_bf16_override(overrides) if precision == "bf16" else overrides
        result["allennlp predict"] = [str(Path(python).with_name("allennlp")), "predict", *common(allennlp_overrides),
                                      "--include-package", "jointie_allennlp"]
    # --overwrite: every run after the first finds the metadata sidecar (`<output>.meta.json`) of the one before
    result["python -m jointie_allennlp predict"] = [python, "-m", "jointie_allennlp", "predict", *common(overrides),
                                                    "--overwrite"]
    if precision is not None:
        result["python -m jointie_allennlp predict"] += ["--precision", precision]
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("archive")
    parser.add_argument("--test", required=True, help="SpERT JSON file whose sentences are the input")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None, help="OMP/MKL threads of the commands")
    parser.add_argument("--overrides", default="", help="JSON overrides given to both commands")
    parser.add_argument("--precisions", nargs="+", choices=PRECISIONS, default=None,
                        help="measure each precision (the jointie command's --precision); default: neither flag")
    parser.add_argument("--only", choices=["allennlp", "jointie"], help="run one of the two commands")
    parser.add_argument("--note", default="", help="free text kept in the row (e.g. the machine's load)")
    parser.add_argument("--no-record", action="store_true", help="print only, do not append rows")
    args = parser.parse_args(argv)

    env = thread_env(args.threads)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as workdir:
        inputs = Path(workdir) / "input.jsonl"
        lines = write_input(args.test, args.repeat, inputs)
        summary = []
        for batch_size in args.batch_sizes:
            for precision in args.precisions or [None]:
                load_average = round(os.getloadavg()[0], 2)
                output = Path(workdir) / "output.jsonl"
                selected = {name: argv for name, argv in commands(args.archive, inputs, output, batch_size,
                                                                   args.overrides, precision=precision).items()
                            if args.only is None or args.only in name}
                runs = {name: [] for name in selected}
                for _ in range(args.runs):
                    for name, argv in selected.items():
                        result = run_measured({name: argv}, env=env, cwd=PROJECT)[name]
                        written = sum(1 for _ in output.open(encoding="utf-8")) if output.exists() else 0
                        if result["exit_code"] != 0 or written != lines:
                            print(f"{name}: exit code {result['exit_code']}, {written} of {lines} lines: "
                                  f"{result['command']}", file=sys.stderr)
                            return 1
                        output.unlink()
                        runs[name].append(result)
                for name, results in runs.items():
                    wall = statistics.median(r["wall_s"] for r in results)
                    row = {
                        "kind": "throughput",
                        "command": name,
                        "argv": results[0]["command"].replace(workdir, "$TMP"),
                        "archive": args.archive,
                        "input": f"{args.test} x {args.repeat}",
                        "lines": lines,
                        "batch_size": batch_size,
                        "overrides": args.overrides,
                        "precision": precision or "",
                        "runs": args.runs,
                        "wall_s": round(wall, 2),
                        "lines_per_s": round(lines / wall, 1),
                        "cpu_s": round(statistics.median(r["cpu_s"] for r in results), 2),
                        "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
                        "note": args.note,
                        **run_facts(args.threads),
                        "load_average": load_average,  # at the start of the runs
                    }
                    record_row(row, args.no_record)
                    summary.append(row)
        for row in summary:
            print(f"{row['command']:<36} batch {row['batch_size']:>3}  {row['precision'] or 'default':<7} "
                  f"{row['lines_per_s']:>8.1f} lines/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
