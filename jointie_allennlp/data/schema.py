"""The prediction JSON schema shared by every predictor (documented in docs/formats.md)."""
from typing import Any, Dict, List, Optional

from jointie_allennlp.data.document import Document, Entity, Relation

_ECHOED = ("id", "text", "tokens")


def prediction_to_json(document: Document, source: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """
    Renders a predicted document:

        {"id", "text" (when the input had text), "tokens" (as given, or the segmenter's),
         "sentences": [[first token, end token], ...],
         "entities": [{"start", "end", "char_start", "char_end", "text", "type", "score"}],
         "relations": [{"head", "tail", "type", "score"}],
         "warnings": [...] (only when decoding had to leave something out, e.g. the entity cap)}

    Token spans are `[start, end)` over `tokens` flattened; character spans are into `text`
    (for token-only input, into the tokens joined by single spaces). Relation `head`/`tail`
    index `entities`. Other input fields are echoed; gold `entities`/`relations` given in the
    input are echoed as `gold_entities`/`gold_relations`. The `id` of the input is echoed with
    its JSON type; without one the document id (a string) is used.
    """
    source = source or {}
    # an input id keeps its JSON type (a number stays a number); otherwise the document's own id
    result: Dict[str, Any] = {"id": source["id"] if "id" in source else document.id}
    if "text" in source:
        result["text"] = source["text"]
    result["tokens"] = source.get("tokens", document.tokens)
    for key, value in source.items():
        if key in ("entities", "relations"):
            result[f"gold_{key}"] = value
        elif key not in _ECHOED:
            result[key] = value
    result["sentences"] = [list(s) for s in document.sentences]
    result["entities"] = [entity_to_json(document, e) for e in document.entities]
    result["relations"] = [relation_to_json(r) for r in document.relations]
    if document.metadata.get("warnings"):
        result["warnings"] = list(document.metadata["warnings"])
    return result


def entity_to_json(document: Document, entity: Entity) -> Dict[str, Any]:
    char_start, char_end = document.char_span(entity)
    return {
        "start": entity.start,
        "end": entity.end,
        "char_start": char_start,
        "char_end": char_end,
        "text": document.text[char_start:char_end],
        "type": entity.type,
        "score": entity.score,
    }


def relation_to_json(relation: Relation) -> Dict[str, Any]:
    return {"head": relation.head, "tail": relation.tail, "type": relation.type, "score": relation.score}


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
