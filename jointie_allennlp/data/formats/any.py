"""
One rule for turning any supported path into documents, for every caller (dataset readers, the
command line, encoder pruning):

- a directory: brat `.txt` + `.ann` files;
- a `.ann` file, or a `.txt` file with a `.ann` beside it: one brat document;
- `.json`: SpERT JSON;
- `.jsonl`: JSON lines of input (`text` / `tokens`) or prediction records;
- any other `.txt`: plain text, one document.

A prediction record (the shared schema, with `char_start` on its entities) keeps its character
offsets and scores; the gold it echoes (`gold_entities`, `gold_relations`) goes to the document's
metadata. An error record of a prediction file (an input that failed) comes as an empty document
carrying `metadata["error"]`, in its place.
"""
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, Optional

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import BratReport, read_brat, read_brat_directory
from jointie_allennlp.data.formats.spert_json import read_spert_json
from jointie_allennlp.data.formats.text import read_jsonl, read_plain_text
from jointie_allennlp.data.schema import document_from_prediction_json
from jointie_allennlp.data.tokenization import get_segmenter

SUFFIXES = (".ann", ".json", ".jsonl", ".txt")


def read_any(
    path: str,
    tokenizer: str = "razdel",
    types_path: Optional[str] = None,
    report: Optional[BratReport] = None,
) -> Iterator[Document]:
    """
    The documents of `path`, read by the rule of this module. Bad input raises `FormatError`
    naming the file and line or document.

    # Parameters

    path : `str` a brat directory or file, SpERT JSON, JSON lines, or plain text.
    tokenizer : `str`, optional (default = `"razdel"`) the segmenter of brat, text and plain
        input (`jointie_allennlp.data.tokenization.get_segmenter`).
    types_path : `str`, optional a SpERT `*_types.json` (found beside a `.json` file when omitted).
    report : `BratReport`, optional counts what reading brat input had to change.
    """
    source = Path(path)
    segmenter = get_segmenter(tokenizer)
    if not source.exists():
        raise FormatError("no such file or directory", path=str(path))
    if source.is_dir():
        yield from read_brat_directory(source, segmenter=segmenter, report=report)
    elif source.suffix == ".ann" or (source.suffix == ".txt" and source.with_suffix(".ann").exists()):
        yield read_brat(source.with_suffix(".txt"), segmenter=segmenter, report=report)
    elif source.suffix == ".json":
        yield from read_spert_json(source, types_path=types_path)
    elif source.suffix == ".jsonl":
        yield from _read_records(source, tokenizer)
    elif source.suffix == ".txt":
        yield read_plain_text(source, segmenter)
    else:
        raise FormatError(
            "unknown input format (expected a brat directory, .ann, .json, .jsonl or .txt)", path=str(path)
        )


def _read_records(source: Path, tokenizer: str) -> Iterator[Document]:
    for line, document, item in read_jsonl(source, get_segmenter(tokenizer)):
        if item.get("error"):
            yield error_document(item, line)
            continue
        if isinstance(document, FormatError):
            raise document
        if "sentences" in item and "entities" in item and all(
            isinstance(e, dict) and "char_start" in e for e in item["entities"]
        ):
            document = document_from_prediction_json(item)
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
    document.metadata["error"] = item["error"]
    return document


def gold_of(
    documents: Iterable[Document], gold_path: Optional[str] = None, tokenizer: str = "razdel"
) -> Optional[Dict[str, Document]]:
    """
    Gold documents by id: those of `gold_path` when given, else the gold that prediction records
    echo (`gold_entities` / `gold_relations` in their metadata); `None` when there is none.
    """
    if gold_path:
        return {d.id: d for d in read_any(gold_path, tokenizer)}
    gold = {}
    for document in documents:
        if "gold_entities" not in document.metadata:
            continue
        try:
            entities = [Entity(e["start"], e["end"], e["type"]) for e in document.metadata["gold_entities"]]
            relations = [Relation(r["head"], r["tail"], r["type"]) for r in document.metadata.get("gold_relations", [])]
        except (KeyError, TypeError) as error:
            raise FormatError(f"malformed gold_entities / gold_relations ({error!r})", document=document.id)
        gold[document.id] = document.with_annotations(entities, relations)
    return gold or None
