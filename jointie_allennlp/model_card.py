"""
The model card of a training run: `model_card.json` and a short `README.md` in the serialization
directory and inside `model.tar.gz`.

The card holds the approach, the encoder, the data (paths and counts of documents, sentences,
entities and relations), the types learnt (entity, relation, symmetric relation types), the
epochs, the development and test metrics, the command, the date and the package versions.
The `model_card` trainer callback writes it when training ends; `complete_card` then fills in the
metrics of `metrics.json` (the test metrics exist only after training); `read_card` reads it back
from a serialization directory or an archive, and `card_text` shows it.
"""
import contextlib
import datetime
import io
import json
import os
import shlex
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Union

from jointie_allennlp.data.formats.reading import read_any

PathLike = Union[str, os.PathLike]

CARD_FILE = "model_card.json"
README_FILE = "README.md"
ARCHIVE_FILE = "model.tar.gz"
# the metrics the README shows (the card holds them all)
HEADLINE_METRICS = ("ner_f1", "rel_strict_f1", "rel_boundaries_f1", "ner_macro_f1", "rel_strict_macro_f1")

_command: Optional[str] = None


class CardError(ValueError):
    """No model card where one was asked for; the message names the path."""


@contextlib.contextmanager
def recording_command(command: str) -> Iterator[None]:
    """Cards written inside the block record `command` (by default a card records `sys.argv`)."""
    global _command
    previous, _command = _command, command
    try:
        yield
    finally:
        _command = previous


def current_command() -> str:
    """The command a card records: the one of `recording_command`, else this process's `sys.argv`."""
    if _command is not None:
        return _command
    if not sys.argv:
        return ""
    program = Path(sys.argv[0])
    name = program.parent.name if program.name == "__main__.py" else program.name  # `python -m allennlp`
    return shlex.join([name, *sys.argv[1:]])


def data_summary(path: str, tokenizer: str = "razdel", types_path: Optional[str] = None) -> Dict[str, Any]:
    """`path` and its counts of documents, sentences, entities and relations (error records of a
    prediction file, inputs that failed, are no documents)."""
    counts = {"path": path, "documents": 0, "sentences": 0, "entities": 0, "relations": 0}
    for document in read_any(path, tokenizer, types=types_path):
        if "error" in document.metadata:
            continue
        counts["documents"] += 1
        counts["sentences"] += len(document.sentences)
        counts["entities"] += len(document.entities)
        counts["relations"] += len(document.relations)
    return counts


def encoder_of(config: Dict[str, Any]) -> Optional[str]:
    """The transformer a training config encodes with (its reader's or an indexer's model name), if any."""
    reader = config.get("dataset_reader", {})
    if reader.get("transformer_model_name"):
        return reader["transformer_model_name"]
    for indexer in reader.get("token_indexers", {}).values():
        if isinstance(indexer, dict) and indexer.get("model_name"):
            return indexer["model_name"]
    return None


