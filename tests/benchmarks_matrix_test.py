"""`make results` (benchmarks/run_matrix.py): docs/results.md with mean ± std from results.jsonl, and resuming."""
import json
import sys
from pathlib import Path


PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures"
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

import results_tables  # noqa: E402
import run_matrix  # noqa: E402

from tests.conftest import tiny_bert_environment  # noqa: E402


def _row(approach, variant, date, ner, rel, **extra):
    return {"dataset": "toy", "approach": approach, "variant": variant, "encoder": "tiny", "epochs": 3,
            "ner_f1": ner, "ner_macro_f1": ner, "rel_strict_f1": rel, "rel_strict_macro_f1": rel,
            "rel_boundaries_f1": rel, "rel_boundaries_macro_f1": rel, "torch_threads": 1, "date": date, **extra}


def _write(tmp_path, entries, rows):
    matrix, results = tmp_path / "matrix.json", tmp_path / "results.jsonl"
    matrix.write_text(json.dumps({"entries": entries}), encoding="utf-8")
    results.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return matrix, results


def test_tables_have_mean_and_sample_std_over_seeds_and_folds(tmp_path):
    entries = [
        {"approach": "a", "dataset": "toy", "variant": "v", "config": "c", "test": "t", "table": "Toy test",
         "seeds": [1, 2, 3]},
        {"approach": "legacy", "dataset": "toy", "variant": "old", "config": "c", "test": "t", "table": "Toy test",
         "seeds": [13370], "note": "before the switch"},
        {"approach": "b", "dataset": "toy", "variant": "cv", "config": "c", "test": "{data_dir}/toy_{fold}.json",
         "table": "Toy folds", "folds": [0, 1]},
    ]
    rows = [
        _row("a", "v", "2026-01-03", 0.86, 0.7, seed=3, train_seconds=540, inference_sentences_per_s=30),
        _row("a", "v", "2026-01-01", 0.84, 0.5, seed=1, train_seconds=180, inference_sentences_per_s=10),
        _row("a", "v", "2026-01-02", 0.85, 0.6, seed=2, train_seconds=360, inference_sentences_per_s=20),
        _row("a", "other variant", "2026-01-02", 0.10, 0.1, seed=2),  # another entry's row: not counted
        _row("legacy", "old", "2025-12-24", 0.7, 0.4),  # no seed recorded: the default 13370
        _row("b", "cv", "2026-01-05", 0.9, 0.8, fold=0, seed=13370),
    ]
    matrix, results = _write(tmp_path, entries, rows)
    table = tmp_path / "docs" / "results.md"
    results_tables.regenerate(results, matrix, table)
    text = table.read_text(encoding="utf-8")
    assert text.startswith("# Results\n") and text == results_tables.render(results, matrix)
    lines = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| `")}
    # by hand: NER 84, 85, 86 -> mean 85.00, sample std 1.00; RE 50, 60, 70 -> 60.00 ± 10.00;
    # 180, 360, 540 s over 3 epochs -> 1, 2, 3 min per epoch, mean 2.0; 10, 20, 30 sentences/s -> 20.0
    assert lines["| `a`"] == (
        "| `a` | v | 3/3 seeds (1, 2, 3) | 85.00 ± 1.00 | 85.00 ± 1.00 | 60.00 ± 10.00 | 60.00 ± 10.00 | "
        "60.00 ± 10.00 | 60.00 ± 10.00 | 2.0 | 20.0 | tiny | 3 | 1 | 2026-01-01 – 2026-01-03 |"
    )
    assert lines["| `legacy`"].startswith("| `legacy` | old (before the switch) | 1/1 seeds (13370) | 70.00 | ")
    assert lines["| `b`"].startswith("| `b` | cv | 1/2 folds (0) | 90.00 | ")
    assert "**Toy test**" in text and "**Toy folds**" in text
    assert "- `b` on toy, cv: fold 1; " in text  # the page does not depend on the data at hand
    assert "`a` on toy, v:" not in text  # nothing pending for a
    assert text.count("| toy |") == len(rows)  # every row listed too, each with its minutes per epoch
    every_row = [line for line in text.splitlines() if line.startswith("| toy | a | v |")]
    assert [line.split(" | ")[12] for line in every_row] == ["3.0", "1.0", "2.0"]


def test_pending_runs_say_the_time_they_need(tmp_path):
    entries = [
        {"approach": "x", "dataset": "toy", "variant": "v", "config": "cx", "test": "t", "table": "T",
         "seeds": [1, 2, 3]},
        {"approach": "y", "dataset": "toy", "variant": "v", "config": "cy", "test": "t", "table": "T", "folds": [0, 1],
         "estimate": {"minutes": 100, "from": "a measured neighbour"}},
        {"approach": "z", "dataset": "toy", "variant": "v", "config": "cz", "test": "t", "table": "T", "seeds": [1]},
        {"approach": "x", "dataset": "toy", "variant": "w", "config": "cx", "test": "t", "table": "T", "seeds": [1]},
        {"approach": "x", "dataset": "toy", "variant": "u", "config": "cx", "test": "t", "table": "T", "seeds": [1],
         "estimate": {"minutes": 70, "from": "a cut run"}},
    ]
    rows = [_row("x", "v", "2026-01-01", 0.8, 0.5, seed=1, config="cx", train_seconds=600),
            _row("x", "v", "2026-01-01", 0.8, 0.5, seed=7, config="cx", train_seconds=1200),
            _row("x", "other", "2026-01-01", 0.8, 0.5, seed=1, config="cx", train_seconds=2400),
            _row("y", "v", "2026-01-01", 0.8, 0.5, fold=5, config="cy")]
    matrix, results = _write(tmp_path, entries, rows)
    pending = [line for line in results_tables.render(results, matrix).splitlines() if line.startswith("- `")]
    assert pending == [
        # its own runs took 600 and 1200 s: 15 min on average; two seeds are missing
        "- `x` on toy, v: seeds 2, 3; about 15 min of one process each, 30 min in all (the mean of its recorded runs)",
        # its own row has no training time: the estimate
        "- `y` on toy, v: folds 0, 1; about 100 min of one process each, 3.3 h in all (a measured neighbour)",
        "- `z` on toy, v: seed 1; time needed: unknown (no recorded run of its config)",
        # no run of its own and no estimate: its config's three runs, 23 min on average
        "- `x` on toy, w: seed 1; about 23 min of one process each, 23 min in all "
        "(the mean of the recorded runs of its config)",
        # an estimate goes before the runs of other variants
        "- `x` on toy, u: seed 1; about 70 min of one process each, 70 min in all (a cut run)",
    ]


