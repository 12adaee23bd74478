"""
`read_any`: one rule from a path to documents, for every caller (dataset readers, `score`,
`render`, encoder pruning):

- a directory: brat `.txt` + `.ann` files;
- a `.ann` file, or a `.txt` file with a `.ann` beside it: one brat document;
- `.json`: SpERT JSON;
- `.jsonl`: JSON lines of input (`text` / `tokens`) or prediction records;
- any other `.txt`: plain text, one document.

A prediction record (the shared schema, with `char_start` on its entities) keeps its character
offsets and scores; the gold it echoes (`gold_entities`, `gold_relations`) goes to the document's
metadata (`gold_of` reads it back). An error record of a prediction file (an input that failed)
comes as an empty document carrying `metadata["error"]`, in its place.
"""
import os
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import BratReport, read_brat, read_brat_directory
from jointie_allennlp.data.formats.spert_json import read_spert_json
from jointie_allennlp.data.formats.text import read_jsonl, read_plain_text
from jointie_allennlp.data.schema import document_from_prediction_json
from jointie_allennlp.data.tokenization import get_segmenter

PathLike = Union[str, os.PathLike]
Progress = Callable[[Iterable, str], Iterable]

#: `(line number, reason)` of a JSON line that was skipped
Skipped = Tuple[int, str]


def read_any(
    path: PathLike,
    tokenizer: str = "razdel",
    skipped: Optional[List[Skipped]] = None,
    types: Optional[PathLike] = None,
    report: Optional[BratReport] = None,
    progress: Optional[Progress] = None,
) -> List[Document]:
    """
    The documents of `path`, read by the rule of this module.

    In JSON lines, lone surrogates in a record (which a JSON `\\udXXX` escape can carry) are read
    as U+FFFD. A line that is not a readable record raises `FormatError` naming the file and line,
    or, when `skipped` is a list, is left out and appended to it as `(line, reason)`, so one bad
    record does not stop a whole run. Any other bad input raises `FormatError` naming the file and
    line or document.

    # Parameters

    path : a brat directory or file, SpERT JSON, JSON lines, or plain text.
    tokenizer : `str`, optional (default = `"razdel"`) the segmenter of brat, text and plain input:
        `razdel`, `whitespace`, `spacy[:<lang>]` (`jointie_allennlp.data.tokenization.get_segmenter`).
    skipped : `List`, optional receives the JSON lines left out (see above).
    types : a SpERT `*_types.json` (default: found beside a SpERT JSON file).
    report : `BratReport`, optional counts what reading brat input had to change.
    progress : `Callable`, optional wraps the loop over the documents as they are read (a progress bar).
    """
    documents = _documents(Path(path), tokenizer, skipped, types, report)
    return list(progress(documents, "documents") if progress is not None else documents)


def _documents(
    source: Path, tokenizer: str, skipped: Optional[List[Skipped]], types: Optional[PathLike],
    report: Optional[BratReport],
) -> Iterator[Document]:
    if not source.exists():
        raise FormatError("no such file or directory", path=str(source))
    segmenter = get_segmenter(tokenizer)
    if source.is_dir():
        yield from read_brat_directory(source, segmenter=segmenter, report=report)
    elif source.suffix == ".ann" or (source.suffix == ".txt" and source.with_suffix(".ann").exists()):
        yield read_brat(source.with_suffix(".txt"), segmenter=segmenter, report=report)
    elif source.suffix == ".json":
        yield from read_spert_json(source, types_path=types)
    elif source.suffix == ".jsonl":
        yield from _records(source, segmenter, skipped)
    elif source.suffix == ".txt":
        yield read_plain_text(source, segmenter)
    else:
        raise FormatError(
            "unknown input format (expected a brat directory, .ann, .json, .jsonl or .txt)", path=str(source)
        )


def _is_prediction(item: Dict[str, Any]) -> bool:
    entities = item.get("entities")
    return (
        "sentences" in item
        and isinstance(entities, list)
        and all(isinstance(e, dict) and "char_start" in e for e in entities)
    )


def _records(source: Path, segmenter, skipped: Optional[List[Skipped]]) -> Iterator[Document]:
    for line, document, item in read_jsonl(source, segmenter):
        try:
            if item.get("error"):
                yield error_document(item, line)
                continue
            if _is_prediction(item):
                document = document_from_prediction_json(item, str(source), line)
            elif isinstance(document, FormatError):
                raise document
        except FormatError as error:
            if skipped is None:
                raise
            skipped.append((line, error.message))
            continue
        for key in ("gold_entities", "gold_relations"):  # prediction records echo the input's gold
            if key in item:
                document.metadata[key] = item[key]
        yield document


def error_document(item: Dict[str, Any], line: int) -> Document:
    """The error record of a prediction file as an empty document with `metadata["error"]`."""
    text = next((item[key] for key in ("text", "input") if isinstance(item.get(key), str)), "")
    identifier = item.get("id")
    document = Document(
        id=str(identifier) if identifier is not None else f"input line {item.get('input_line', line)}",
        text=text, tokens=[], token_offsets=[],
    )
    document.metadata["error"] = str(item["error"])
    return document


def skipped_summary(skipped: List[Skipped], limit: int = 10) -> Dict[str, Any]:
    """`{"skipped": N, "skipped_lines": [{"line", "reason"}, ...]}` (the first `limit` of them) for a report."""
    return {
        "skipped": len(skipped),
        "skipped_lines": [{"line": line, "reason": reason} for line, reason in skipped[:limit]],
    }


def gold_of(
    documents: Iterable[Document], gold_path: Optional[PathLike] = None, tokenizer: str = "razdel",
    skipped: Optional[List[Skipped]] = None,
) -> Optional[Dict[str, Document]]:
    """
    Gold documents by id: read from `gold_path` (`read_any`, bad lines into `skipped`), else
    built from the gold that prediction records echo (`gold_entities` / `gold_relations` in their
    metadata); `None` when there is none.
    """
    if gold_path:
        return {d.id: d for d in read_any(gold_path, tokenizer, skipped)}
    gold = {}
    for document in documents:
        if "gold_entities" not in document.metadata:
            continue
        try:
            entities = [Entity(e["start"], e["end"], e["type"]) for e in document.metadata["gold_entities"]]
            relations = [Relation(r["head"], r["tail"], r["type"]) for r in document.metadata.get("gold_relations", [])]
            gold[document.id] = document.with_annotations(entities, relations)
        except (KeyError, TypeError, IndexError, ValueError) as error:
            raise FormatError(f"malformed gold_entities / gold_relations ({error!r})", document=document.id)
    return gold or None