def package_versions() -> Dict[str, Optional[str]]:
    versions: Dict[str, Optional[str]] = {}
    for name in ("jointie_allennlp", "allennlp", "torch", "transformers"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def split_metrics(metrics: Dict[str, Any]) -> Dict[str, Dict[str, float]]:
    """
    The development and test scores of allennlp's training metrics: `best_validation_*` (the kept
    epoch's; `validation_*` when no best is recorded) and `test_*`, without the prefixes.
    """

    def numeric(prefix: str) -> Dict[str, float]:
        return {
            key[len(prefix):]: value
            for key, value in metrics.items()
            if key.startswith(prefix) and isinstance(value, (int, float)) and not isinstance(value, bool)
        }

    validation = numeric("best_validation_") or numeric("validation_")
    return {"validation": validation, "test": numeric("test_")}


def epochs_of(config: Dict[str, Any], metrics: Dict[str, Any]) -> Dict[str, Any]:
    """Configured and trained epochs, the one kept (counted from 1), and how it was chosen."""
    trainer = config.get("trainer", {})
    validated = bool(config.get("validation_data_path"))
    last = metrics.get("epoch")  # allennlp counts from 0
    kept = metrics.get("best_epoch") if validated else last
    metric = trainer.get("validation_metric", "-loss")
    return {
        "configured": trainer.get("num_epochs"),
        "trained": None if last is None else last + 1,
        "kept": None if kept is None else kept + 1,
        "selection": f"the best on the development data by {metric}" if validated else "the last (no development data)",
    }


def build_card(
    config: Dict[str, Any],
    types: Dict[str, List[str]],
    metrics: Dict[str, Any],
    command: Optional[str] = None,
) -> Dict[str, Any]:
    """
    A model card (a JSON-able dict) of a training run.

    # Parameters

    config : `Dict[str, Any]` the run's resolved config (its `config.json`).
    types : `Dict[str, List[str]]` `{"entities": [...], "relations": [...], "symmetric": [...]}`.
    metrics : `Dict[str, Any]` allennlp's training metrics (what `metrics.json` holds).
    command : `str`, optional (default = `current_command()`)
    """
    reader = config.get("dataset_reader", {})
    tokenizer = reader.get("tokenizer", "razdel")
    data = {}
    for part, key in (("train", "train_data_path"), ("validation", "validation_data_path"), ("test", "test_data_path")):
        path = config.get(key)
        data[part] = data_summary(path, tokenizer, reader.get("types_path")) if path else None
    return {
        "approach": config.get("model", {}).get("type"),
        "encoder": encoder_of(config),
        "data": data,
        "types": {key: list(types.get(key, [])) for key in ("entities", "relations", "symmetric")},
        "epochs": epochs_of(config, metrics),
        "metrics": split_metrics(metrics),
        "command": command if command is not None else current_command(),
        "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "versions": package_versions(),
    }


def card_text(card: Dict[str, Any]) -> str:
    """The card as a short Markdown page (the `README.md`; what `jointie info` prints)."""
    lines = [f"# {card.get('approach')} model", ""]
    lines.append(f"- encoder: {card.get('encoder') or 'none (word and character embeddings)'}")
    epochs = card.get("epochs", {})
    lines.append(
        f"- epochs: {epochs.get('trained')} of {epochs.get('configured')} trained; kept epoch {epochs.get('kept')}, "
        f"{epochs.get('selection')}"
    )
    versions = card.get("versions", {})
    lines.append(f"- trained {card.get('date')} with jointie_allennlp {versions.get('jointie_allennlp')}")
    lines.append(f"- command: `{card.get('command')}`")
    lines += ["", "## Data", "", "| part | path | documents | sentences | entities | relations |"]
    lines.append("|---|---|---|---|---|---|")
    for part, summary in card.get("data", {}).items():
        if summary is None:
            lines.append(f"| {part} | none | | | | |")
        else:
            lines.append(
                f"| {part} | {summary['path']} | {summary['documents']} | {summary['sentences']} | "
                f"{summary['entities']} | {summary['relations']} |"
            )
    types = card.get("types", {})
    lines += ["", "## Types", ""]
    lines.append(f"- entity types: {', '.join(types.get('entities', [])) or 'none'}")
    lines.append(f"- relation types: {', '.join(types.get('relations', [])) or 'none'}")
    lines.append(f"- symmetric relation types: {', '.join(types.get('symmetric', [])) or 'none'}")
    lines += ["", "## Scores", ""]
    scores = card.get("metrics", {})
    shown = [m for m in HEADLINE_METRICS if any(m in scores.get(part, {}) for part in ("validation", "test"))]
    if not shown:
        lines.append("No development or test data was scored.")
    else:
        lines += ["| metric | development | test |", "|---|---|---|"]
        for name in shown:
            cells = [
                f"{100 * scores[part][name]:.2f}" if name in scores.get(part, {}) else "-"
                for part in ("validation", "test")
            ]
            lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def write_card(directory: PathLike, card: Dict[str, Any]) -> None:
    """Writes `model_card.json` and `README.md` into `directory`."""
    directory = Path(directory)
    (directory / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (directory / README_FILE).write_text(card_text(card), encoding="utf-8")


def complete_card(serialization_dir: PathLike, command: Optional[str] = None) -> bool:
    """
    Fills the card of a serialization directory with the metrics of its `metrics.json` (and
    `command`, when given). Returns whether the card changed; `False` without a card or metrics.
    """
    directory = Path(serialization_dir)
    card_path, metrics_path = directory / CARD_FILE, directory / "metrics.json"
    if not card_path.is_file():
        return False
    card = json.loads(card_path.read_text(encoding="utf-8"))
    updated = dict(card)
    if metrics_path.is_file():
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        scores = split_metrics(metrics)
        updated["metrics"] = {part: scores[part] or card["metrics"].get(part, {}) for part in scores}
    if command is not None:
        updated["command"] = command
    if updated == card:
        return False
    write_card(directory, updated)
    return True


def put_card_in_archive(serialization_dir: PathLike) -> None:
    """Replaces (or adds) the card files inside `<serialization_dir>/model.tar.gz` by the directory's."""
    directory = Path(serialization_dir)
    archive = directory / ARCHIVE_FILE
    names = (CARD_FILE, README_FILE)
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tar.gz")
    os.close(handle)
    try:
        with tarfile.open(archive, "r:gz") as source, tarfile.open(temporary, "w:gz") as target:
            for member in source.getmembers():
                if member.name not in names:
                    target.addfile(member, source.extractfile(member) if member.isfile() else None)
            for name in names:
                target.add(directory / name, arcname=name)
        os.replace(temporary, archive)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def read_card(archive_or_directory: PathLike) -> Dict[str, Any]:
    """The card of a serialization directory or a `model.tar.gz`; `CardError` naming the path otherwise."""
    path = Path(archive_or_directory)
    if path.is_dir():
        if (path / CARD_FILE).is_file():
            return json.loads((path / CARD_FILE).read_text(encoding="utf-8"))
        if (path / ARCHIVE_FILE).is_file():
            return read_card(path / ARCHIVE_FILE)
        raise CardError(f"{path}: no {CARD_FILE} (nor {ARCHIVE_FILE} holding one) in this directory")
    if not path.exists():
        raise CardError(f"{path}: no such file or directory")
    try:
        with tarfile.open(path, "r:*") as archive:
            try:
                member = archive.extractfile(CARD_FILE)
            except KeyError:
                member = None
            if member is None:
                raise CardError(f"{path}: the archive holds no {CARD_FILE}")
            return json.load(io.TextIOWrapper(member, encoding="utf-8"))
    except tarfile.TarError as error:
        raise CardError(f"{path}: not a model archive ({error})") from None
