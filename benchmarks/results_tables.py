"""
The results page docs/results.md, generated from benchmarks/results.jsonl (one row per run) and the
run list benchmarks/matrix.json: one table per matrix group with the mean ± sample standard
deviation over the seeds or folds of each entry and the runs still pending, the RuREBus tables
(`rurebus_tables`), then every recorded row.

A row belongs to a matrix entry when its approach, dataset and variant are the entry's and its
`seed` (or `fold`) is one the entry lists; rows recorded without a `seed` ran with the configs'
default seed 13370.
"""
import json
import os
import statistics
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rurebus_tables import rurebus_tables

BENCHMARKS = Path(__file__).resolve().parent
RESULTS = BENCHMARKS / "results.jsonl"
TABLE = BENCHMARKS.parent / "docs" / "results.md"
MATRIX = BENCHMARKS / "matrix.json"
DEFAULT_SEED = 13370
COLUMNS = [
    ("dataset", "dataset"),
    ("approach", "approach"),
    ("variant", "variant"),
    ("encoder", "encoder"),
    ("epochs", "epochs"),
    ("ner_f1", "NER F1"),
    ("ner_macro_f1", "NER macro F1"),
    ("rel_strict_f1", "RE strict F1"),
    ("rel_strict_macro_f1", "RE strict macro F1"),
    ("rel_boundaries_f1", "RE boundaries F1"),
    ("rel_boundaries_macro_f1", "RE boundaries macro F1"),
    ("rurebus_relations_f1", "RuREBus relations F1"),
    ("minutes_per_epoch", "min / epoch"),
    ("train_sentences_per_s", "train sent/s"),
    ("inference_sentences_per_s", "infer sent/s"),
    ("peak_rss_mb", "peak RSS MB"),
    ("torch_threads", "threads"),
    ("batch_sizes", "batch train / infer"),
    ("date", "date"),
]
# the scores of a matrix table: (row key, title)
SCORES = [(key, title) for key, title in COLUMNS if key.startswith(("ner_", "rel_")) and key.endswith("f1")]


def minutes_per_epoch(row: dict) -> Optional[float]:
    """Training minutes per epoch of a row (`train_seconds / epochs / 60`), when it records both."""
    seconds, epochs = row.get("train_seconds"), row.get("epochs")
    if isinstance(seconds, (int, float)) and isinstance(epochs, int) and not isinstance(epochs, bool) and epochs > 0:
        return seconds / epochs / 60
    return None


@dataclass
class Entry:
    """One line of the matrix: a config run for several seeds, or for the folds of a data set."""

    approach: str
    dataset: str
    variant: str
    config: str
    test: str
    table: str
    seeds: List[int] = field(default_factory=list)
    folds: List[int] = field(default_factory=list)
    env: Dict[str, str] = field(default_factory=dict)
    overrides: str = ""
    epochs: Optional[int] = None
    threads: int = 1
    note: str = ""
    #: minutes one run needs, for an entry whose config has no recorded run yet, with where it comes from
    estimate: Optional[Dict[str, Any]] = None

    def runs(self) -> List[Tuple[str, int]]:
        """`("fold", k)` for every fold, else `("seed", s)` for every seed (default: 13370)."""
        if self.folds:
            return [("fold", k) for k in self.folds]
        return [("seed", s) for s in (self.seeds or [DEFAULT_SEED])]

    def test_path(self, fold: Optional[int] = None) -> str:
        """The test file: `{data_dir}` is the configs' data folder (`default_data_dir`), `{fold}` the fold."""
        from jointie_allennlp.environment import default_data_dir

        data_dir = default_data_dir()
        return self.test.format(data_dir=data_dir, fold=fold)

    def environment(self) -> Dict[str, str]:
        """The entry's `env`, with `{data_dir}` in a value replaced as in `test_path`."""
        from jointie_allennlp.environment import default_data_dir

        return {name: str(value).replace("{data_dir}", str(default_data_dir())) for name, value in self.env.items()}

    def matches(self, row: dict, kind: str, value: int) -> bool:
        if (row.get("approach"), row.get("dataset"), row.get("variant")) != (self.approach, self.dataset, self.variant):
            return False
        if kind == "fold":
            return row.get("fold") == value
        return row.get("fold") is None and row.get("seed", DEFAULT_SEED) == value


def load_matrix(path: Path = MATRIX) -> List[Entry]:
    """The entries of a matrix file (`{"entries": [...]}`), with a clear error naming a bad one."""
    if not path.exists():
        return []
    items = json.loads(path.read_text(encoding="utf-8"))["entries"]
    entries = []
    for number, item in enumerate(items):
        try:
            entries.append(Entry(**item))
        except TypeError as error:
            raise ValueError(f"{path}: entry {number}: {error}") from error
        if entries[-1].seeds and entries[-1].folds:
            raise ValueError(f"{path}: entry {number}: give seeds or folds, not both")
    return entries


