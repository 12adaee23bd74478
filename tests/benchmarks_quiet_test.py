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
        assert 1.4 <= quiet.paused_within(run_dir, start - 1, end + 1) <= end - start + 0.5
        assert quiet.paused_intervals(elsewhere) == []
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


def test_a_row_leaves_out_the_part_of_a_pause_inside_what_it_times(tmp_path):
    import os

    run_benchmark, quiet = load_benchmark("run_benchmark"), load_benchmark("quiet")
    t0 = 1_800_000_000.0
    for epoch, (duration, end) in enumerate([("0:10:00", t0 + 600), ("0:20:00", t0 + 1200)]):
        path = tmp_path / f"metrics_epoch_{epoch}.json"
        path.write_text(json.dumps({"training_duration": duration}))
        os.utime(path, (end, end))
    assert run_benchmark.epoch_spans(tmp_path) == [(t0, t0 + 600), (t0 + 600, t0 + 1200)]
    assert run_benchmark.training_seconds(tmp_path, {}, 0.0) == 1200.0
    quiet.record_pause(tmp_path, t0 + 1100, t0 + 1400)  # 100 s of it inside epoch 1, the rest after it
    quiet.record_pause(tmp_path, t0 - 300, t0 - 200)  # before the training (reading the data)
    assert quiet.paused_within(tmp_path, t0, t0 + 1200) == 100.0
    assert run_benchmark.training_seconds(tmp_path, {}, 0.0) == 1100.0
    # a restart (--recover): the third epoch's duration counts from its own process's start
    path = tmp_path / "metrics_epoch_2.json"
    path.write_text(json.dumps({"training_duration": "0:05:00"}))
    os.utime(path, (t0 + 2000, t0 + 2000))
    assert run_benchmark.epoch_spans(tmp_path)[2] == (t0 + 1700, t0 + 2000)
    assert run_benchmark.training_seconds(tmp_path, {}, 0.0) == 1400.0


def test_the_trainings_continue_when_the_quiet_window_is_terminated(tmp_path):
    import signal

    run_dir = tmp_path / "runs" / "a"
    run_dir.mkdir(parents=True)
    training = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path / "ticks"),
                                 "--serialization-dir", str(run_dir)])
    script = str(load_benchmark("quiet").__file__)
    try:
        time.sleep(1.0)
        window = subprocess.Popen([sys.executable, script, "--settle", "0", "--under", str(tmp_path / "runs"), "--",
                                   sys.executable, "-c", "import time; time.sleep(60)"], stderr=subprocess.PIPE,
                                  text=True)
        assert "stopped" in window.stderr.readline()
        time.sleep(1.0)
        window.send_signal(signal.SIGTERM)
        assert window.wait(timeout=20) == 128 + signal.SIGTERM
        stopped_at = time.time()
        time.sleep(0.5)
        for name in ("ticks.parent", "ticks.child"):  # both run again
            assert float((tmp_path / name).read_text().split()[-1]) > stopped_at, name
        assert len(load_benchmark("quiet").paused_intervals(run_dir)) == 1
    finally:
        subprocess.run(["pkill", "-P", str(training.pid)])
        training.kill()


def test_a_restart_in_the_middle_of_an_epoch_counts_the_stopped_process_s_work_too(tmp_path):
    import datetime
    import os

    run_benchmark = load_benchmark("run_benchmark")
    t0 = 1_800_000_000.0

    def line(t, text):
        return datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S,000") + " - INFO - " + text + "\n"

    def metrics(epoch, duration, end):
        path = tmp_path / f"metrics_epoch_{epoch}.json"
        path.write_text(json.dumps({"training_duration": duration}))
        os.utime(path, (end, end))

    trainer = "allennlp.training.gradient_descent_trainer - Epoch"
    first = [line(t0, "allennlp.common.params - random_seed = 13370"), line(t0 + 10, f"{trainer} 0/1"),
             line(t0 + 610, f"{trainer} 1/1"), line(t0 + 900, "tqdm - batch_loss: 0.1 ||: 50%")]  # stopped here
    second = [line(t0 + 1000, "allennlp.common.params - random_seed = 13370"), line(t0 + 1020, f"{trainer} 0/1"),
              line(t0 + 1021, f"{trainer} 1/1"), line(t0 + 1300, "tqdm - batch_loss: 0.1 ||: 100%")]
    (tmp_path / "out.log").write_text("".join(first + ["a line of a traceback, without a time\n"] + second))
    metrics(0, "0:10:00", t0 + 610)
    metrics(1, "0:05:00", t0 + 1300)  # counted from the restart
    assert run_benchmark.interrupted_spans(tmp_path) == [(t0 + 610, t0 + 900)]
    assert run_benchmark.training_seconds(tmp_path, {}, 0.0) == 600 + 300 + 290
    # a process stopped after it finished its epoch (its metrics written before its last line) lost nothing
    metrics(1, "0:05:00", t0 + 800)
    assert run_benchmark.interrupted_spans(tmp_path) == []
    # one process: nothing interrupted
    (tmp_path / "out.log").write_text("".join(first))
    assert run_benchmark.interrupted_spans(tmp_path) == []
