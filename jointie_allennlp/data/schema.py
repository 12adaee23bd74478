"""
The prediction JSON schema shared by every predictor (documented in the README): a `Document`
renders itself (`Document.to_json`); this module adds the error record and reads records back.
"""
from typing import Any, Dict, List, Optional

from jointie_allennlp.data.document import Document, Entity, Relation


def prediction_to_json(document: Document, source: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The prediction record of `document`, the input's fields `source` echoed (see `Document.to_json`)."""
    return document.to_json(source)


def entity_to_json(document: Document, entity: Entity) -> Dict[str, Any]:
    """The record of one entity of `document` (see `Document.entity_to_json`)."""
    return document.entity_to_json(entity)


def relation_to_json(relation: Relation) -> Dict[str, Any]:
    """The record of one relation (see `Relation.to_json`)."""
    return relation.to_json()


def error_to_json(
    source: Dict[str, Any], message: str, line: Optional[int] = None, raw: Optional[str] = None
) -> Dict[str, Any]:
    """
    The record written for an input that could not be predicted: the input's fields (an `id` with
    its JSON type, `null` when there is none), no entities or relations, the `error` (the input
    line and the full reason), the 1-based `input_line` when known, and the line's text as
    `input` when it could not be read as a JSON object.
    """
    result: Dict[str, Any] = {"id": source.get("id")}
    for key, value in source.items():
        if key in ("entities", "relations"):
            result[f"gold_{key}"] = value
        elif key != "id":
            result[key] = value
    if raw is not None:
        result["input"] = raw
    if line is not None:
        result["input_line"] = line
    result["entities"] = []
    result["relations"] = []
    result["error"] = message
    return result


def document_from_prediction_json(item: Dict[str, Any]) -> Document:
    """Reads a prediction record back into a `Document` (for evaluation and conversion)."""
    tokens = item["tokens"]
    if tokens and isinstance(tokens[0], list):
        tokens = [t for sentence in tokens for t in sentence]
    text = item.get("text")
    entities = [Entity(e["start"], e["end"], e["type"], score=e.get("score")) for e in item["entities"]]
    relations = [Relation(r["head"], r["tail"], r["type"], score=r.get("score")) for r in item["relations"]]
    if text is None:
        document = Document.from_tokens(str(item.get("id")), tokens)
    else:
        offsets = _find_token_offsets(text, tokens)
        document = Document(id=str(item.get("id")), text=text, tokens=list(tokens), token_offsets=offsets)
    document.sentences = [tuple(s) for s in item.get("sentences", [])] or document.sentences
    document.entities = entities
    document.relations = relations
    return document


def _find_token_offsets(text: str, tokens: List[str]) -> List[tuple]:
    offsets = []
    position = 0
    for token in tokens:
        start = text.find(token, position)
        if start < 0:
            raise ValueError(f"token {token!r} not found in the text after offset {position}")
        offsets.append((start, start + len(token)))
        position = start + len(token)
    return offsets