def load_rows(path: Path = RESULTS) -> List[dict]:
    if not path.exists():
        return []
    rows = []
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                if number == len(lines) and not text.endswith("\n"):
                    break  # a row another process is appending at this moment
                raise ValueError(f"{path}:{number}: invalid JSON ({error.msg})") from error
    return rows


def row_for(entry: Entry, kind: str, value: int, rows: Sequence[dict]) -> Optional[dict]:
    """The latest recorded row of one run of an entry, if any."""
    found = [row for row in rows if entry.matches(row, kind, value)]
    return found[-1] if found else None


def _percent(values: Sequence[float]) -> str:
    if not values:
        return ""
    mean = 100 * statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.2f}"
    return f"{mean:.2f} ± {100 * statistics.stdev(values):.2f}"


def _mean(values: Sequence[Optional[float]]) -> str:
    """The mean of the numbers among `values` to one decimal, or empty when there are none."""
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return f"{statistics.fmean(numbers):.1f}" if numbers else ""


def _distinct(values) -> str:
    seen = []
    for value in values:
        if value not in seen and value not in (None, ""):
            seen.append(value)
    return ", ".join(str(v) for v in seen)


def time_needed(entry: Entry, runs: int, rows: Sequence[dict]) -> str:
    """What `runs` more runs of `entry` need: the mean training time of its own recorded runs, else
    the entry's `estimate` (`{"minutes": ..., "from": ...}`), else the mean of its config's runs (any
    variant)."""
    def mean_minutes(selected: Sequence[dict]) -> Optional[float]:
        seconds = [row["train_seconds"] for row in selected if isinstance(row.get("train_seconds"), (int, float))]
        return sum(seconds) / len(seconds) / 60 if seconds else None

    own = mean_minutes([row for row in rows if (row.get("approach"), row.get("dataset"), row.get("variant"))
                        == (entry.approach, entry.dataset, entry.variant)])
    of_config = mean_minutes([row for row in rows if row.get("config") == entry.config])
    if own is not None:
        minutes, source = own, "the mean of its recorded runs"
    elif entry.estimate:
        minutes, source = float(entry.estimate["minutes"]), entry.estimate["from"]
    elif of_config is not None:
        minutes, source = of_config, "the mean of the recorded runs of its config"
    else:
        return "time needed: unknown (no recorded run of its config)"
    total = minutes * runs
    hours = f"{total / 60:.1f} h" if total >= 90 else f"{total:.0f} min"
    return f"about {minutes:.0f} min of one process each, {hours} in all ({source})"