def test_dry_run_lists_only_the_missing_runs(tmp_path, capsys):
    test_file = tmp_path / "test.json"
    test_file.write_text("[]", encoding="utf-8")
    entries = [{"approach": "a", "dataset": "toy", "variant": "v", "config": "c", "test": str(test_file),
                "table": "T", "seeds": [1, 2]}]
    matrix, results = _write(tmp_path, entries, [_row("a", "v", "2026-01-01", 0.5, 0.5, seed=1)])
    assert run_matrix.main(["--matrix", str(matrix), "--results", str(results), "--table", str(tmp_path / "R.md"),
                            "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == ["would run: a toy [v] seed 2"]


def test_only_selects_entries_by_approach_dataset_variant_or_table(tmp_path, capsys):
    test_file = tmp_path / "test.json"
    test_file.write_text("[]", encoding="utf-8")
    runs = [("a", "toy", "v", "T"), ("a", "toy", "fast", "T"), ("b", "other", "v", "U")]
    entries = [{"approach": a, "dataset": d, "variant": v, "config": "c", "test": str(test_file), "table": t,
                "seeds": [1]} for a, d, v, t in runs]
    matrix, results = _write(tmp_path, entries, [])
    arguments = ["--matrix", str(matrix), "--results", str(results), "--table", str(tmp_path / "R.md"),
                 "--dry-run", "--only"]
    expected = {"a": ["a toy [v]", "a toy [fast]"], "other": ["b other [v]"], "fast": ["a toy [fast]"],
                "v": ["a toy [v]", "b other [v]"], "U": ["b other [v]"]}
    for only, runs in expected.items():
        assert run_matrix.main(arguments + [only]) == 0
        assert capsys.readouterr().out.splitlines() == [f"would run: {run} seed 1" for run in runs]


def test_a_recorded_run_is_not_rerun(tmp_path, capsys):
    spert = FIXTURES / "spert_json"
    entry = {
        "approach": "spert", "dataset": "fixture", "variant": "1 epoch", "table": "Fixture",
        "config": str(PROJECT_ROOT / "training_configs" / "spert" / "conll04.jsonnet"),
        "test": str(spert / "conll04_like_test.json"), "seeds": [1, 2], "epochs": 1,
        "env": tiny_bert_environment(NUM_EPOCHS=None, BATCH_SIZE=None),
    }
    recorded = _row("spert", "1 epoch", "2026-01-01", 0.5, 0.5, seed=1, dataset="fixture")
    matrix, results = _write(tmp_path, [entry], [recorded])
    arguments = ["--matrix", str(matrix), "--results", str(results), "--table", str(tmp_path / "R.md"),
                 "--runs", str(tmp_path / "runs")]
    assert run_matrix.main(arguments) == 0
    rows = results_tables.load_rows(results)
    assert [(r["seed"], r["epochs"]) for r in rows] == [(1, 3), (2, 1)]  # seed 1 kept as it was, seed 2 ran
    assert rows[1]["encoder"] == "tiny_bert" and 0.0 <= rows[1]["ner_f1"] <= 1.0
    assert (tmp_path / "runs").is_dir() and "2/2 seeds (1, 2)" in (tmp_path / "R.md").read_text(encoding="utf-8")
    capsys.readouterr()
    assert run_matrix.main(arguments) == 0
    assert "nothing to run" in capsys.readouterr().out
    assert len(results_tables.load_rows(results)) == 2


def test_an_entrys_environment_names_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("JOINTIE_DATA_DIR", str(tmp_path))
    entry = results_tables.Entry(approach="a", dataset="d", variant="v", config="c", test="{data_dir}/t.json",
                                 table="T", env={"TRAIN_DATA_PATH": "{data_dir}/conll04/train.json", "SEED": 3})
    assert entry.environment() == {"TRAIN_DATA_PATH": f"{tmp_path}/conll04/train.json", "SEED": "3"}
    assert entry.test_path() == f"{tmp_path}/t.json"



FAKE_RUN_BENCHMARK = """
import argparse, json, os, sys, time
parser = argparse.ArgumentParser()
parser.add_argument("config")
for option in ("--approach", "--dataset", "--variant", "--test", "--seed", "--threads", "--serialization-dir",
               "--results"):
    parser.add_argument(option)
args, _ = parser.parse_known_args()
start = time.time()
open_files = []
for fd in os.listdir("/proc/self/fd"):
    try:
        open_files.append(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        pass  # the listing's own descriptor
time.sleep(1.0)
row = json.loads(os.environ["ROW"]); row["seed"] = int(args.seed)
row.update(started=start, train_seconds=time.time() - start,
           holds_lock=any(path.endswith(args.serialization_dir.rsplit("/", 1)[1] + ".lock") for path in open_files))
with open(args.results, "a") as results:
    results.write(json.dumps(row) + "\\n")
"""

HOLD = """
import fcntl, sys, time
lock = open(sys.argv[1], "a"); fcntl.flock(lock, fcntl.LOCK_EX); print("held", flush=True); time.sleep(60)
"""


def test_jobs_run_at_once_and_a_run_held_by_another_process_is_left_to_it(tmp_path, monkeypatch, capsys):
    import subprocess

    test_file = tmp_path / "test.json"
    test_file.write_text("[]", encoding="utf-8")
    entries = [{"approach": "a", "dataset": "toy", "variant": "v", "config": "c", "test": str(test_file),
                "table": "T", "seeds": [1, 2, 3]}]
    matrix, results = _write(tmp_path, entries, [])
    fake = tmp_path / "benchmarks"
    fake.mkdir()
    (fake / "run_benchmark.py").write_text(FAKE_RUN_BENCHMARK, encoding="utf-8")
    monkeypatch.setattr(run_matrix, "BENCHMARKS", fake)
    monkeypatch.setenv("ROW", json.dumps(_row("a", "v", "2026-01-01", 0.5, 0.5)))
    runs = tmp_path / "runs"
    third = run_matrix.run_directory(runs, results_tables.load_matrix(matrix)[0], "seed", 3)
    third.parent.mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(run_matrix.RunLock(third).path)],
                              stdout=subprocess.PIPE, text=True)
    arguments = ["--matrix", str(matrix), "--results", str(results), "--table", str(tmp_path / "R.md"),
                 "--runs", str(runs), "--jobs", "2"]
    try:
        assert holder.stdout.readline().strip() == "held"
        assert run_matrix.main(arguments) == 0
        rows = {row["seed"]: row for row in results_tables.load_rows(results)}
        assert sorted(rows) == [1, 2]  # seed 3 is another process's
        first, second = sorted((rows[1]["started"], rows[2]["started"]))
        assert second - first < rows[1]["train_seconds"]  # the two runs overlapped
        assert [rows[s]["holds_lock"] for s in (1, 2)] == [True, True]
        assert "seed 3: running in another process" in capsys.readouterr().out
    finally:
        holder.kill()
        holder.wait()
    assert run_matrix.main(arguments) == 0  # the lock is free again: seed 3 runs
    assert sorted(row["seed"] for row in results_tables.load_rows(results)) == [1, 2, 3]


