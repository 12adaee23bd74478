"""
A quiet window for a measurement while trainings run: every training process on the machine (a
command line with `--serialization-dir DIR`, or `train ... -s DIR`: `run_benchmark.py`, `allennlp train`) is
stopped (SIGSTOP, with its child processes), the load average is left to settle, the measurement
command runs alone, and the trainings continue (SIGCONT), also when the command fails.

    .venv/bin/python benchmarks/quiet.py -- .venv/bin/python benchmarks/startup.py --archive A --runs 5

The seconds each training stood still are added to `paused_seconds` in its serialization directory,
and the training times of the rows (`run_benchmark.py`'s `training_seconds`,
`rurebus_official.py`'s training note) leave them out. Linux only (`/proc`).
"""
import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

PAUSED_FILE = "paused_seconds"


def paused_seconds(serialization_dir: Path) -> float:
    """The seconds a training in `serialization_dir` was stopped by quiet windows (0 when never)."""
    path = Path(serialization_dir) / PAUSED_FILE
    return float(path.read_text(encoding="utf-8")) if path.is_file() else 0.0


def add_paused_seconds(serialization_dir: Path, seconds: float) -> None:
    path = Path(serialization_dir) / PAUSED_FILE
    path.write_text(f"{paused_seconds(serialization_dir) + seconds:.1f}\n", encoding="utf-8")


def _processes() -> Dict[int, tuple]:
    """pid -> (parent pid, command line arguments, working directory) of every readable process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().decode("utf-8", "replace").split("\0")[:-1]
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cwd = os.readlink(entry / "cwd")
        except (OSError, IndexError, ValueError):
            continue  # gone, or not ours to read
        found[int(entry.name)] = (parent, arguments, cwd)
    return found


def serialization_dir(arguments: List[str], cwd: str) -> Optional[Path]:
    """The serialization directory named on a training's command line, or None."""
    for index, argument in enumerate(arguments):
        if argument.startswith("--serialization-dir="):
            return Path(cwd, argument.split("=", 1)[1])
        flags = ("--serialization-dir", "-s") if "train" in arguments else ("--serialization-dir",)
        if argument in flags and index + 1 < len(arguments):
            return Path(cwd, arguments[index + 1])
    return None


def trainings(exclude: int, under: Path = Path("/")) -> Dict[int, Path]:
    """pid -> serialization directory of every training process whose directory is inside `under`,
    and of their descendants (`exclude`'s tree aside)."""
    processes = _processes()
    roots = {}
    under = Path(under).resolve()
    for pid, (_, arguments, cwd) in processes.items():
        directory = serialization_dir(arguments, cwd)
        if directory is not None and pid != exclude and directory.is_dir():
            directory = directory.resolve()
            if directory == under or under in directory.parents:
                roots[pid] = directory
    found = dict(roots)
    changed = True
    while changed:  # children of what is found, down the tree
        changed = False
        for pid, (parent, _, _) in processes.items():
            if parent in found and pid not in found and pid != exclude:
                found[pid] = found[parent]
                changed = True
    return found


def _signal_all(pids, signal_number) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal_number)
        except ProcessLookupError:
            pass


def run_quietly(command: List[str], settle: float = 60.0, max_load: float = 0.5, under: Path = Path("/")) -> int:
    """Stops the trainings (those with a serialization directory inside `under`), waits up to `settle`
    seconds for the 1-minute load average to fall to `max_load`, runs `command`, continues the
    trainings; returns the command's exit status."""
    paused = trainings(exclude=os.getpid(), under=under)
    directories = sorted(set(paused.values()))
    print(f"quiet: stopping {len(paused)} processes of {len(directories)} trainings"
          + "".join(f"\n  {d}" for d in directories), file=sys.stderr, flush=True)
    started = time.monotonic()
    _signal_all(paused, signal.SIGSTOP)
    try:
        while time.monotonic() - started < settle and os.getloadavg()[0] > max_load:
            time.sleep(1)
        print(f"quiet: load {os.getloadavg()[0]:.2f} after {time.monotonic() - started:.0f} s; running "
              + " ".join(command), file=sys.stderr, flush=True)
        return subprocess.run(command).returncode
    finally:
        _signal_all(paused, signal.SIGCONT)
        seconds = time.monotonic() - started
        for directory in directories:
            add_paused_seconds(directory, seconds)
        print(f"quiet: trainings continued after {seconds:.0f} s", file=sys.stderr, flush=True)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settle", type=float, default=60.0,
                        help="at most this many seconds of waiting for the load average to fall")
    parser.add_argument("--max-load", type=float, default=0.5, help="the 1-minute load average to wait for")
    parser.add_argument("--under", type=Path, default=Path("/"),
                        help="only the trainings whose serialization directory is inside this folder")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the measurement command")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run (give it after --)")
    return run_quietly(command, args.settle, args.max_load, args.under)


if __name__ == "__main__":
    sys.exit(main())
