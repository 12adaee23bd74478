"""
Trains a config, evaluates the best model on a test file, prints the numbers and appends one row
to benchmarks/results.jsonl (and regenerates the results page docs/results.md, see
results_tables.py). `benchmarks/run_matrix.py` (`make results`) calls it for every run of
benchmarks/matrix.json that has no row yet.

    .venv/bin/python benchmarks/run_benchmark.py training_configs/spert/conll04.jsonnet \
        --approach spert --dataset conll04 --test ../shared/data/conll04/conll04_test.json

Environment variables (TRANSFORMER_MODEL, TRAIN_DATA_PATH, NUM_EPOCHS, ...) reach the config as
usual; `--epochs` sets NUM_EPOCHS. Times are wall-clock on this machine; throughput is sentences
(instances) per second, training including the validation passes the config asks for.
"""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from quiet import paused_within  # noqa: E402
from results_tables import COLUMNS, DEFAULT_SEED, MATRIX, RESULTS, TABLE, regenerate  # noqa: E402  (the one renderer)

BENCHMARKS = Path(__file__).resolve().parent


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def thread_env(threads: Optional[int], env: Optional[dict] = None) -> dict:
    """A copy of `env` (default: this process's) with OMP/MKL threads set to `threads` (when given)."""
    env = dict(os.environ if env is None else env)
    if threads:
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(threads)
    return env


# Runs argv[2:] and writes its own child's rusage to argv[1]. The measured command is forked from
# this small launcher, not from the (possibly large) benchmark process: on Linux a child's peak RSS
# includes the memory of the process it was forked from.
_LAUNCHER = """
import json, os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as handle:
    json.dump({"cpu_s": round(usage.ru_utime + usage.ru_stime, 3), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
               "exit_code": os.waitstatus_to_exitcode(status)}, handle)
"""


