"""
SpERT JSON: a JSON list of sentences `{"tokens": [...], "entities": [{"type", "start", "end"}],
"relations": [{"type", "head", "tail"}], ...}` (token `end` exclusive, relation arguments are
entity indices), with a `<name>_types.json` that lists the types and marks symmetric relations.
Keys other than tokens/entities/relations (e.g. `orig_id`) are kept and written back; a document
with an id of its own (not an unnamed item's position) is written with it as `orig_id`.

A document of several sentences, or whose text is not its tokens joined by spaces (brat, raw
text), is written as one item per sentence with extra keys that SpERT's own code ignores and
that rebuild the document exactly when read back:

- every item: `"document"` (the document id), `"sentence"` (0-based index), `"offsets"` (each
  token's `[start, end)` in the document text);
- the item of sentence 0: `"document_text"` (the whole text) and `"document_sentences"` (how many
  items make the document), and `"document_metadata"` (brat lines the document model cannot
  represent) when there is any;
- entities and relations: `"source_id"` (brat `T12` / `R3`), entities `"char_span"` (exact
  character offsets in the document text when they differ from the tokens').
"""
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple, Union

from jointie_allennlp.data.document import Document, Entity, Relation, Span
from jointie_allennlp.data.errors import FormatError
from jointie_allennlp.data.formats.brat import read_text_file
from jointie_allennlp.data.formats.json_text import loads
from jointie_allennlp.data.output import encodable, open_output

PathLike = Union[str, os.PathLike]

# keys of the items that carry a document over several sentences (see the module docstring)
DOCUMENT_KEYS = ("document", "sentence", "offsets", "document_text", "document_sentences", "document_metadata")
_CORE_KEYS = ("tokens", "entities", "relations")
_METADATA_KEYS = ("brat_unsupported", "brat_line_suffixes")


@dataclass
class TypeInventory:
    """Entity and relation types of a dataset and which relation types are symmetric."""

    entity_types: List[str] = field(default_factory=list)
    relation_types: List[str] = field(default_factory=list)
    symmetric_relation_types: FrozenSet[str] = frozenset()


class _NonFinite:
    """Stands for `NaN` / `Infinity` / `-Infinity`, which Python's `json` accepts and JSON does not."""

    def __init__(self, name: str) -> None:
        self.name = name


def load_json(text: str, path: PathLike) -> Any:
    """
    Parses JSON text (`jointie_allennlp.data.formats.json_text.loads`: a repeated key is an error);
    invalid JSON raises `FormatError` naming the file and line.
    """
    return loads(text[1:] if text.startswith("\ufeff") else text, str(path), parse_constant=_NonFinite)


def _non_finite(value: Any) -> Optional[str]:
    """The first `NaN` / `Infinity` in a parsed value, if any."""
    if isinstance(value, _NonFinite):
        return value.name
    if isinstance(value, float) and not math.isfinite(value):  # from a parser that accepted it
        return repr(value)
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        found = _non_finite(child)
        if found:
            return found
    return None


def read_types(path: PathLike) -> TypeInventory:
    """Reads a SpERT `*_types.json`: `{"entities": {name: {...}}, "relations": {name: {..., "symmetric"?}}}`."""
    data = load_json(read_text_file(path), path)

    def fail(message: str) -> FormatError:
        return FormatError(f"{message} (a types file is {{\"entities\": {{name: {{...}}}}, "
                           f"\"relations\": {{name: {{..., \"symmetric\": true|false}}}}}})", str(path))

    if not isinstance(data, dict) or not isinstance(data.get("entities"), dict) or not isinstance(
        data.get("relations"), dict
    ):
        raise fail("'entities' and 'relations' must be JSON objects")
    if _non_finite(data):
        raise fail(f"{_non_finite(data)} is not JSON")
    for kind in ("entities", "relations"):
        for name, spec in data[kind].items():
            if not name.strip() or not isinstance(spec, dict):
                raise fail(f"{kind} type {name!r}: needs a non-empty name and an object")
            if kind == "relations" and not isinstance(spec.get("symmetric", False), bool):
                raise fail(f"relation type {name!r}: 'symmetric' must be true or false")
    relations = data["relations"]
    return TypeInventory(
        entity_types=list(data["entities"]),
        relation_types=list(relations),
        symmetric_relation_types=frozenset(name for name, spec in relations.items() if spec.get("symmetric")),
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


def _is_index(value: Any) -> bool:
    return type(value) is int  # not a float, a string or a boolean


def _is_line_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and "\n" not in v for v in value)


