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
    .venv/bin/python benchmarks/run_matrix.py --jobs 2     # two runs at a time (`make results`)

Run it from the repository root (config paths are relative to it).
Resumable: rows already recorded are skipped, and an interrupted run continues from its last
finished epoch (`--recover` on its serialization directory `runs/matrix/<entry>-<seed|fold>`). A
run whose test data is missing is skipped and stays pending. `--jobs N` runs N runs at once (each
with its entry's threads; the rows' load averages show it). A run's training process holds a lock
(`<its directory>.lock`, a file that stays) while it lives, so a second `run_matrix.py` on the same
runs folder skips that run and takes the next. Matrix entries:

    {"approach", "dataset", "variant", "config", "test" ("{data_dir}": JOINTIE_DATA_DIR or
     ../shared/data; "{fold}": the fold),
     "table" (the table the entry belongs to), "seeds": [...] or "folds": [...],
     "env": {"FINAL_RUN": "1", ...} ("{data_dir}" in a value: as in "test"), "overrides": "",
     "epochs": null, "threads": 1, "note": ""}
"""
import argparse
import fcntl
import os
import re
import subprocess
import sys
import threading
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


class RunLock:
    """
    An exclusive, non-blocking lock on one run (`fcntl.flock` on `<run directory>.lock`). It is held
    by the open file: by this process and by the training process that inherits it (`fileno`), until
    both have closed it or ended, however they end.

    # Parameters

    directory : `Path` the run's serialization directory.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory.with_name(directory.name + ".lock")
        self._handle = None

    def acquire(self) -> bool:
        """Takes the lock; False when another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def fileno(self) -> int:
        return self._handle.fileno()

    def release(self) -> None:
        """Closes this process's hold (a child that inherited it keeps the lock until it ends)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def run_one(entry: Entry, kind: str, value: int, runs: Path, results: Path) -> Optional[int]:
    """Trains and scores one run with run_benchmark.py; returns its exit status, or None when
    another process is running it or has recorded it since the plan was made."""
    directory = run_directory(runs, entry, kind, value)
    lock = RunLock(directory)
    if not lock.acquire():
        print(f"skip: {entry.approach} {entry.dataset} [{entry.variant}] {kind} {value}: "
              f"running in another process ({lock.path})", flush=True)
        return None
    try:
        if row_for(entry, kind, value, load_rows(results)) is not None:
            return None
        return _train_and_score(entry, kind, value, directory, results, lock)
    finally:
        lock.release()


def _train_and_score(entry: Entry, kind: str, value: int, directory: Path, results: Path, lock: RunLock) -> int:
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
    return subprocess.run(command, env=environment, pass_fds=[lock.fileno()]).returncode


def run_all(ready: List[tuple], args) -> Tuple[int, int]:
    """Runs `ready` runs, `args.jobs` at a time (worker threads taking the next run in order) and at
    most `args.max_runs` of them; a run another process holds or has recorded does not count. A
    run that raises counts as failed. Ctrl-C stops the workers from taking further runs.
    Returns (runs, failed runs)."""
    pending = iter(ready)
    state = {"ran": 0, "failed": 0}
    guard, stop = threading.Lock(), threading.Event()

    def worker() -> None:
        while not stop.is_set():
            with guard:
                if args.max_runs is not None and state["ran"] >= args.max_runs:
                    return
                run = next(pending, None)
                if run is None:
                    return
                state["ran"] += 1
            entry, kind, value = run
            try:
                status = run_one(entry, kind, value, args.runs, args.results)
            except Exception as error:  # noqa: BLE001  (one run's error must not stop the others)
                print(f"error: {entry.approach} {entry.dataset} [{entry.variant}] {kind} {value}: {error!r}",
                      file=sys.stderr)
                status = 1
            with guard:
                if status is None:
                    state["ran"] -= 1
                    continue
                if status != 0:
                    state["failed"] += 1
                    print(f"failed: {entry.approach} {entry.dataset} [{entry.variant}] {kind} {value}",
                          file=sys.stderr)
                regenerate(args.results, args.matrix, args.table)

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, args.jobs))]
    for thread in workers:
        thread.start()
    try:
        while any(thread.is_alive() for thread in workers):
            for thread in workers:
                thread.join(timeout=0.5)
    except KeyboardInterrupt:
        stop.set()  # the runs of this moment got the same Ctrl-C; no further run starts
        raise
    return state["ran"], state["failed"]


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
    parser.add_argument("--jobs", type=int, default=1, help="runs at once (each with its entry's threads)")
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
        ready = []
        for entry, kind, value, status in plan:
            if status != "ready":
                print(f"skip: {entry.approach} {entry.dataset} [{entry.variant}] {kind} {value}: {status}")
            else:
                ready.append((entry, kind, value))
        ran, failed = run_all(ready, args)
        regenerate(args.results, args.matrix, args.table)
        if failed:
            print(f"{failed} of {ran} runs failed; they stay pending", file=sys.stderr)
            return 1
        return 0
    regenerate(args.results, args.matrix, args.table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