def run_measured(
    commands: Dict[str, List[str]], env: Optional[dict] = None, cwd=None, cwds: Optional[Dict[str, str]] = None
) -> Dict[str, dict]:
    """
    Starts `commands` (name -> argv; working directory `cwds[name]`, else `cwd`) together and
    waits for all of them. Per name: `command`, `wall_s` (from the common start to its exit),
    `cpu_s` (user + system), `peak_rss_mb` (largest resident set of the command and the children
    it waited for), `exit_code`. Output goes to /dev/null; a failing command is reported, not raised.
    """
    with tempfile.TemporaryDirectory() as workdir:
        start = time.perf_counter()
        running = {}
        for number, (name, argv) in enumerate(commands.items()):
            report = Path(workdir) / f"{number}.json"
            pid = subprocess.Popen(
                [sys.executable, "-S", "-c", _LAUNCHER, str(report), *argv], env=env,
                cwd=(cwds or {}).get(name, cwd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ).pid
            running[pid] = (name, report)
        results: Dict[str, dict] = {}
        while running:
            pid, status, _ = os.wait4(-1, 0)
            if pid not in running:
                continue
            name, report = running.pop(pid)
            results[name] = {"command": " ".join(commands[name]), "wall_s": round(time.perf_counter() - start, 3)}
            if report.exists():
                results[name].update(json.loads(report.read_text()))
            else:  # the launcher itself failed
                code = os.waitstatus_to_exitcode(status)
                results[name].update({"cpu_s": None, "peak_rss_mb": None, "exit_code": code})
    return results


INFERENCE_BATCH_SIZE = 8


def _batch_size(data_loader) -> Optional[int]:
    """The training batch size of a config's `data_loader` (plain or bucket sampler)."""
    data_loader = data_loader.as_dict() if hasattr(data_loader, "as_dict") else dict(data_loader or {})
    return data_loader.get("batch_size") or data_loader.get("batch_sampler", {}).get("batch_size")


def evaluate_archive(archive_dir: Path, test_path: str, batch_size: int = INFERENCE_BATCH_SIZE) -> dict:
    """Scores the archived model on a test file; returns metrics and inference throughput (without
    the seconds of a quiet window, `quiet.py`, when `archive_dir` is a training's directory)."""
    from allennlp.data.data_loaders import SimpleDataLoader
    from allennlp.models.archival import load_archive
    from allennlp.training.util import evaluate

    archive = load_archive(str(archive_dir / "model.tar.gz"))
    reader = archive.validation_dataset_reader
    instances = list(reader.read(test_path))
    loader = SimpleDataLoader(instances, batch_size=batch_size)
    loader.index_with(archive.model.vocab)
    start, wall_start = time.perf_counter(), time.time()
    metrics = evaluate(archive.model, loader, cuda_device=-1)
    seconds = time.perf_counter() - start - paused_within(archive_dir, wall_start, time.time())
    metrics["inference_seconds"] = seconds
    metrics["inference_sentences_per_s"] = len(instances) / seconds
    metrics["test_instances"] = len(instances)
    return metrics


def render_table() -> None:
    """Regenerates the results page (TABLE) from RESULTS and the matrix; see results_tables.py."""
    regenerate(RESULTS, MATRIX, TABLE)


def encoder_label(name: Optional[str]) -> str:
    """A row's encoder: the offline all-MiniLM-L6-v2 (also for an empty name), a built encoder's
    folder (`built:<folder>`), a local directory's last part, else the (hub) name."""
    from jointie_allennlp.encoders.offline import BUILT_PREFIX, DEFAULT_ENCODER, offline_encoder_path

    offline = offline_encoder_path()
    if not name or name == DEFAULT_ENCODER or (offline and Path(name).resolve() == Path(offline).resolve()):
        return "all-MiniLM-L6-v2 (offline)"
    if name.startswith(BUILT_PREFIX):
        return name[len(BUILT_PREFIX):]
    local = os.path.isabs(name) or name.startswith(".") or Path(name).exists()
    return Path(name.rstrip(os.path.sep)).name if local else name


def config_encoder_label(config: Dict[str, Any]) -> str:
    """The label of the encoder a resolved config's model embeds with (the first `model_name` in
    its `model` section), or `none` for a model without a pretrained transformer."""

    def model_names(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("model_name"), str):
                yield node["model_name"]
            for value in node.values():
                yield from model_names(value)
        elif isinstance(node, list):
            for value in node:
                yield from model_names(value)

    name = next(model_names(config.get("model", {})), None)
    return encoder_label(name) if name is not None else "none"


def finished_or_last_epoch_metrics(serialization_dir: Path) -> dict:
    """`metrics.json` of a finished training; for one stopped between epochs, the last epoch's
    metrics, and the archive is made from the best weights so far."""
    final = serialization_dir / "metrics.json"
    if final.is_file():
        return json.loads(final.read_text())
    epochs = sorted(serialization_dir.glob("metrics_epoch_*.json"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    if not epochs:
        raise SystemExit(f"{serialization_dir}: no finished epoch to evaluate")
    if not (serialization_dir / "model.tar.gz").is_file():
        from allennlp.models.archival import archive_model

        archive_model(str(serialization_dir), weights="best.th")
    return json.loads(epochs[-1].read_text())


def epoch_spans(serialization_dir: Path) -> List[tuple]:
    """`(start, end)` in seconds since the epoch of every finished epoch, also across `--recover`
    restarts: allennlp writes `metrics_epoch_<n>.json` when epoch n ends, with `training_duration`
    counted from the start of the process that trained it (a value lower than the previous epoch's
    marks a restart), so an epoch ends at the file's time and lasts the difference."""
    spans, previous = [], 0.0
    paths = sorted(serialization_dir.glob("metrics_epoch_*.json"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    for path in paths:
        hours, minutes, seconds = json.loads(path.read_text())["training_duration"].split(":")
        elapsed = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        end = path.stat().st_mtime
        spans.append((end - (elapsed - previous if elapsed >= previous else elapsed), end))
        previous = elapsed
    return spans


#: a line of allennlp's `out.log`, its time; the first line a training process logs; an epoch's start
LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) - ")
PROCESS_START = "allennlp.common.params - random_seed = "
EPOCH_START = re.compile(r"gradient_descent_trainer - Epoch (\d+)/")


def interrupted_spans(serialization_dir: Path) -> List[tuple]:
    """`(start, end)` of the work on an epoch that a process stopped in the middle of (a `--recover`
    restart trains that epoch on from its last checkpoint, and `epoch_spans` counts only the
    restart's part): from allennlp's `out.log`, which every process of a run appends to, a stopped
    process's last `Epoch n/..` line to its last line, when `metrics_epoch_n.json` is written after it."""
    log = serialization_dir / "out.log"
    if not log.is_file():
        return []
    processes = []  # per process: [time of its last epoch start, that epoch, time of its last line]
    with log.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            match = LOG_LINE.match(line)
            if not match:
                continue
            moment = datetime.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
            if PROCESS_START in line or not processes:
                processes.append([None, None, moment])
            processes[-1][2] = moment
            epoch = EPOCH_START.search(line)
            if epoch:
                processes[-1][:2] = moment, int(epoch.group(1))
    spans = []
    for start, epoch, end in processes[:-1]:
        metrics = serialization_dir / f"metrics_epoch_{epoch}.json"
        if start is not None and (not metrics.is_file() or metrics.stat().st_mtime > end):
            spans.append((start, end))
    return spans


def training_spans(serialization_dir: Path) -> List[tuple]:
    """Every `(start, end)` the run trained: its finished epochs (`epoch_spans`) and the work of
    processes stopped in the middle of an epoch (`interrupted_spans`); none when no epoch finished."""
    epochs = epoch_spans(serialization_dir)
    return epochs + interrupted_spans(serialization_dir) if epochs else []


def training_seconds(serialization_dir: Path, training_metrics: dict, fallback: float) -> float:
    """Training time over `training_spans`, without the seconds the run stood still in quiet
    windows (`quiet.py`); `fallback` when no epoch finished."""
    spans = training_spans(serialization_dir)
    if not spans:
        return fallback
    return sum(end - start - paused_within(serialization_dir, start, end) for start, end in spans)


def config_settings() -> Dict[str, str]:
    """The config variables of this run that are set and that the row's other fields do not show."""
    names = ("FINAL_RUN", "BATCHING", "MAX_INSTANCES", "BATCH_SIZE", "NUM_EPOCHS", "FREEZE_WORD_EMBEDDINGS",
             "ATTENTION_DROPOUT", "GRADIENT_CHECKPOINTING", "BF16_TRAINING")
    return {name: os.environ[name] for name in names if os.environ.get(name)}


def run_facts(threads) -> dict:
    """
    The row fields that say where and when a benchmark ran: the threads asked for (`torch_threads`),
    the machine, the date, and `jointie_allennlp.precision.machine_facts`: the CPU model and its
    precision flags, torch's CPU capability, the logical CPUs, the threads used and the load average
    (1, 5, 15 minutes) when the row is made.
    """
    from jointie_allennlp.precision.cpu import machine_facts

    return {
        "torch_threads": threads,
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
        "date": datetime.date.today().isoformat(),
        **machine_facts(threads),
    }


def record_row(row: dict, no_record: bool = False, results: Optional[Path] = None) -> None:
    """Prints a row; unless `no_record`, appends it to `results` (default RESULTS) and regenerates
    the tables when that is the file they are built from."""
    print(json.dumps(row, indent=1))
    if not no_record:
        target = results or RESULTS
        with target.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")
        if target == RESULTS:
            render_table()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config")
    parser.add_argument("--approach", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--variant", default="default")
    parser.add_argument("--test", required=True, help="test file or brat directory")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--serialization-dir", default=None)
    parser.add_argument(
        "--encoder", default=None, help="encoder label for the row (default: the encoder the config's model names)"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--no-record", action="store_true", help="print only, do not append a row")
    parser.add_argument("--overrides", default="", help="JSON overrides for the config")
    parser.add_argument("--recover", action="store_true",
                        help="continue the training in --serialization-dir from its last epoch (allennlp --recover)")
    parser.add_argument("--evaluate-only", action="store_true",
                        help="no training: score the archive in --serialization-dir (made from its best.th when "
                             "the training was stopped before its last epoch)")
    parser.add_argument("--seed", type=int, help="sets SEED for the config and records it in the row")
    parser.add_argument("--fold", type=int, help="sets ADE_FOLD for the config and records it in the row")
    parser.add_argument("--results", type=Path, default=None,
                        help="the JSON lines file to append to (default benchmarks/results.jsonl)")
    args = parser.parse_args()
    if (args.recover or args.evaluate_only) and not args.serialization_dir:
        parser.error("--recover and --evaluate-only need --serialization-dir")
    import torch

    if args.epochs is not None:
        os.environ["NUM_EPOCHS"] = str(args.epochs)
    if args.seed is not None:
        os.environ["SEED"] = str(args.seed)
    if args.fold is not None:
        os.environ["ADE_FOLD"] = str(args.fold)
    if args.threads:
        torch.set_num_threads(args.threads)
    import jointie_allennlp  # noqa: F401  (registers everything, sets config defaults)
    from allennlp.commands.train import train_model_from_file
    from allennlp.common import Params

    serialization_dir = Path(
        args.serialization_dir or f"runs/{args.approach}-{args.dataset}-{args.variant}-{int(time.time())}"
    )
    params = Params.from_file(args.config, args.overrides)
    epochs = params["trainer"]["num_epochs"]
    start = time.perf_counter()
    if not args.evaluate_only:
        resume = args.recover and (serialization_dir / "config.json").is_file()
        train_model_from_file(args.config, str(serialization_dir), overrides=args.overrides, force=not resume,
                              recover=resume)
    training_metrics = finished_or_last_epoch_metrics(serialization_dir)
    train_seconds = training_seconds(serialization_dir, training_metrics, time.perf_counter() - start)
    train_instances = training_metrics.get("training_instances")
    if train_instances is None:
        from allennlp.models.archival import load_archive

        reader = load_archive(str(serialization_dir / "model.tar.gz")).dataset_reader
        train_instances = sum(1 for _ in reader.read(params["train_data_path"]))
    epochs_run = training_metrics.get("epoch", epochs - 1) + 1

    metrics = evaluate_archive(serialization_dir, args.test, INFERENCE_BATCH_SIZE)
    row = {
        "dataset": args.dataset,
        "approach": args.approach,
        "variant": args.variant,
        "encoder": args.encoder or config_encoder_label(params.as_dict(quiet=True)),
        "epochs": epochs_run,
        **{k: metrics[k] for k, _ in COLUMNS if k in metrics},
        "train_seconds": round(train_seconds, 1),
        "train_instances": train_instances,
        "train_sentences_per_s": train_instances * epochs_run / train_seconds,
        "inference_sentences_per_s": metrics["inference_sentences_per_s"],
        "peak_rss_mb": peak_rss_mb(),
        "train_batch_size": _batch_size(params.get("data_loader")),
        "inference_batch_size": INFERENCE_BATCH_SIZE,
        "train_data": params["train_data_path"],
        "test": args.test,
        "config": args.config,
        "overrides": args.overrides,
        "seed": int(os.environ.get("SEED") or DEFAULT_SEED),
        **({"fold": args.fold} if args.fold is not None else {}),
        "settings": config_settings(),
        **run_facts(torch.get_num_threads()),
    }
    record_row(row, args.no_record, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
