"""The FastAPI application around a predictor: `POST /predict`, `GET /health`, the HTML page at `/`."""
import html
from contextlib import asynccontextmanager
from typing import Any, Dict, List, Optional, Union
from urllib.parse import parse_qs

from allennlp.predictors import Predictor
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, model_validator

from jointie_allennlp.data.document import Document
from jointie_allennlp.data.html import render_html
from jointie_allennlp.data.schema import document_from_prediction_json
from jointie_allennlp.serving.batcher import MicroBatcher


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


def _page(title: str, documents: List[Document] = (), text: str = "") -> str:
    """The shared HTML view of `documents` under a form where a user pastes text."""
    form = (
        '<form method="post" action="/"><textarea name="text" rows="6" style="width:100%">'
        f"{html.escape(text)}</textarea><br><button type=\"submit\">Extract entities and relations</button></form>"
    )
    return render_html(documents, title=title, preamble=form)


def _document_of(record: Dict[str, Any]) -> Document:
    """A prediction record as a document for the HTML view (a failed one keeps its text and error)."""
    if record.get("error"):
        text = record.get("text") or ""
        document = Document(id=str(record.get("id")), text=text, tokens=[], token_offsets=[])
        document.metadata["error"] = record["error"]
        return document
    return document_from_prediction_json(record)


def create_app(
    predictor: Predictor,
    model_name: str,
    types: Optional[Dict[str, List[str]]] = None,
    max_batch_size: int = 16,
    max_latency: float = 0.01,
    max_documents: int = 256,
) -> FastAPI:
    """
    The HTTP application serving `predictor` (any predictor of this package).

    # Parameters

    predictor : `Predictor` its `predict_batch_json` gets the batched documents.
    model_name : `str` reported by `GET /health`.
    types : `Dict[str, List[str]]`, optional `entity_types` and `relation_types` for `GET /health`.
    max_batch_size, max_latency : the micro-batching bounds (documents per call, seconds of waiting).
    max_documents : `int`, optional (default = `256`) documents per request (more: 413).
    """
    batcher = MicroBatcher(predictor.predict_batch_json, max_batch_size=max_batch_size, max_latency=max_latency)

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        await batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="jointie_allennlp", description="Joint entity and relation extraction", lifespan=lifespan)
    app.state.batcher = batcher

    async def predict_records(documents: List[DocumentInput]) -> List[Dict[str, Any]]:
        if len(documents) > max_documents:
            raise HTTPException(413, f"{len(documents)} documents in one request; at most {max_documents}")
        try:
            return await batcher.submit([d.model_dump(exclude_unset=True) for d in documents])
        except Exception as error:  # the predictor failed on a whole batch; the server goes on
            raise HTTPException(500, f"prediction failed: {type(error).__name__}: {error}") from error

    @app.post("/predict")
    async def predict(body: Union[DocumentInput, List[DocumentInput]]) -> Any:
        """Predicts one document (an object) or several (a list), in the shared prediction schema.
        A document the predictor cannot read or predict comes back with an `"error"`."""
        if isinstance(body, list):
            if not body:
                raise HTTPException(422, "an empty list of documents")
            return await predict_records(body)
        return (await predict_records([body]))[0]

    @app.get("/health")
    async def health() -> Dict[str, Any]:
        """The model served, its types, and how the requests were batched so far."""
        return {
            "status": "ok",
            "model": model_name,
            **(types or {}),
            "batching": {
                "max_batch_size": batcher.max_batch_size,
                "max_latency_ms": batcher.max_latency * 1000,
                "batches": batcher.batches,
                "documents": batcher.items,
                "largest_batch": batcher.largest_batch,
            },
        }

    @app.get("/", response_class=HTMLResponse)
    async def page() -> str:
        return _page(f"jointie_allennlp: {model_name}")

    @app.post("/", response_class=HTMLResponse)
    async def page_with_prediction(request: Request) -> str:
        form = parse_qs((await request.body()).decode("utf-8", errors="replace"))
        text = (form.get("text") or [""])[0]
        if not text.strip():
            raise HTTPException(422, "no text given")
        record = (await predict_records([DocumentInput(id="input", text=text)]))[0]
        return _page(f"jointie_allennlp: {model_name}", [_document_of(record)], text)

    return app