def _is_type_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _list_field(item: Dict[str, Any], key: str, fail) -> list:
    value = item.get(key, [])
    if not isinstance(value, list):
        raise fail(f"'{key}' must be a list, not {json.dumps(value) if value is None else type(value).__name__}")
    return value


def _checked_annotation(
    kind: str, number: int, value: Any, index_keys: Tuple[str, str], has_document: bool, fail
) -> Optional[str]:
    """Checks the integer indices and the type of an entity / relation; returns its `source_id`, if any."""
    first, second = index_keys
    if not isinstance(value, dict) or not all(_is_index(value.get(k)) for k in index_keys):
        raise fail(f"{kind} {number} needs integer '{first}' and '{second}' (got {json.dumps(value)})")
    if not _is_type_name(value.get("type")):
        got = json.dumps(value.get("type"), ensure_ascii=False)
        raise fail(f"{kind} {number} needs a 'type' that is a non-empty string (got {got})")
    source_id = value.get("source_id") if has_document else None
    if source_id is not None and not isinstance(source_id, str):
        raise fail(f"{kind} {number}: 'source_id' must be a string")
    return source_id


def document_from_spert_dict(
    item: Any,
    default_id: str,
    symmetric_relation_types: Iterable[str] = (),
    path: Optional[str] = None,
    line: Optional[int] = None,
) -> Document:
    """
    Builds a document from one SpERT JSON object; raises `FormatError` naming it. Indices must be
    integers and types non-empty strings: nothing is coerced. The keys of `DOCUMENT_KEYS` are kept
    in `metadata["spert_document"]` for `read_spert_json` to put the document back together.
    """
    document_id = str(item.get("orig_id", item.get("id", default_id))) if isinstance(item, dict) else default_id

    def fail(message: str) -> FormatError:
        return FormatError(message, path=path, line=line, document=document_id)

    if not isinstance(item, dict):
        raise fail("expected a JSON object")
    constant = _non_finite(item)
    if constant:
        raise fail(f"{constant} is not a JSON value")
    tokens = item.get("tokens")
    if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
        raise fail("'tokens' must be a list of non-empty strings")
    for number, token in enumerate(tokens):
        if not token.strip():
            raise fail(f"token {number} {token!r} is only white space")
    has_document = "document" in item
    entities = []
    for number, entity in enumerate(_list_field(item, "entities", fail)):
        source_id = _checked_annotation("entity", number, entity, ("start", "end"), has_document, fail)
        start, end = entity["start"], entity["end"]
        if not 0 <= start < end <= len(tokens):
            raise fail(f"entity {number} span [{start}, {end}) is outside 0..{len(tokens)}")
        char_span = entity.get("char_span") if has_document else None
        if char_span is not None:
            if not (isinstance(char_span, list) and len(char_span) == 2 and all(map(_is_index, char_span))):
                raise fail(f"entity {number}: 'char_span' must be [start, end]")
            char_span = tuple(char_span)
        entities.append(Entity(start, end, entity["type"], source_id=source_id, char_span=char_span))
    relations = []
    for number, relation in enumerate(_list_field(item, "relations", fail)):
        source_id = _checked_annotation("relation", number, relation, ("head", "tail"), has_document, fail)
        for role in ("head", "tail"):
            if not 0 <= relation[role] < len(entities):
                raise fail(
                    f"relation {number} {role} {relation[role]} refers to no entity (there are {len(entities)})"
                )
        relations.append(Relation(relation["head"], relation["tail"], relation["type"], source_id=source_id))
    document = Document.from_tokens(
        document_id,
        tokens,
        entities=entities,
        relations=relations,
        symmetric_relation_types=frozenset(symmetric_relation_types),
    )
    extra = {k: v for k, v in item.items() if k not in _CORE_KEYS and not (has_document and k in DOCUMENT_KEYS)}
    if has_document:
        document.metadata["spert_document"] = {k: item[k] for k in DOCUMENT_KEYS if k in item}
        extra.pop("orig_id", None)  # `<document>#<sentence>`, made again on writing
    if extra:
        document.metadata["spert_extra"] = extra
    return document


