"""The FastAPI application around a predictor: `POST /predict`, `GET /health`, the HTML page at `/`."""
import asyncio
import html
import json
from contextlib import asynccontextmanager
from typing import Any, Dict, List, Optional, Tuple, Union
from urllib.parse import parse_qs

from allennlp.predictors import Predictor
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, model_validator
from starlette.requests import ClientDisconnect

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.formats.reading import error_document
from jointie_allennlp.data.html import render_html
from jointie_allennlp.data.output import encodable
from jointie_allennlp.data.schema import error_to_json
from jointie_allennlp.predictors.lines import dump_record, parse_line
from jointie_allennlp.serving.batcher import MicroBatcher
from jointie_allennlp.serving.limits import ServerLimits


class DocumentInput(BaseModel):
    """One input document, as a line of `allennlp predict` input: `text`, or `tokens` (a list of
    words, or a list of sentences); `id` and any other field are echoed in the prediction."""

    model_config = ConfigDict(
        extra="allow", json_schema_extra={"examples": [{"id": "d1", "text": "John Smith works for Acme in Boston."}]}
    )
    id: Optional[Union[str, int]] = None
    text: Optional[str] = None
    tokens: Optional[Union[List[str], List[List[str]]]] = None

    @model_validator(mode="after")
    def _text_or_tokens(self) -> "DocumentInput":
        if self.text is None and self.tokens is None:
            raise ValueError('a document needs "text" or "tokens"')
        return self

    def characters(self) -> int:
        """Its length: the characters of its text, or of its tokens joined by spaces."""
        if self.text is not None:
            return len(self.text)
        tokens = self.tokens or []
        words = [word for sentence in tokens for word in sentence] if tokens and isinstance(tokens[0], list) else tokens
        return sum(len(word) for word in words) + max(len(words) - 1, 0)


_REQUEST_BODY = TypeAdapter(Union[DocumentInput, List[DocumentInput]])
_DOCUMENT_SCHEMA = DocumentInput.model_json_schema()
#: the request body of `POST /predict` in the OpenAPI description (the body is read by `_read_body`)
_PREDICT_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"anyOf": [_DOCUMENT_SCHEMA, {"type": "array", "items": _DOCUMENT_SCHEMA}]}}
        },
    }
}


class RecordResponse(JSONResponse):
    """JSON written as `predict` writes its records (`dump_record`): valid UTF-8 whatever the
    strings hold (a lone surrogate is written as U+FFFD), non-finite numbers as null."""

    def render(self, content: Any) -> bytes:
        return dump_record(content).encode("utf-8")


def _page(title: str, documents: List[Document] = (), text: str = "") -> str:
    """The shared HTML view of `documents` under a form where a user pastes text."""
    form = (
        '<form method="post" action="/"><textarea name="text" rows="6" style="width:100%">'
        f"{html.escape(text)}</textarea><br><button type=\"submit\">Extract entities and relations</button></form>"
    )
    return render_html(documents, title=title, preamble=form)


def _closing(status: int, detail: str) -> HTTPException:
    """An error after which the connection is closed (the rest of the body is never read)."""
    return HTTPException(status, detail, headers={"Connection": "close"})


async def _read_body(request: Request, limits: ServerLimits) -> bytes:
    """The request body, refused (413) as soon as it is known to exceed `max_body_bytes`: by its
    `Content-Length`, or while its bytes arrive (chunked); 408 when not sent in `body_timeout`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise _closing(413, f"a body of {int(declared)} bytes; at most {limits.max_body_bytes}")
    body = bytearray()
    try:
        async with asyncio.timeout(limits.body_timeout):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limits.max_body_bytes:
                    raise _closing(413, f"a body of more than {limits.max_body_bytes} bytes")
    except TimeoutError:
        raise _closing(408, f"the body was not sent within {limits.body_timeout:g} s") from None
    except ClientDisconnect:
        raise _closing(400, "the client disconnected while sending the body") from None
    return bytes(body)


def _parse_body(body: bytes, max_documents: int) -> Tuple[bool, List[Dict[str, Any]], List[DocumentInput]]:
    """(whether the body is a list, its raw items, the items validated) or an HTTP error."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HTTPException(400, f"the body is not UTF-8: byte offset {error.start} ({error.reason})") from None
    try:
        value = json.loads(text.removeprefix("\ufeff"), parse_constant=_reject_constant)
    except RecursionError:
        raise HTTPException(400, "invalid JSON: nested too deeply to read") from None
    except json.JSONDecodeError as error:
        raise HTTPException(400, f"invalid JSON: {error.msg} (line {error.lineno} column {error.colno})") from None
    except ValueError as error:
        raise HTTPException(400, f"invalid JSON: {error}") from None
    is_list = isinstance(value, list)
    items = value if is_list else [value]
    if is_list and not items:
        raise HTTPException(422, "an empty list of documents")
    if len(items) > max_documents:
        raise HTTPException(413, f"{len(items)} documents in one request; at most {max_documents}")
    try:
        documents = _REQUEST_BODY.validate_python(value)
    except ValidationError as error:
        raise HTTPException(422, error.errors(include_url=False, include_input=False, include_context=False))
    return is_list, items, documents if is_list else [documents]


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON (only finite numbers are)")


