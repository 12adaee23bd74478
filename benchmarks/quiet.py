"""
A quiet window for a measurement while trainings run: every training process on the machine (a
command line with `--serialization-dir DIR`, or `train ... -s DIR`: `run_benchmark.py`,
`allennlp train`) is stopped (SIGSTOP, with its child processes; processes that appear meanwhile
too), the 1-minute load average is left to fall to `--max-load` (waiting at most `--settle`
seconds), the measurement command runs alone, and the trainings continue (SIGCONT) when it ends,
fails, or this process is interrupted or terminated.

    .venv/bin/python benchmarks/quiet.py -- .venv/bin/python benchmarks/startup.py --archive A --runs 5

Each pause is appended to `paused` in the training's serialization directory as `start end`
(seconds since the epoch), and the times the rows report leave out the part of a pause that falls
inside what they time (`paused_within`): `run_benchmark.py`'s training time (epoch by epoch) and
inference throughput, `rurebus_official.py`'s training note. Linux only (`/proc`).
"""
import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

PAUSED_FILE = "paused"


def paused_intervals(serialization_dir: Path) -> List[Tuple[float, float]]:
    """The `(start, end)` of every pause of the training in `serialization_dir` (none when never paused)."""
    path = Path(serialization_dir) / PAUSED_FILE
    if not path.is_file():
        return []
    return [tuple(float(x) for x in line.split()) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def paused_within(serialization_dir: Path, start: float, end: float) -> float:
    """Seconds of the training's pauses that fall between `start` and `end` (seconds since the epoch)."""
    return sum(max(0.0, min(end, b) - max(start, a)) for a, b in paused_intervals(serialization_dir))


def record_pause(serialization_dir: Path, start: float, end: float) -> None:
    with (Path(serialization_dir) / PAUSED_FILE).open("a", encoding="utf-8") as handle:
        handle.write(f"{start:.3f} {end:.3f}\n")


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
        except (ProcessLookupError, PermissionError):
            pass  # gone, or not ours


def _stop_all(under: Path, paused: Dict[int, Path]) -> None:
    """Stops the trainings, scanning again until no new process of theirs appears."""
    while True:
        found = {pid: d for pid, d in trainings(exclude=os.getpid(), under=under).items() if pid not in paused}
        if not found:
            return
        _signal_all(found, signal.SIGSTOP)
        paused.update(found)


class _Terminated(Exception):
    pass


def _raise_terminated(signal_number, frame):
    raise _Terminated(signal.Signals(signal_number).name)


def run_quietly(command: List[str], settle: float = 60.0, max_load: float = 0.5, under: Path = Path("/")) -> int:
    """Stops the trainings (those with a serialization directory inside `under`), waits up to `settle`
    seconds for the 1-minute load average to fall to `max_load`, runs `command`, continues the
    trainings; returns the command's exit status."""
    paused: Dict[int, Path] = {}
    previous = {number: signal.signal(number, _raise_terminated) for number in (signal.SIGTERM, signal.SIGHUP)}
    started = time.time()
    try:
        _stop_all(under, paused)
        directories = sorted(set(paused.values()))
        print(f"quiet: stopped {len(paused)} processes of {len(directories)} trainings"
              + "".join(f"\n  {d}" for d in directories), file=sys.stderr, flush=True)
        while time.time() - started < settle and os.getloadavg()[0] > max_load:
            time.sleep(1)
        print(f"quiet: load {os.getloadavg()[0]:.2f} after {time.time() - started:.0f} s; running "
              + " ".join(command), file=sys.stderr, flush=True)
        return subprocess.run(command).returncode
    except _Terminated as stop:
        print(f"quiet: {stop}: continuing the trainings", file=sys.stderr, flush=True)
        return 128 + signal.Signals[str(stop)].value
    finally:
        _signal_all(paused, signal.SIGCONT)
        ended = time.time()
        for directory in sorted(set(paused.values())):
            record_pause(directory, started, ended)
        for number, handler in previous.items():
            signal.signal(number, handler)
        print(f"quiet: trainings continued after {ended - started:.0f} s", file=sys.stderr, flush=True)


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
