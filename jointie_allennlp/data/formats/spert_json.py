"""
SpERT JSON: a JSON list of sentences `{"tokens": [...], "entities": [{"type", "start", "end"}],
"relations": [{"type", "head", "tail"}], ...}` (token `end` exclusive, relation arguments are
entity indices), with a `<name>_types.json` that lists the types and marks symmetric relations.
Keys other than tokens/entities/relations (e.g. `orig_id`) are kept and written back.
"""
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Union

from jointie_allennlp.data.document import Document, Entity, Relation
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import read_text_file

PathLike = Union[str, os.PathLike]


@dataclass
class TypeInventory:
    """Entity and relation types of a dataset and which relation types are symmetric."""

    entity_types: List[str] = field(default_factory=list)
    relation_types: List[str] = field(default_factory=list)
    symmetric_relation_types: FrozenSet[str] = frozenset()


def read_types(path: PathLike) -> TypeInventory:
    """Reads a SpERT `*_types.json`."""
    try:
        data = json.loads(read_text_file(path))
    except json.JSONDecodeError as error:
        raise FormatError(f"invalid JSON: {error.msg}", str(path), error.lineno) from None
    if not isinstance(data, dict) or "entities" not in data or "relations" not in data:
        raise FormatError("a types file needs 'entities' and 'relations' objects", str(path))
    relations = data["relations"]
    return TypeInventory(
        entity_types=list(data["entities"]),
        relation_types=list(relations),
        symmetric_relation_types=frozenset(
            name for name, spec in relations.items() if isinstance(spec, dict) and spec.get("symmetric")
        ),
    )


def types_file_for(data_path: PathLike) -> Path:
    """`conll04_train.json` -> `conll04_types.json` in the same directory (where a new one is written)."""
    data_path = Path(data_path)
    prefix = data_path.stem.rsplit("_", 1)[0] if "_" in data_path.stem else data_path.stem
    return data_path.with_name(f"{prefix}_types.json")


def find_types_file(data_path: PathLike) -> Optional[Path]:
    """
    The types file of a data file, if one exists: `<prefix>_types.json` for ever shorter `_`-prefixes
    of the file name (`ade_split_0_train.json` -> `ade_split_0_types.json`, ..., `ade_types.json`).
    """
    data_path = Path(data_path)
    parts = data_path.stem.split("_")
    for length in range(len(parts) - 1 or 1, 0, -1):
        candidate = data_path.with_name("_".join(parts[:length]) + "_types.json")
        if candidate.exists():
            return candidate
    return None


def document_from_spert_dict(
    item: Any,
    default_id: str,
    symmetric_relation_types: Iterable[str] = (),
    path: Optional[str] = None,
    line: Optional[int] = None,
) -> Document:
    """Builds a document from one SpERT JSON object; raises `FormatError` naming it."""
    document_id = str(item.get("orig_id", item.get("id", default_id))) if isinstance(item, dict) else default_id

    def fail(message: str) -> FormatError:
        return FormatError(message, path=path, line=line, document=document_id)

    if not isinstance(item, dict):
        raise fail("expected a JSON object")
    tokens = item.get("tokens")
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
        raise fail("'tokens' must be a list of non-empty strings")
    entities = []
    for number, entity in enumerate(item.get("entities", [])):
        try:
            start, end, entity_type = int(entity["start"]), int(entity["end"]), str(entity["type"])
        except (KeyError, TypeError, ValueError):
            raise fail(f"entity {number} needs integer 'start', 'end' and a 'type'") from None
        if not 0 <= start < end <= len(tokens):
            raise fail(f"entity {number} span [{start}, {end}) is outside 0..{len(tokens)}")
        entities.append(Entity(start, end, entity_type))
    relations = []
    for number, relation in enumerate(item.get("relations", [])):
        try:
            head, tail, relation_type = int(relation["head"]), int(relation["tail"]), str(relation["type"])
        except (KeyError, TypeError, ValueError):
            raise fail(f"relation {number} needs integer 'head', 'tail' and a 'type'") from None
        for role, argument in (("head", head), ("tail", tail)):
            if not 0 <= argument < len(entities):
                raise fail(
                    f"relation {number} {role} {argument} refers to no entity "
                    f"(there are {len(entities)})"
                )
        relations.append(Relation(head, tail, relation_type))
    extra = {k: v for k, v in item.items() if k not in ("tokens", "entities", "relations")}
    document = Document.from_tokens(
        document_id,
        tokens,
        entities=entities,
        relations=relations,
        symmetric_relation_types=frozenset(symmetric_relation_types),
    )
    if extra:
        document.metadata["spert_extra"] = extra
    return document


def read_spert_json(
    path: PathLike, types_path: Optional[PathLike] = None
) -> List[Document]:
    """
    Reads a SpERT JSON file. Symmetric relation types come from `types_path`, or from the
    `<prefix>_types.json` beside the file when there is one.
    """
    text = read_text_file(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(f"invalid JSON: {error.msg}", str(path), error.lineno) from None
    if not isinstance(data, list):
        raise FormatError("expected a JSON list of sentences", str(path))
    types_path = types_path or find_types_file(path)
    symmetric = read_types(types_path).symmetric_relation_types if types_path else frozenset()
    stem = Path(path).stem
    return [
        document_from_spert_dict(item, f"{stem}:{index}", symmetric, path=str(path))
        for index, item in enumerate(data)
    ]


def document_to_spert_dicts(document: Document) -> List[Dict[str, Any]]:
    """One SpERT JSON object per sentence (SpERT is sentence-level)."""
    sentences = document.split_sentences() if len(document.sentences) > 1 else [document]
    result = []
    for sentence in sentences:
        item: Dict[str, Any] = {
            "tokens": list(sentence.tokens),
            "entities": [{"type": e.type, "start": e.start, "end": e.end} for e in sentence.entities],
            "relations": [{"type": r.type, "head": r.head, "tail": r.tail} for r in sentence.relations],
        }
        extra = document.metadata.get("spert_extra")
        if extra and len(sentences) == 1:
            item.update(extra)
        elif len(sentences) > 1:
            item["orig_id"] = sentence.id
        result.append(item)
    return result


def write_spert_json(documents: Iterable[Document], path: PathLike) -> int:
    """Writes documents as a SpERT JSON list; returns the number of sentences written."""
    items = [item for document in documents for item in document_to_spert_dicts(document)]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(items, handle, ensure_ascii=False)
    return len(items)


def write_types(path: PathLike, inventory: TypeInventory) -> None:
    """Writes a SpERT `*_types.json`."""
    data = {
        "entities": {t: {"short": t, "verbose": t} for t in inventory.entity_types},
        "relations": {
            t: {"short": t, "verbose": t, "symmetric": t in inventory.symmetric_relation_types}
            for t in inventory.relation_types
        },
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