def _assemble(parts: List[Tuple[int, Document]], path: str) -> Document:
    """One document from the items of its sentences (`(item index, sentence document)`, any order)."""
    first_keys = None
    by_sentence: Dict[int, Tuple[int, Document]] = {}
    document_id = parts[0][1].metadata["spert_document"]["document"]

    def fail(message: str, index: int) -> FormatError:
        return FormatError(f"item {index}: {message}", path=path, document=str(document_id))

    for index, sentence in parts:
        keys = sentence.metadata["spert_document"]
        number = keys.get("sentence")
        if not _is_index(number) or number < 0:
            raise fail("'sentence' must be a non-negative integer", index)
        if number in by_sentence:
            raise fail(f"sentence {number} of the document also in item {by_sentence[number][0]}", index)
        by_sentence[number] = (index, sentence)
        if number == 0:
            first_keys = keys
    if first_keys is None:
        raise fail("no item with sentence 0 (which carries the document text)", parts[0][0])
    text, count = first_keys.get("document_text"), first_keys.get("document_sentences")
    if not isinstance(text, str) or not _is_index(count):
        raise fail(
            "sentence 0 needs 'document_text' (a string) and 'document_sentences' (an integer)", by_sentence[0][0]
        )
    if sorted(by_sentence) != list(range(max(count, 1))):
        raise fail(f"sentences {sorted(by_sentence)} given, the document has {count}", by_sentence[0][0])
    tokens: List[str] = []
    offsets: List[Span] = []
    sentences: List[Span] = []
    entities: List[Entity] = []
    relations: List[Relation] = []
    metadata: Dict[str, Any] = {}
    sentence_extra: Dict[int, Dict[str, Any]] = {}
    for number in range(count):
        index, sentence = by_sentence[number]
        sentence_offsets = sentence.metadata["spert_document"].get("offsets")
        if not (
            isinstance(sentence_offsets, list)
            and len(sentence_offsets) == len(sentence.tokens)
            and all(isinstance(o, list) and len(o) == 2 and all(map(_is_index, o)) for o in sentence_offsets)
        ):
            raise fail("'offsets' must hold one [start, end] per token", index)
        previous_end = offsets[-1][1] if offsets else 0
        for token, (start, end) in zip(sentence.tokens, sentence_offsets):
            if start < previous_end or text[start:end] != token:
                raise fail(f"token {token!r} is not at its offsets [{start}, {end}) of the document text", index)
            previous_end = end
        first_token, first_entity = len(tokens), len(entities)
        for entity in sentence.entities:
            if entity.char_span is not None and not 0 <= entity.char_span[0] < entity.char_span[1] <= len(text):
                raise fail(f"entity 'char_span' {list(entity.char_span)} is outside the document text", index)
            entities.append(Entity(entity.start + first_token, entity.end + first_token, entity.type,
                                   entity.score, entity.source_id, entity.char_span))
        relations.extend(
            Relation(r.head + first_entity, r.tail + first_entity, r.type, r.score, r.source_id)
            for r in sentence.relations
        )
        tokens.extend(sentence.tokens)
        offsets.extend((start, end) for start, end in sentence_offsets)
        sentences.append((first_token, len(tokens)))
        if "spert_extra" in sentence.metadata:
            sentence_extra[number] = sentence.metadata["spert_extra"]
    stored = first_keys.get("document_metadata", {})
    if not (
        isinstance(stored, dict)
        and not set(stored) - set(_METADATA_KEYS)
        and _is_line_list(stored.get("brat_unsupported", []))
        and isinstance(stored.get("brat_line_suffixes", {}), dict)
        and _is_line_list(list(stored.get("brat_line_suffixes", {}).values()))
    ):
        raise fail(
            "'document_metadata' may hold 'brat_unsupported' (a list of lines) and "
            "'brat_line_suffixes' (an object of strings)",
            by_sentence[0][0],
        )
    metadata.update(stored)
    if sentence_extra:
        metadata["spert_sentence_extra"] = sentence_extra
    return Document(
        id=str(document_id),
        text=text,
        tokens=tokens,
        token_offsets=offsets,
        sentences=sentences,
        entities=entities,
        relations=relations,
        symmetric_relation_types=by_sentence[0][1].symmetric_relation_types,
        metadata=metadata,
    )


def read_spert_json(path: PathLike, types_path: Optional[PathLike] = None) -> List[Document]:
    """
    Reads a SpERT JSON file: one document per item, or per `"document"` for items that carry the
    document keys. Symmetric relation types come from `types_path`, or from the
    `<prefix>_types.json` beside the file when there is one.
    """
    data = load_json(read_text_file(path), path)
    if not isinstance(data, list):
        raise FormatError("expected a JSON list of sentences", str(path))
    types_path = types_path or find_types_file(path)
    symmetric = read_types(types_path).symmetric_relation_types if types_path else frozenset()
    stem = Path(path).stem
    slots: List[Any] = []  # a document, or the key of a group of sentence items
    groups: Dict[str, List[Tuple[int, Document]]] = {}
    for index, item in enumerate(data):
        document = document_from_spert_dict(item, f"{stem}:{index}", symmetric, path=str(path))
        keys = document.metadata.get("spert_document")
        if keys is None:
            document.metadata["spert_index"] = index  # its position, e.g. to match unnamed items
            slots.append(document)
            continue
        if not isinstance(keys.get("document"), str):
            raise FormatError(f"item {index}: 'document' must be a string", str(path), document=document.id)
        if keys["document"] not in groups:
            groups[keys["document"]] = []
            slots.append(keys["document"])
        groups[keys["document"]].append((index, document))
    return [_assemble(groups[slot], str(path)) if isinstance(slot, str) else slot for slot in slots]


