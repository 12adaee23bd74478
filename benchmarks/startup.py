"""
Start-up time of the commands a user runs first: `import torch, transformers`, `allennlp --help`,
`import jointie_allennlp` with and without its lean import (`JOINTIE_LEAN_IMPORTS=0`), and a
one-line prediction (time to the first prediction) with `allennlp predict`, with
`python -m jointie_allennlp predict` and with `ji.load(archive)(text)` (lean import on and off).
Each command runs `--runs` times, one at a time, the
commands interleaved round by round (so a change of load touches all alike); one row per command
(median wall and CPU seconds, largest peak RSS) goes to benchmarks/results.jsonl (kind "startup")
and docs/results.md.

    .venv/bin/python benchmarks/startup.py --archive runs/spert/model.tar.gz --runs 5 --threads 2

Without `--archive` the predict commands are left out. CPU seconds (user + system) move less than
wall time when the machine is busy; the row keeps the load average seen at its start.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_benchmark import record_row, run_facts, run_measured, thread_env  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]
LEAN_VARIABLE = "JOINTIE_LEAN_IMPORTS"  # 0: import everything allennlp imports (jointie_allennlp.startup)
LINE = {"id": "startup", "text": "John Smith works for Acme Corp in Boston."}


def commands(archive: str, workdir: Path) -> dict:
    """name -> argv of the measured commands."""
    python = sys.executable
    allennlp = str(Path(python).with_name("allennlp"))
    eager = ["env", f"{LEAN_VARIABLE}=0"]
    result = {
        "import torch, transformers": [python, "-c", "import torch, transformers"],
        "allennlp --help": [allennlp, "--help"],
        "import jointie_allennlp": [python, "-c", "import jointie_allennlp"],
        f"import jointie_allennlp ({LEAN_VARIABLE}=0)": [*eager, python, "-c", "import jointie_allennlp"],
    }
    if archive:
        line = workdir / "one_line.jsonl"
        line.write_text(json.dumps(LINE) + "\n", encoding="utf-8")
        result["allennlp predict (one line)"] = [
            allennlp, "predict", archive, str(line), "--include-package", "jointie_allennlp",
            "--silent", "--output-file", str(workdir / "prediction.jsonl"),
        ]
        result["python -m jointie_allennlp predict (one line)"] = [
            python, "-m", "jointie_allennlp", "predict", archive, str(line),
            "--silent", "--overwrite", "--output-file", str(workdir / "jointie_prediction.jsonl"),
        ]
        api = f"import jointie_allennlp as ji; ji.load({archive!r})({LINE['text']!r})"
        result["ji.load + one prediction"] = [python, "-c", api]
        result[f"ji.load + one prediction ({LEAN_VARIABLE}=0)"] = [*eager, python, "-c", api]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", default="", help="model.tar.gz for the one-line predict")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="OMP/MKL threads of the commands")
    parser.add_argument("--note", default="", help="free text kept in the row (e.g. what changed)")
    parser.add_argument("--only", help="measure only the commands whose name contains this text")
    parser.add_argument("--no-record", action="store_true", help="print only, do not append rows")
    args = parser.parse_args()

    env = thread_env(args.threads)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    load_average = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory() as workdir:
        measured = commands(args.archive, Path(workdir))
        if args.only:
            measured = {name: argv for name, argv in measured.items() if args.only in name}
        all_runs = {name: [] for name in measured}
        for _ in range(args.runs):
            for name, argv in measured.items():
                run = run_measured({name: argv}, env=env, cwd=PROJECT)[name]
                if run["exit_code"] != 0:
                    print(f"{name}: exit code {run['exit_code']}: {run['command']}", file=sys.stderr)
                    return 1
                all_runs[name].append(run)
        for name, runs in all_runs.items():
            row = {
                "kind": "startup",
                "command": name,
                "argv": runs[0]["command"],
                "runs": args.runs,
                "wall_s": round(statistics.median(r["wall_s"] for r in runs), 2),
                "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 2),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                "wall_s_all": [r["wall_s"] for r in runs],
                "archive": args.archive,
                "note": args.note,
                **run_facts(args.threads),
                "load_average": load_average,  # at the start of the runs
            }
            record_row(row, args.no_record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
