"""The bounds the HTTP server puts on every request (each one is a `serve` option)."""
from typing import Any, Dict

from pydantic import BaseModel, ConfigDict, Field


class ServerLimits(BaseModel):
    """
    What one request may ask of the server: its size, its documents, its time, and how long a
    client may take to send it. The defaults suit a CPU server with a BERT-base model; every
    field is the `serve` option of the same name (`max_body_bytes` -> `--max-body-bytes`).

    # Parameters

    max_body_bytes : `int`, optional (default = `2 MiB`) bytes of a request body (more: 413).
    max_documents : `int`, optional (default = `256`) documents of one request (more: 413).
    max_document_characters : `int`, optional (default = `50000`) characters of one document
        (its text, or its tokens joined by spaces); a longer one gets an error record.
    max_batch_characters : `int`, optional (default = `10000`) characters of one model call;
        a document longer than this is predicted alone.
    request_timeout : `float`, optional (default = `30`) seconds from a request's arrival to its
        answer (not answered by then: 503, and its documents not started yet are dropped).
    body_timeout : `float`, optional (default = `10`) seconds a client may take to send the
        body (not sent by then: 408, and the connection is closed).
    header_timeout : `float`, optional (default = `10`) seconds a new connection may take to send
        its first request's headers (not sent by then: the connection is closed).
    keep_alive_timeout : `int`, optional (default = `5`) seconds an idle connection is kept open
        between requests.
    max_header_bytes : `int`, optional (default = `16384`) bytes of a request's line and headers.
    max_connections : `int`, optional (default = `64`) connections and requests in progress at
        once (more: 503).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_body_bytes: int = Field(2 * 1024 * 1024, ge=1, description="bytes of a request body (more: 413)")
    max_documents: int = Field(256, ge=1, description="documents of one request (more: 413)")
    max_document_characters: int = Field(
        50_000, ge=1, description="characters of one document (longer: an error record for that document)"
    )
    max_batch_characters: int = Field(
        10_000, ge=1, description="characters of one model call (a longer document is predicted alone)"
    )
    request_timeout: float = Field(
        30.0, gt=0, description="seconds from a request's arrival to its answer (later: 503)"
    )
    body_timeout: float = Field(10.0, gt=0, description="seconds a client may take to send a body (later: 408)")
    header_timeout: float = Field(
        10.0, gt=0, description="seconds a new connection may take to send its first request's headers"
    )
    keep_alive_timeout: int = Field(5, ge=1, description="seconds an idle connection is kept open between requests")
    max_header_bytes: int = Field(16 * 1024, ge=1024, description="bytes of a request's line and headers")
    max_connections: int = Field(64, ge=1, description="connections and requests in progress at once (more: 503)")

    def uvicorn_options(self) -> Dict[str, Any]:
        """The `uvicorn.Config` arguments these limits set (the header timeout is the protocol's)."""
        return {
            "timeout_keep_alive": self.keep_alive_timeout,
            "h11_max_incomplete_event_size": self.max_header_bytes,
            "limit_concurrency": self.max_connections,
        }