def matrix_tables(entries: Sequence[Entry], rows: Sequence[dict]) -> str:
    """Markdown: one table per matrix group, then the pending runs."""
    lines: List[str] = []
    pending: List[str] = []
    groups: Dict[str, List[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.table, []).append(entry)
    for table, members in groups.items():
        lines += [
            f"**{table}** (F1 in percent, mean ± sample standard deviation over the runs; micro and macro)",
            "",
            "| approach | variant | runs | " + " | ".join(title for _, title in SCORES)
            + " | min / epoch | infer sent/s | encoder | epochs | threads | date |",
            "|" + "---|" * (9 + len(SCORES)),
        ]
        for entry in members:
            found, missing = [], []
            for kind, value in entry.runs():
                row = row_for(entry, kind, value, rows)
                (found if row else missing).append((kind, value, row))
            if missing:
                kind = missing[0][0]
                values = ", ".join(str(value) for _, value, _ in missing)
                pending.append(
                    f"`{entry.approach}` on {entry.dataset}, {entry.variant}: {kind}{'s' if len(missing) > 1 else ''} "
                    f"{values}; {time_needed(entry, len(missing), rows)}"
                )
            done = [row for _, _, row in found]
            kind = "folds" if entry.folds else "seeds"
            runs = f"{len(done)}/{len(entry.runs())} {kind}"
            if done:
                runs += " (" + ", ".join(str(v) for _, v, _ in found) + ")"
            scores = [
                _percent([row[key] for row in done if isinstance(row.get(key), (int, float))]) for key, _ in SCORES
            ]
            speeds = [_mean([minutes_per_epoch(row) for row in done]),
                      _mean([row.get("inference_sentences_per_s") for row in done])]
            dates = sorted(row.get("date", "") for row in done if row.get("date"))
            date = (dates[0] if dates[0] == dates[-1] else f"{dates[0]} – {dates[-1]}") if dates else ""
            variant = entry.variant + (f" ({entry.note})" if entry.note else "")
            lines.append(
                f"| `{entry.approach}` | {variant} | {runs} | " + " | ".join(scores + speeds)
                + f" | {_distinct(r.get('encoder') for r in done)} | {_distinct(r.get('epochs') for r in done)}"
                + f" | {_distinct(r.get('torch_threads') for r in done)} | {date} |"
            )
        lines.append("")
    if pending:
        lines += ["Pending runs (`make results` runs those whose test data is at hand; it resumes where it stopped):",
                  ""]
        lines += [f"- {item}" for item in pending]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _cell(key: str, value) -> str:
    if isinstance(value, float):
        return f"{100 * value:.2f}" if key.endswith("f1") else f"{value:.1f}"
    return "" if value is None else str(value)


def _percent_cell(value: Optional[float]) -> str:
    return _percent([] if value is None else [value])


def _run_cells(run: dict) -> str:
    return f"{run['wall_s']:.1f} / {run['cpu_s']:.1f} / {run['peak_rss_mb']:.0f}"


def _machine_cell(row: dict) -> str:
    """The CPU a timing row ran on: its model and precision flags, or `not recorded` (compare only like with like)."""
    if not row.get("cpu_flags") and not row.get("cpu_model"):
        return "not recorded"
    return f"{row.get('cpu_model', '?')} ({_flags_cell(row)})"


def _flags_cell(row: dict) -> str:
    """A timing row's CPU precision flags and, when recorded, the kernels torch used."""
    kernels = f"; torch: {row['cpu_capability']}" if row.get("cpu_capability") else ""
    return f"{' '.join(row.get('cpu_flags') or []) or 'no precision flags'}{kernels}"


# The rows with a `kind`: (kind, title, intro lines, column titles, row -> cells).
KIND_TABLES = (
    ("startup", "Start-up (`benchmarks/startup.py`)",
     ["Median of the runs; CPU = user + system seconds (less sensitive to a busy machine than wall",
      "time); load = the 1-minute load average when the runs started; CPU = the machine's model and",
      "precision flags (figures compare only between rows of one machine)."],
     ["command", "runs", "wall s", "CPU s", "peak RSS MB", "threads", "load", "CPU", "note", "date"],
     lambda row: [f"`{row['command']}`", row["runs"], row["wall_s"], row["cpu_s"], row["peak_rss_mb"],
                  row["torch_threads"], row.get("load_average"), _machine_cell(row), row.get("note", ""),
                  row["date"]]),
    ("throughput", "Prediction throughput (`benchmarks/predict_throughput.py`)",
     ["Whole commands, start-up included: input lines per second of wall time (median of the runs);",
      "load = the 1-minute load average when the batch size's runs started; CPU = the machine's model and",
      "precision flags (figures compare only between rows of one machine)."],
     ["command", "input", "lines", "batch", "overrides / precision", "lines/s", "wall s", "CPU s", "peak RSS MB",
      "threads", "load", "CPU", "note", "date"],
     lambda row: [f"`{row['command']}`", row["input"], row["lines"], row["batch_size"],
                  " ".join(filter(None, [f"`{row['overrides']}`" if row.get("overrides") else "",
                                         f"`--precision {row['precision']}`" if row.get("precision") else ""])),
                  row["lines_per_s"], row["wall_s"],
                  row["cpu_s"], row["peak_rss_mb"], row["torch_threads"], row.get("load_average"),
                  _machine_cell(row), row.get("note", ""), row["date"]]),
    ("precision", "Inference precision (`benchmarks/precision_candidates.py`)",
     ["The evaluation loop over the test file in each precision (median of the repeats, interleaved);",
      "int8-all: every linear layer per tensor; int8-encoder: the encoder's per channel, attention output,",
      "heads and LayerNorm in fp32; int8-onnx: the encoder through ONNX Runtime, int8 weights per channel,",
      "heads in fp32. flags: the CPU's, and the kernels torch used. load = the 1-minute load average when the",
      "runs started. linear layers / all: with `--profile`, the self CPU seconds of the linear layers' kernels",
      "and of the whole pass under `torch.profiler` (one more pass)."],
     ["candidate", "archive", "test", "sentences", "median s", "sentences/s", "NER F1", "RE strict F1",
      "linear layers / all (profiled s)", "threads", "CPU", "flags", "load", "note", "date"],
     lambda row: [row["candidate"], row["archive"], row["test"], row["instances"], row["seconds_median"],
                  row["sentences_per_s"], _percent_cell(row["ner_f1"]), _percent_cell(row["rel_strict_f1"]),
                  f"{row['profile']['linear_s']:.2f} / {row['profile']['total_s']:.2f}" if row.get("profile") else "",
                  row["threads"], row["cpu_model"],
                  _flags_cell(row),
                  row.get("load_average"),
                  row.get("note", ""), row["date"]]),
    ("time_to_accuracy", "Time to accuracy (`benchmarks/time_to_accuracy.py`)",
     ["Final runs (train+dev, last epoch) scored on the test file after every epoch; train s = training",
      "time to the last epoch without that scoring (also in `f1_vs_time.png`); reached = the first epoch",
      "(and its training seconds) whose NER and strict relation F1 reach the row's targets."],
     ["label", "approach", "encoder", "batch", "lr", "epochs", "threads", "train s", "NER F1", "RE strict F1",
      "targets NER / RE", "reached", "peak RSS MB", "date"],
     lambda row: [row["label"], row["approach"], row["encoder"], row["train_batch_size"], f"{row['lr']:g}",
                  row["epochs"], row["torch_threads"], row["train_seconds"], _percent_cell(row["ner_f1"]),
                  _percent_cell(row["rel_strict_f1"]),
                  f"{row['targets'].get('ner_f1')} / {row['targets'].get('rel_strict_f1')}",
                  f"epoch {row['reached']['epoch']}, {row['reached']['train_seconds']:.0f} s" if row.get("reached")
                  else "no", row["peak_rss_mb"], row["date"]]),
    ("side_by_side", "Side by side (`benchmarks/side_by_side.py`)",
     ["Both commands started together, each with the given threads; wall time and peak RSS per command."],
     ["label", "threads", "ours: wall s / CPU s / peak RSS MB", "theirs: wall s / CPU s / peak RSS MB",
      "wall ratio (theirs / ours)", "date"],
     lambda row: [row["label"], row["torch_threads"], _run_cells(row["ours"]), _run_cells(row["theirs"]),
                  f"{row['wall_ratio']:.2f}", row["date"]]),
)


def all_rows_table(rows: Sequence[dict]) -> str:
    """The training / test rows, then the start-up, throughput and side-by-side rows (rows with a `kind`)."""
    lines = [
        "| " + " | ".join(title for _, title in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for row in rows:
        if row.get("kind"):
            continue
        row = {
            **row,
            "minutes_per_epoch": minutes_per_epoch(row),
            "batch_sizes": f"{row.get('train_batch_size', '?')} / {row.get('inference_batch_size', '?')}",
        }
        lines.append("| " + " | ".join(_cell(key, row.get(key, "")) for key, _ in COLUMNS) + " |")
    for kind, title, intro, header, cells in KIND_TABLES:
        kind_rows = [row for row in rows if row.get("kind") == kind]
        if kind_rows:
            lines += ["", f"## {title}", "", *intro, "", "| " + " | ".join(header) + " |",
                      "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(_cell("", c) for c in cells(row)) + " |" for row in kind_rows]
    return "\n".join(lines) + "\n"


def render(results: Path = RESULTS, matrix: Path = MATRIX) -> str:
    """The text of the results page from the recorded rows and the matrix."""
    rows = load_rows(results)
    entries = load_matrix(matrix)
    generated = matrix_tables(entries, rows) if entries else ""
    text = [
        "# Results",
        "",
        "<!-- generated by `make results` (benchmarks/results_tables.py) from benchmarks/results.jsonl and",
        "benchmarks/matrix.json; do not edit -->",
        "",
        "Scores in percent on the test file of each row. Every row ran on the project's 2-core CPU machine",
        "(no GPU) with the row's torch threads; throughput in sentences (instances) per second, training",
        "including the validation passes; min / epoch = training seconds / epochs / 60; batch sizes:",
        "training batch / inference batch, `?` where the row does not record it; peak RSS is the whole",
        "run's, training included. RuREBus relations F1 is the shared task's score (`score --rurebus`:",
        "relations undirected). Write-ups of measurements that are not generated here are in",
        "results-notes/.",
        "",
        "Each row keeps the variant text it was recorded with. Where a RuREBus row says \"paper settings\",",
        "only the model's hyper-parameters are the papers' (learning rates, weight decay, dropout;",
        "`deeper_task_specificity`'s layer sizes and Θ); its batch size, epochs and schedule (and the",
        "RuREBus system's optimizer) are the project's own choices ([approaches/rurebus.md](approaches/rurebus.md),",
        "[approaches/deeper_task_specificity.md](approaches/deeper_task_specificity.md)).",
        "",
    ]
    if generated:
        text += ["## Runs of the matrix (`benchmarks/matrix.json`)", "", generated]
    text += [rurebus_tables(rows), "## Every recorded run", "", all_rows_table(rows)]
    return "\n".join(text)


def regenerate(results: Path = RESULTS, matrix: Path = MATRIX, table: Path = TABLE) -> None:
    """Writes the results page (default docs/results.md) from the recorded rows and the matrix."""
    table.parent.mkdir(parents=True, exist_ok=True)
    partial = table.with_name(f".{table.name}.{os.getpid()}.{threading.get_ident()}")
    partial.write_text(render(results, matrix), encoding="utf-8")
    os.replace(partial, table)  # whole: runs that end at once each write the page
