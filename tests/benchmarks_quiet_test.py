"""benchmarks/quiet.py: trainings stand still while a measurement runs, and their rows leave the pause out."""
import json
import subprocess
import sys
import time

from tests.conftest import load_benchmark

WORKER = """
import sys, time
with open(sys.argv[1] + ".child", "a") as ticks:
    while True:
        ticks.write(f"{time.time()}\\n"); ticks.flush(); time.sleep(0.02)
"""

PARENT = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", %r, sys.argv[1]])
with open(sys.argv[1] + ".parent", "a") as ticks:
    while True:
        ticks.write(f"{time.time()}\\n"); ticks.flush(); time.sleep(0.02)
""" % WORKER


def _longest_gap(path, start, end):
    times = [float(line) for line in path.read_text().split()]
    inside = [start] + [t for t in times if start <= t <= end] + [end]
    return max(b - a for a, b in zip(inside, inside[1:])), times[-1]


def test_trainings_stand_still_during_the_measurement_and_continue_after(tmp_path):
    quiet = load_benchmark("quiet")
    run_dir, elsewhere = tmp_path / "runs" / "a", tmp_path / "other"
    run_dir.mkdir(parents=True)
    elsewhere.mkdir()
    training = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path / "ticks"),
                                 "--serialization-dir", str(run_dir)])
    other = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path / "other_ticks"),
                              "--serialization-dir", str(elsewhere)])
    try:
        time.sleep(1.5)
        assert set(quiet.trainings(exclude=0, under=tmp_path / "runs").values()) == {run_dir.resolve()}
        start = time.time()
        status = quiet.main(["--settle", "0", "--under", str(tmp_path / "runs"), "--",
                             sys.executable, "-c", "import time, sys; time.sleep(1.5); sys.exit(3)"])
        end = time.time()
        assert status == 3  # the measurement's own exit status
        time.sleep(0.5)
        for name in ("ticks.parent", "ticks.child"):  # the training and its worker stood still, then went on
            gap, last = _longest_gap(tmp_path / name, start, end)
            assert gap >= 1.4 and last > end, name
        gap, _ = _longest_gap(tmp_path / "other_ticks.parent", start, end)
        assert gap < 1.0  # a training outside --under ran on
        assert 1.4 <= quiet.paused_seconds(run_dir) <= end - start + 0.5
        assert quiet.paused_seconds(elsewhere) == 0.0
    finally:
        for process in (training, other):
            subprocess.run(["pkill", "-P", str(process.pid)])
            process.kill()


def test_only_training_command_lines_count():
    quiet = load_benchmark("quiet")
    assert str(quiet.serialization_dir(["allennlp", "train", "c.jsonnet", "-s", "runs/x"], "/w")) == "/w/runs/x"
    benchmark = ["python", "run_benchmark.py", "--serialization-dir=runs/y"]
    assert str(quiet.serialization_dir(benchmark, "/w")) == "/w/runs/y"
    assert quiet.serialization_dir(["pytest", "-s", "tests"], "/w") is None  # pytest's -s is not a directory


def test_a_row_leaves_the_pause_out_of_the_training_time(tmp_path):
    run_benchmark = load_benchmark("run_benchmark")
    for epoch, duration in enumerate(["0:10:00", "0:20:00"]):
        (tmp_path / f"metrics_epoch_{epoch}.json").write_text(json.dumps({"training_duration": duration}))
    assert run_benchmark.training_seconds(tmp_path, {}, 0.0) == 1200.0
    load_benchmark("quiet").add_paused_seconds(tmp_path, 300.0)
    assert run_benchmark.training_seconds(tmp_path, {}, 0.0) == 900.0