def _is_plain_sentence(document: Document) -> bool:
    """True when one SpERT item without document keys holds the document exactly."""
    return (
        len(document.sentences) <= 1
        and bool(document.tokens)
        and document.text == " ".join(document.tokens)
        and not any(document.metadata.get(k) for k in _METADATA_KEYS)
        and not any(e.source_id or e.char_span for e in document.entities)
        and not any(r.source_id for r in document.relations)
    )


def document_to_spert_dicts(document: Document) -> List[Dict[str, Any]]:
    """
    One SpERT JSON object per sentence (SpERT is sentence-level); with the document keys unless
    the document is a single sentence whose text is its tokens joined by spaces.
    """
    if _is_plain_sentence(document):
        item: Dict[str, Any] = {
            "tokens": list(document.tokens),
            "entities": [{"type": e.type, "start": e.start, "end": e.end} for e in document.entities],
            "relations": [{"type": r.type, "head": r.head, "tail": r.tail} for r in document.relations],
        }
        extra = document.metadata.get("spert_extra", {})
        if "spert_index" not in document.metadata and not {"orig_id", "id"} & set(extra):
            item["orig_id"] = document.id  # a named document keeps its name (an unnamed SpERT item has none)
        item.update(extra)
        return [item]
    sentences = document.split_sentences() if document.tokens else []
    sentence_extra = document.metadata.get("spert_sentence_extra", {})
    result = []
    for number in range(max(len(sentences), 1)):
        first, end = document.sentences[number] if sentences else (0, 0)
        char_start = document.token_offsets[first][0] if end > first else 0
        sentence = sentences[number] if sentences else Document(document.id, "", [], [])
        entities = []
        for entity in sentence.entities:
            entry: Dict[str, Any] = {"type": entity.type, "start": entity.start, "end": entity.end}
            if entity.source_id:
                entry["source_id"] = entity.source_id
            if entity.char_span is not None:
                entry["char_span"] = [entity.char_span[0] + char_start, entity.char_span[1] + char_start]
            entities.append(entry)
        relations = []
        for relation in sentence.relations:
            entry = {"type": relation.type, "head": relation.head, "tail": relation.tail}
            if relation.source_id:
                entry["source_id"] = relation.source_id
            relations.append(entry)
        item = {
            "tokens": list(sentence.tokens),
            "entities": entities,
            "relations": relations,
            "orig_id": f"{document.id}#{number}" if len(sentences) > 1 else document.id,
            **sentence_extra.get(number, {}),
            "document": document.id,
            "sentence": number,
            "offsets": [list(o) for o in document.token_offsets[first:end]],
        }
        if number == 0:
            item["document_text"] = document.text
            item["document_sentences"] = len(sentences)
            stored = {k: document.metadata[k] for k in _METADATA_KEYS if document.metadata.get(k)}
            if stored:
                item["document_metadata"] = stored
        result.append(item)
    return result


def write_spert_json(
    documents: Iterable[Document], path: PathLike, inputs: Iterable[Optional[PathLike]] = (), overwrite: bool = False
) -> int:
    """
    Writes documents as a SpERT JSON list through `jointie_allennlp.data.output.open_output` (an
    input or an existing file without `overwrite` is refused; the file appears only when complete);
    returns the number of sentences (items) written.
    """
    items = [item for document in documents for item in document_to_spert_dicts(document)]
    with open_output(path, inputs, overwrite) as handle:
        json.dump(encodable(items), handle, ensure_ascii=False)
    return len(items)


def write_types(path: PathLike, inventory: TypeInventory, overwrite: bool = False) -> None:
    """Writes a SpERT `*_types.json` (through `open_output`, like `write_spert_json`)."""
    data = {
        "entities": {t: {"short": t, "verbose": t} for t in inventory.entity_types},
        "relations": {
            t: {"short": t, "verbose": t, "symmetric": t in inventory.symmetric_relation_types}
            for t in inventory.relation_types
        },
    }
    with open_output(path, overwrite=overwrite) as handle:
        json.dump(encodable(data), handle, ensure_ascii=False, indent=1)
