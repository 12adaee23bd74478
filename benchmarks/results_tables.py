"""
The results tables, generated from benchmarks/results.jsonl (one row per run) and the run list
benchmarks/matrix.json:

- benchmarks/RESULTS.md: every recorded row, then one table per matrix group with the mean ± sample
  standard deviation over the seeds or folds of each entry, and the runs still pending;
- README.md: the same matrix tables between `<!-- results:begin -->` and `<!-- results:end -->`.

A row belongs to a matrix entry when its approach, dataset and variant are the entry's and its
`seed` (or `fold`) is one the entry lists; rows recorded without a `seed` ran with the configs'
default seed 13370.
"""
import json
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

BENCHMARKS = Path(__file__).resolve().parent
RESULTS = BENCHMARKS / "results.jsonl"
TABLE = BENCHMARKS / "RESULTS.md"
MATRIX = BENCHMARKS / "matrix.json"
README = BENCHMARKS.parent / "README.md"
DEFAULT_SEED = 13370
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
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
    ("train_sentences_per_s", "train sent/s"),
    ("inference_sentences_per_s", "infer sent/s"),
    ("peak_rss_mb", "peak RSS MB"),
    ("torch_threads", "threads"),
    ("batch_sizes", "batch train / infer"),
    ("date", "date"),
]
# the scores of a matrix table: (row key, title)
SCORES = [(key, title) for key, title in COLUMNS if key.endswith("f1")]


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

    def runs(self) -> List[Tuple[str, int]]:
        """`("fold", k)` for every fold, else `("seed", s)` for every seed (default: 13370)."""
        if self.folds:
            return [("fold", k) for k in self.folds]
        return [("seed", s) for s in (self.seeds or [DEFAULT_SEED])]

    def test_path(self, fold: Optional[int] = None) -> str:
        """The test file: `{data_dir}` is JOINTIE_DATA_DIR (default ../shared/data), `{fold}` the fold."""
        data_dir = os.environ.get("JOINTIE_DATA_DIR") or "../shared/data"
        return self.test.format(data_dir=data_dir, fold=fold)

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
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
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


def _distinct(values) -> str:
    seen = []
    for value in values:
        if value not in seen and value not in (None, ""):
            seen.append(value)
    return ", ".join(str(v) for v in seen)


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
            + " | encoder | epochs | threads | date |",
            "|" + "---|" * (7 + len(SCORES)),
        ]
        for entry in members:
            found, missing = [], []
            for kind, value in entry.runs():
                row = row_for(entry, kind, value, rows)
                (found if row else missing).append((kind, value, row))
            if missing:
                kind = missing[0][0]
                values = ", ".join(str(value) for _, value, _ in missing)
                absent = [v for k, v, _ in missing if not Path(entry.test_path(v if k == "fold" else None)).exists()]
                pending.append(
                    f"`{entry.approach}` on {entry.dataset}, {entry.variant}: {kind}{'s' if len(missing) > 1 else ''} "
                    f"{values}" + (" (test data not found here)" if absent else "")
                )
            done = [row for _, _, row in found]
            kind = "folds" if entry.folds else "seeds"
            runs = f"{len(done)}/{len(entry.runs())} {kind}"
            if done:
                runs += " (" + ", ".join(str(v) for _, v, _ in found) + ")"
            scores = [
                _percent([row[key] for row in done if isinstance(row.get(key), (int, float))]) for key, _ in SCORES
            ]
            dates = sorted(row.get("date", "") for row in done if row.get("date"))
            date = (dates[0] if dates[0] == dates[-1] else f"{dates[0]} – {dates[-1]}") if dates else ""
            variant = entry.variant + (f" ({entry.note})" if entry.note else "")
            lines.append(
                f"| `{entry.approach}` | {variant} | {runs} | " + " | ".join(scores)
                + f" | {_distinct(r.get('encoder') for r in done)} | {_distinct(r.get('epochs') for r in done)}"
                + f" | {_distinct(r.get('torch_threads') for r in done)} | {date} |"
            )
        lines.append("")
    if pending:
        lines += ["Pending runs (`make results` runs them; it resumes where it stopped):", ""]
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


