"""
Runs the results matrix (`make results`): every (approach, dataset, variant, seed or fold) of
benchmarks/matrix.json that has no row in benchmarks/results.jsonl yet is trained and scored by
`run_benchmark.py` (one process per run, the entry's environment added), which appends its row;
then the results page docs/results.md is regenerated with the mean ± sample standard deviation
over the seeds or folds of every entry, and the runs still missing listed as pending.

    .venv/bin/python benchmarks/run_matrix.py              # run what is missing, regenerate
    .venv/bin/python benchmarks/run_matrix.py --dry-run    # list what would run
    .venv/bin/python benchmarks/run_matrix.py --regenerate-only
    .venv/bin/python benchmarks/run_matrix.py --only spert_mt --max-runs 1  # --only: approach, dataset, variant, table

Run it from the repository root (config paths are relative to it).
Resumable: rows already recorded are skipped, and an interrupted run continues from its last
finished epoch (`--recover` on its serialization directory `runs/matrix/<entry>-<seed|fold>`). A
run whose test data is missing is skipped and stays pending. Matrix entries:

    {"approach", "dataset", "variant", "config", "test" ("{data_dir}": JOINTIE_DATA_DIR or
     ../shared/data; "{fold}": the fold),
     "table" (the table the entry belongs to), "seeds": [...] or "folds": [...],
     "env": {"FINAL_RUN": "1", ...} ("{data_dir}" in a value: as in "test"), "overrides": "",
     "epochs": null, "threads": 1, "note": ""}
"""
import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Tuple

from results_tables import MATRIX, RESULTS, TABLE, Entry, load_matrix, load_rows, regenerate, row_for

BENCHMARKS = Path(__file__).resolve().parent


def planned_runs(
    entries: List[Entry], rows: List[dict], only: Optional[str] = None
) -> List[Tuple[Entry, str, int, str]]:
    """`(entry, "seed" | "fold", value, status)` for every run without a row; status `ready` or why not.

    Runs are ordered round by round: the first seed or fold of every entry, then the second, so that
    an interrupted `make results` leaves every entry with a row before any entry gets its third."""
    plan = []
    for entry_index, entry in enumerate(entries):
        if only and only not in (entry.approach, entry.dataset, entry.variant, entry.table):
            continue
        for run_index, (kind, value) in enumerate(entry.runs()):
            if row_for(entry, kind, value, rows) is not None:
                continue
            test = Path(entry.test_path(value if kind == "fold" else None))
            status = "ready" if test.exists() else f"no test data ({test})"
            plan.append(((run_index, entry_index), (entry, kind, value, status)))
    return [run for _, run in sorted(plan, key=lambda item: item[0])]


def run_directory(runs: Path, entry: Entry, kind: str, value: int) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.+-]+", "_", f"{entry.approach}-{entry.dataset}-{entry.variant}")
    return runs / f"{name}-{kind}{value}"


def run_one(entry: Entry, kind: str, value: int, runs: Path, results: Path) -> int:
    """Trains and scores one run with run_benchmark.py; returns its exit status."""
    directory = run_directory(runs, entry, kind, value)
    command = [
        sys.executable, str(BENCHMARKS / "run_benchmark.py"), entry.config,
        "--approach", entry.approach, "--dataset", entry.dataset, "--variant", entry.variant,
        "--test", entry.test_path(value if kind == "fold" else None),
        f"--{kind}", str(value), "--threads", str(entry.threads),
        "--serialization-dir", str(directory), "--results", str(results),
    ]
    if entry.epochs is not None:
        command += ["--epochs", str(entry.epochs)]
    if entry.overrides:
        command += ["--overrides", entry.overrides]
    if (directory / "config.json").is_file():
        command.append("--recover")  # an interrupted run continues from its last epoch
    environment = {**os.environ, **entry.environment(), "OMP_NUM_THREADS": str(entry.threads)}
    print(f"run: {entry.approach} {entry.dataset} [{entry.variant}] {kind} {value}", flush=True)
    return subprocess.run(command, env=environment).returncode


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--matrix", type=Path, default=MATRIX)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--table", type=Path, default=TABLE, help="the results page to write")
    parser.add_argument("--runs", type=Path, default=Path("runs/matrix"), help="where the runs are serialized")
    parser.add_argument("--dry-run", action="store_true", help="list the runs that would run, run nothing")
    parser.add_argument("--regenerate-only", action="store_true", help="only rewrite the results page")
    parser.add_argument("--only", help="only entries of this approach, dataset, variant or table")
    parser.add_argument("--max-runs", type=int, help="stop after this many runs")
    args = parser.parse_args(argv)

    entries = load_matrix(args.matrix)
    if not args.regenerate_only:
        plan = planned_runs(entries, load_rows(args.results), args.only)
        if not plan:
            print("nothing to run: every run of the matrix has a row")
        for entry, kind, value, status in plan:
            if args.dry_run:
                print(f"{'would run' if status == 'ready' else 'skip'}: {entry.approach} {entry.dataset} "
                      f"[{entry.variant}] {kind} {value}" + ("" if status == "ready" else f": {status}"))
        if args.dry_run:
            return 0
        ran, failed = 0, 0
        for entry, kind, value, status in plan:
            if status != "ready":
                print(f"skip: {entry.approach} {entry.dataset} [{entry.variant}] {kind} {value}: {status}")
                continue
            if args.max_runs is not None and ran >= args.max_runs:
                break
            ran += 1
            if run_one(entry, kind, value, args.runs, args.results) != 0:
                failed += 1
                print(f"failed: {entry.approach} {entry.dataset} [{entry.variant}] {kind} {value}", file=sys.stderr)
            regenerate(args.results, args.matrix, args.table)
        regenerate(args.results, args.matrix, args.table)
        if failed:
            print(f"{failed} of {ran} runs failed; they stay pending", file=sys.stderr)
            return 1
        return 0
    regenerate(args.results, args.matrix, args.table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