def test_max_runs_counts_only_runs_that_ran_and_a_failing_run_does_not_stop_the_others(tmp_path, monkeypatch):
    test_file = tmp_path / "test.json"
    test_file.write_text("[]", encoding="utf-8")
    entries = [{"approach": "a", "dataset": "toy", "variant": "v", "config": "c", "test": str(test_file),
                "table": "T", "seeds": [1, 2, 3, 4]}]
    matrix, results = _write(tmp_path, entries, [])
    started = []

    def fake_run_one(entry, kind, value, runs, results_file):
        started.append(value)
        if value == 1:
            return None  # held by another process: does not count
        if value == 2:
            raise OSError("disk full")  # counts as failed; the next run still starts
        with open(results_file, "a") as handle:
            handle.write(json.dumps(_row("a", "v", "2026-01-01", 0.5, 0.5, seed=value)) + "\n")
        return 0

    monkeypatch.setattr(run_matrix, "run_one", fake_run_one)
    arguments = ["--matrix", str(matrix), "--results", str(results), "--table", str(tmp_path / "R.md"),
                 "--max-runs", "2"]
    assert run_matrix.main(arguments) == 1  # one of the two runs failed
    assert started == [1, 2, 3]
    assert [row["seed"] for row in results_tables.load_rows(results)] == [3]


def test_a_row_being_appended_is_not_read_as_an_error(tmp_path):
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps({"seed": 1}) + "\n" + '{"seed": 2, "ner', encoding="utf-8")
    assert results_tables.load_rows(results) == [{"seed": 1}]
    results.write_text(json.dumps({"seed": 1}) + "\n" + '{"seed": 2, "ner\n', encoding="utf-8")
    try:
        results_tables.load_rows(results)
    except ValueError as error:
        assert "results.jsonl:2" in str(error)
    else:
        raise AssertionError("a broken finished line must be an error")
