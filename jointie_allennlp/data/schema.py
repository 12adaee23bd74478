"""
The prediction JSON schema shared by every predictor (documented in docs/formats.md): a `Document`
renders itself (`Document.to_json`); this module adds the error record and reads records back.
"""
from typing import Any, Dict, Optional

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


def document_from_prediction_json(
    item: Dict[str, Any], path: Optional[str] = None, line: Optional[int] = None
) -> Document:
    """
    Reads a prediction record back into a `Document` (for evaluation, conversion and the HTML
    view); raises `FormatError` naming the file and line when the record is not one.
    """
    from jointie_allennlp.data.errors import FormatError
    from jointie_allennlp.data.formats.text import align_tokens

    identifier = str(item.get("id"))

    def fail(message: str) -> FormatError:
        return FormatError(f"not a prediction record: {message}", path=path, line=line, document=identifier)

    tokens = item.get("tokens")
    if isinstance(tokens, list) and tokens and all(isinstance(t, list) for t in tokens):
        tokens = [t for sentence in tokens for t in sentence]
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise fail("'tokens' must be a list of strings (or of lists of strings)")
    text = item.get("text")
    try:
        entities = [Entity(e["start"], e["end"], e["type"], score=e.get("score")) for e in item["entities"]]
        relations = [Relation(r["head"], r["tail"], r["type"], score=r.get("score")) for r in item["relations"]]
    except (KeyError, TypeError, AttributeError) as error:
        raise fail(f"'entities' need start, end, type and 'relations' head, tail, type ({error!r})") from None
    for number, entity in enumerate(entities):
        indices = type(entity.start) is int and type(entity.end) is int
        if not (indices and 0 <= entity.start < entity.end <= len(tokens)):
            raise fail(f"entity {number} span [{entity.start}, {entity.end}) is outside 0..{len(tokens)}")
    for number, relation in enumerate(relations):
        if not all(type(i) is int and 0 <= i < len(entities) for i in (relation.head, relation.tail)):
            raise fail(f"relation {number} refers to no entity (there are {len(entities)})")
    if text is None:
        document = Document.from_tokens(identifier, tokens)
    else:
        if not isinstance(text, str):
            raise fail("'text' must be a string")
        try:
            offsets = align_tokens(text, tokens)
        except ValueError as error:
            raise fail(str(error)) from None
        document = Document(id=identifier, text=text, tokens=list(tokens), token_offsets=offsets)
    sentences = item.get("sentences", [])
    if not (isinstance(sentences, list) and all(
        isinstance(s, list) and len(s) == 2 and all(type(i) is int for i in s) for s in sentences
    )):
        raise fail("'sentences' must be a list of [first token, end token]")
    document.sentences = [tuple(s) for s in sentences] or document.sentences
    document.entities = entities
    document.relations = relations
    return document
