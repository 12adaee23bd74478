"""
Runs this project's command and another command side by side: both start together, each with
`--threads` OMP/MKL threads; records each one's wall time, CPU time and peak RSS (of its whole
process tree) and the wall-time ratio in one row of benchmarks/results.jsonl (kind
"side_by_side") and docs/results.md.

    .venv/bin/python benchmarks/side_by_side.py --label "spert vs reference, 1 epoch CoNLL04" \
        --threads 1 \
        --ours ".venv/bin/allennlp train training_configs/spert/conll04.jsonnet -s /tmp/ours -o '{...}'" \
        --theirs "python ../spert/spert.py train --config /tmp/their_train.conf" --theirs-cwd ../spert

Commands are split like a shell would (`shlex`), not run through a shell. A command that fails is
reported and its row records the exit code.
"""
import argparse
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_benchmark import record_row, run_facts, run_measured, thread_env  # noqa: E402

PROJECT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", required=True, help="this project's command (run from the project root)")
    parser.add_argument("--theirs", required=True, help="the command to compare with")
    parser.add_argument("--theirs-cwd", default=None, help="working directory of --theirs (default: project root)")
    parser.add_argument("--threads", type=int, required=True, help="OMP/MKL threads of each command")
    parser.add_argument("--label", required=True, help="what is compared (kept in the row)")
    parser.add_argument("--no-record", action="store_true", help="print only, do not append a row")
    args = parser.parse_args(argv)

    env = thread_env(args.threads)
    commands = {"ours": shlex.split(args.ours), "theirs": shlex.split(args.theirs)}
    cwds = {"theirs": args.theirs_cwd} if args.theirs_cwd else None
    results = run_measured(commands, env=env, cwd=PROJECT, cwds=cwds)
    row = {
        "kind": "side_by_side",
        "label": args.label,
        "ours": results["ours"],
        "theirs": results["theirs"],
        "wall_ratio": results["theirs"]["wall_s"] / max(results["ours"]["wall_s"], 1e-9),
        **run_facts(args.threads),
    }
    record_row(row, args.no_record)
    failed = [name for name, result in results.items() if result["exit_code"] != 0]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
