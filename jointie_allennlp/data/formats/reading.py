"""
`read_any`: documents from any file the package reads or writes, chosen by its kind: a brat
directory (or one `.txt` / `.ann`), SpERT JSON (`.json`), or JSON lines of input or prediction
records (anything else). What `score`, `render` and `convert` read.
"""
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import BratReport, read_brat, read_brat_directory
from jointie_allennlp.data.formats.spert_json import read_spert_json
from jointie_allennlp.data.formats.text import document_from_json, read_jsonl
from jointie_allennlp.data.output import encodable
from jointie_allennlp.data.schema import document_from_prediction_json
from jointie_allennlp.data.tokenization import get_segmenter

PathLike = Union[str, os.PathLike]

#: `(line number, reason)` of a JSON line that was skipped
Skipped = Tuple[int, str]


def error_document(item: Dict[str, Any], line: int) -> Document:
    """The error record of a prediction file as an empty document with `metadata["error"]` (for the HTML view)."""
    text = next((item[key] for key in ("text", "input") if isinstance(item.get(key), str)), "")
    identifier = item.get("id")
    document = Document(
        id=str(identifier) if identifier is not None else f"input line {item.get('input_line', line)}",
        text=text, tokens=[], token_offsets=[],
    )
    document.metadata["error"] = str(item["error"])
    return document


def _is_prediction(item: Dict[str, Any]) -> bool:
    entities = item.get("entities")
    return (
        "sentences" in item
        and isinstance(entities, list)
        and all(isinstance(e, dict) and "char_start" in e for e in entities)
    )


def read_any(
    path: PathLike,
    tokenizer: str = "razdel",
    skipped: Optional[List[Skipped]] = None,
    types: Optional[PathLike] = None,
    report: Optional[BratReport] = None,
) -> List[Document]:
    """
    Documents from a brat directory or file, SpERT JSON, or input / prediction JSON lines.

    In JSON lines, the error records of a prediction file (inputs that failed) come as empty
    documents carrying `metadata["error"]`, in their place; lone surrogates in a record (which a
    JSON `\\udXXX` escape can carry) are read as U+FFFD. A line that is not a readable record
    raises `FormatError` naming the file and line, or, when `skipped` is a list, is left out
    and appended to it as `(line, reason)`, so one bad record does not stop a whole run.

    # Parameters

    tokenizer : segmenter for raw text (brat, `{"text"}` lines): `razdel`, `whitespace`, `spacy[:<lang>]`.
    types : a SpERT `*_types.json` (default: found beside a SpERT JSON file).
    report : counts of a brat read go here.
    """
    source = Path(path)
    if not source.exists():
        raise FormatError("no such file or directory", path=str(path))
    if source.is_dir():
        return list(read_brat_directory(source, segmenter=get_segmenter(tokenizer), report=report))
    if source.suffix in (".txt", ".ann"):
        return [read_brat(source.with_suffix(".txt"), segmenter=get_segmenter(tokenizer), report=report)]
    if source.suffix == ".json":
        return read_spert_json(source, types_path=types)
    documents = []
    segmenter = get_segmenter(tokenizer)
    for line, document, raw_item in read_jsonl(source, segmenter):
        item = encodable(raw_item)
        try:
            if item.get("error"):
                documents.append(error_document(item, line))
                continue
            if _is_prediction(item):
                document = document_from_prediction_json(item, str(source), line)
            elif isinstance(document, FormatError):
                raise document
            elif item != raw_item:
                document = document_from_json(item, f"{source.stem}:{line}", segmenter, str(source), line)
        except FormatError as error:
            if skipped is None:
                raise
            skipped.append((line, error.message))
            continue
        for key in ("gold_entities", "gold_relations"):  # prediction records echo the input's gold
            if key in item:
                document.metadata[key] = item[key]
        documents.append(document)
    return documents


def skipped_summary(skipped: List[Skipped], limit: int = 10) -> Dict[str, Any]:
    """`{"skipped": N, "skipped_lines": [{"line", "reason"}, ...]}` (the first `limit` of them) for a report."""
    return {
        "skipped": len(skipped),
        "skipped_lines": [{"line": line, "reason": reason} for line, reason in skipped[:limit]],
    }


def gold_of(
    documents: List[Document], gold_path: Optional[PathLike] = None, tokenizer: str = "razdel",
    skipped: Optional[List[Skipped]] = None,
) -> Optional[Dict[str, Document]]:
    """
    Gold documents by id: read from `gold_path` (`read_any`, bad lines into `skipped`), else
    built from the predictions' echoed `gold_entities` / `gold_relations`; `None` when there are none.
    """
    from jointie_allennlp.data.document import Entity, Relation

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