# The rows with a `kind`: (kind, title, intro lines, column titles, row -> cells).
KIND_TABLES = (
    ("startup", "Start-up (`benchmarks/startup.py`)",
     ["Median of the runs; CPU = user + system seconds (less sensitive to a busy machine than wall",
      "time); load = the 1-minute load average when the runs started."],
     ["command", "runs", "wall s", "CPU s", "peak RSS MB", "threads", "load", "note", "date"],
     lambda row: [f"`{row['command']}`", row["runs"], row["wall_s"], row["cpu_s"], row["peak_rss_mb"],
                  row["torch_threads"], row.get("load_average"), row.get("note", ""), row["date"]]),
    ("throughput", "Prediction throughput (`benchmarks/predict_throughput.py`)",
     ["Whole commands, start-up included: input lines per second of wall time (median of the runs);",
      "load = the 1-minute load average when the batch size's runs started."],
     ["command", "input", "lines", "batch", "overrides / precision", "lines/s", "wall s", "CPU s", "peak RSS MB",
      "threads", "load", "note", "date"],
     lambda row: [f"`{row['command']}`", row["input"], row["lines"], row["batch_size"],
                  " ".join(filter(None, [f"`{row['overrides']}`" if row.get("overrides") else "",
                                         f"`--precision {row['precision']}`" if row.get("precision") else ""])),
                  row["lines_per_s"], row["wall_s"],
                  row["cpu_s"], row["peak_rss_mb"], row["torch_threads"], row.get("load_average"),
                  row.get("note", ""), row["date"]]),
    ("precision", "Inference precision (`benchmarks/precision_candidates.py`)",
     ["The evaluation loop over the test file in each precision (median of the repeats, interleaved);",
      "int8-all: every linear layer per tensor; int8-encoder: the encoder's per channel, attention output,",
      "heads and LayerNorm in fp32. load = the 1-minute load average when the runs started."],
     ["candidate", "archive", "test", "sentences", "median s", "sentences/s", "NER F1", "RE strict F1", "threads",
      "CPU", "flags", "load", "note", "date"],
     lambda row: [row["candidate"], row["archive"], row["test"], row["instances"], row["seconds_median"],
                  row["sentences_per_s"], _percent_cell(row["ner_f1"]), _percent_cell(row["rel_strict_f1"]),
                  row["threads"], row["cpu_model"], " ".join(row["cpu_flags"]), row.get("load_average"),
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


def regenerate(
    results: Path = RESULTS, matrix: Path = MATRIX, table: Path = TABLE, readme: Optional[Path] = README
) -> None:
    """Rewrites RESULTS.md and the README's marked block from the recorded rows and the matrix."""
    rows = load_rows(results)
    entries = load_matrix(matrix)
    generated = matrix_tables(entries, rows) if entries else ""
    text = [
        "# Benchmark results",
        "",
        "Generated by `benchmarks/run_matrix.py` / `benchmarks/run_benchmark.py` from `results.jsonl`;",
        "do not edit by hand. Scores in percent on the test file of each row; throughput in sentences",
        "per second on this project's 2-core CPU machine, with the row's torch threads and batch sizes:",
        "training batch / inference batch, `?` where the row did not record it; peak RSS is the whole",
        "run's, training included.",
        "",
    ]
    if generated:
        text += ["## Runs of the matrix (`benchmarks/matrix.json`)", "", generated]
    text += ["## Every recorded run", "", all_rows_table(rows)]
    table.write_text("\n".join(text), encoding="utf-8")
    if readme is not None and readme.exists():
        content = readme.read_text(encoding="utf-8")
        if BEGIN in content and END in content:
            head, rest = content.split(BEGIN, 1)
            _, tail = rest.split(END, 1)
            block = "\n<!-- generated by benchmarks/run_matrix.py from benchmarks/results.jsonl; do not edit -->\n"
            readme.write_text(head + BEGIN + block + generated + END + tail, encoding="utf-8")
