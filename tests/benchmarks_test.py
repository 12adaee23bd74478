"""benchmarks/side_by_side.py and the shared helpers of benchmarks/run_benchmark.py (no timing asserts)."""
import importlib.util
import json
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = PROJECT_ROOT / "benchmarks"


def _load(name):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_side_by_side_records_each_commands_memory_threads_and_exit_code(tmp_path, monkeypatch):
    side_by_side = _load("side_by_side")
    run_benchmark = sys.modules["run_benchmark"]  # the helpers side_by_side records with
    results, table = tmp_path / "results.jsonl", tmp_path / "RESULTS.md"
    results.write_text(json.dumps({"dataset": "d", "approach": "a", "torch_threads": 2, "train_batch_size": 4}) + "\n")
    monkeypatch.setattr(run_benchmark, "RESULTS", results)
    monkeypatch.setattr(run_benchmark, "TABLE", table)
    python = sys.executable
    ours = f"{python} -c \"import os; x = bytearray(200_000_000); print(os.environ['OMP_NUM_THREADS'])\""
    theirs = f"{python} -c \"import os, sys; sys.exit(int(os.environ['MKL_NUM_THREADS']) + 1)\""
    code = side_by_side.main(["--ours", ours, "--theirs", theirs, "--threads", "3", "--label", "test"])
    assert code == 1  # "theirs" exited with 3 + 1
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    row = rows[-1]
    assert row["kind"] == "side_by_side" and row["label"] == "test" and row["torch_threads"] == 3
    assert row["ours"]["exit_code"] == 0 and row["theirs"]["exit_code"] == 4
    assert row["ours"]["peak_rss_mb"] > 200 > row["theirs"]["peak_rss_mb"]  # each its own process
    assert row["ours"]["command"].startswith(python) and row["theirs"]["cpu_s"] >= 0
    rendered = table.read_text()
    assert "## Side by side" in rendered and "| test | 3 |" in rendered
    assert "| d | a |" in rendered and "| 2 | 4 / ? |" in rendered  # threads, train / inference batch