def create_app(
    predictor: Predictor,
    model_name: str,
    types: Optional[Dict[str, List[str]]] = None,
    max_batch_size: int = 16,
    max_latency: float = 0.01,
    limits: Optional[ServerLimits] = None,
) -> FastAPI:
    """
    The HTTP application serving `predictor` (any predictor of this package).

    Every document of a request is answered with its own record: its prediction, or an error
    record (as `predict` writes one) when it is longer than `max_document_characters`, holds a lone
    surrogate in any field, or fails in the predictor; the other documents of the request are
    predicted all the same. A whole request is refused when its body is too large (413), has too
    many documents (413), is not sent in time (408), is not valid JSON (400) or not documents
    (422), or is not answered within its time budget (503).

    # Parameters

    predictor : `Predictor` a predictor of this package: its `predict_batch_documents` gets the
        batched documents, its `output_record` makes each response record of a prediction, its
        `precision` (a `PrecisionChoice`, set by `load_predictor`) is reported by `GET /health`.
    model_name : `str` reported by `GET /health`.
    types : `Dict[str, List[str]]`, optional `entity_types` and `relation_types` for `GET /health`.
    max_batch_size, max_latency : the micro-batching bounds (documents per call, seconds of waiting).
    limits : `ServerLimits`, optional (default = `ServerLimits()`) the bounds on every request.
    """
    limits = limits or ServerLimits()
    batcher = MicroBatcher(
        predictor.predict_batch_documents,
        max_batch_size=max_batch_size,
        max_latency=max_latency,
        max_batch_characters=limits.max_batch_characters,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        await batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(
        title="jointie_allennlp",
        description="Joint entity and relation extraction",
        lifespan=lifespan,
        default_response_class=RecordResponse,
    )
    app.state.batcher = batcher
    app.state.limits = limits
    app.state.precision = getattr(predictor, "precision", None)  # a PrecisionChoice (load_predictor's)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> RecordResponse:
        return RecordResponse({"detail": error.detail}, error.status_code, headers=error.headers)

    async def predict_records(
        items: List[Dict[str, Any]], documents: List[DocumentInput]
    ) -> Tuple[List[Dict[str, Any]], List[Document]]:
        """
        One record per item: predicted (`output_record`), or an error record for an item that
        cannot be; and the document of each (the predicted one, or an empty one with the error).
        """
        records: List[Optional[Dict[str, Any]]] = [None] * len(items)
        predicted: List[Optional[Document]] = [None] * len(items)
        queued = []  # (index, characters)
        for index, (item, document) in enumerate(zip(items, documents)):
            where = f"request item {index}: "
            unreadable = parse_line(json.dumps(item)).error  # e.g. a lone surrogate, as `predict` reads a line
            characters = document.characters()
            if unreadable:
                records[index] = error_to_json(item, where + unreadable)
            elif characters > limits.max_document_characters:
                message = f"{characters} characters; at most {limits.max_document_characters} per document"
                records[index] = error_to_json(item, where + message)
            else:
                queued.append((index, characters))
        results = await batcher.submit([items[i] for i, _ in queued], sizes=[size for _, size in queued])
        for (index, _), result in zip(queued, results):
            if isinstance(result, BaseException):
                message = f"request item {index}: {type(result).__name__}: {result}"
                records[index] = error_to_json(items[index], message)
            else:
                records[index] = predictor.output_record(items[index], result)
                predicted[index] = result
        for index, record in enumerate(records):
            if predicted[index] is None:
                predicted[index] = error_document(encodable(record), index + 1)
        return records, predicted  # type: ignore[return-value]

    def over_budget() -> HTTPException:
        return HTTPException(
            503,
            f"not answered within the time budget of {limits.request_timeout:g} s per request "
            "(the server is busy); its documents were dropped",
            headers={"Retry-After": str(max(1, round(limits.request_timeout))), "Connection": "close"},
        )

    @app.post("/predict", response_class=RecordResponse, openapi_extra=_PREDICT_OPENAPI)
    async def predict(request: Request) -> RecordResponse:
        """Predicts one document (an object) or several (a list), in the shared prediction schema.
        A document the predictor cannot read or predict comes back with an `"error"`."""
        try:
            async with asyncio.timeout(limits.request_timeout):
                body = await _read_body(request, limits)
                is_list, items, documents = _parse_body(body, limits.max_documents)
                records, _ = await predict_records(items, documents)
        except TimeoutError:
            raise over_budget() from None
        return RecordResponse(records if is_list else records[0])

    @app.get("/health")
    async def health() -> Dict[str, Any]:
        """The model served, its types, its precision, its limits, and how the requests were batched so far."""
        return {
            "status": "ok",
            "model": model_name,
            **(types or {}),
            "precision": app.state.precision.as_dict() if app.state.precision is not None else None,
            "limits": limits.model_dump(),
            "batching": {
                "max_batch_size": batcher.max_batch_size,
                "max_latency_ms": batcher.max_latency * 1000,
                "batches": batcher.batches,
                "documents": batcher.items,
                "dropped": batcher.dropped,
                "largest_batch": batcher.largest_batch,
            },
        }

    @app.get("/", response_class=HTMLResponse)
    async def page() -> str:
        return _page(f"jointie_allennlp: {model_name}")

    @app.post("/", response_class=HTMLResponse)
    async def page_with_prediction(request: Request) -> str:
        try:
            async with asyncio.timeout(limits.request_timeout):
                form = parse_qs((await _read_body(request, limits)).decode("utf-8", errors="replace"))
                text = (form.get("text") or [""])[0]
                if not text.strip():
                    raise HTTPException(422, "no text given")
                item = {"id": "input", "text": text}
                _, predicted = await predict_records([item], [DocumentInput(**item)])
        except TimeoutError:
            raise over_budget() from None
        return _page(f"jointie_allennlp: {model_name}", predicted, text)

    return app
