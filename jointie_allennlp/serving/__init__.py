"""
An HTTP server around any predictor of this package (FastAPI + uvicorn, the `serve` extra):

    python -m jointie_allennlp serve model.tar.gz --host 127.0.0.1 --port 8000

`POST /predict` (one document or a list, answered in the shared prediction schema), `GET /health`
(model, types, precision, limits, batching counters), `GET /` (a page where text is pasted and the result
shown). Concurrent requests are batched (`MicroBatcher`). No model logic lives here: the
predictor does it.

Every request is bounded (`ServerLimits`; each field is an option of `serve`):

- `--max-body-bytes` (2 MiB): a larger body is refused with 413 as soon as its `Content-Length`
  or the bytes received so far exceed it; the body is never buffered past it.
- `--max-documents` (256): a request with more documents is refused with 413.
- `--max-document-characters` (50000): a longer document (its text, or its tokens joined by
  spaces) is answered with an error record; the other documents of the request are predicted.
- `--max-batch-characters` (10000): the characters of one model call. Documents wait in order of
  length, shortest first, so a short document waits for at most the model call running when it
  arrives; a document longer than this bound is predicted alone.
- `--request-timeout` (30 s): a request not answered by then gets 503 with a `Retry-After`, and
  its documents that have not started are dropped; the other requests go on.
- `--body-timeout` (10 s): a body not received by then gets 408 and the connection is closed.
- `--header-timeout` (10 s): a new connection that has not sent a request line and headers by
  then is closed.
- `--keep-alive-timeout` (5 s): an idle connection between requests is closed after this.
- `--max-header-bytes` (16 KiB): a longer request line and headers get 400.
- `--max-connections` (64): connections and requests in progress at once; beyond, 503.

Within a request, anything that goes wrong with one document (too long, a lone surrogate in any
field, a failure in the predictor) gives that document an error record as `predict` writes one;
responses are valid UTF-8 JSON, a lone surrogate echoed as U+FFFD as `predict` does.
"""
import argparse
from typing import Any, Dict, Optional, Union

from jointie_allennlp.serving.batcher import MicroBatcher
from jointie_allennlp.serving.limits import ServerLimits

__all__ = ["MicroBatcher", "ServerLimits", "add_arguments", "limits_of", "load_app", "serve", "server_config"]


def load_app(
    archive_path: str,
    predictor_name: Optional[str] = None,
    cuda_device: int = -1,
    predictor_args: Optional[Dict[str, Any]] = None,
    limits: Optional[ServerLimits] = None,
    precision: str = "auto",
    int8_drift_check: Union[bool, str] = False,
    max_f1_drift: float = 0.005,
    **app_options,
):
    """The application serving an archive (its predictor loaded by
    `jointie_allennlp.predictors.loading.load_predictor`: the model's default predictor unless
    `predictor_name` is given, in the precision `precision`, `int8_drift_check` and `max_f1_drift`
    choose); `limits` and `app_options` (`max_batch_size`, `max_latency`) go to `create_app`."""
    from jointie_allennlp.predictors.loading import load_predictor
    from jointie_allennlp.serving.app import create_app  # needs the `serve` extra

    predictor = load_predictor(archive_path, predictor_name, predictor_args, cuda_device=cuda_device,
                               precision=precision, int8_drift_check=int8_drift_check, max_f1_drift=max_f1_drift)
    model = predictor._model
    types = model.extraction_types() if hasattr(model, "extraction_types") else {}
    return create_app(predictor, model_name=_registered_name(model), types=types, limits=limits, **app_options)


def _registered_name(model) -> str:
    """The name `model`'s class is registered under (its class name when it is not registered)."""
    from allennlp.models import Model

    registry = Model._registry.get(Model, {})
    return next((name for name, (cls, _) in registry.items() if cls is type(model)), type(model).__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("archive", help="a model.tar.gz from `allennlp train`")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--predictor", help="a registered predictor (default: the model's)")
    parser.add_argument("--predictor-args", default="", help="JSON object of predictor arguments")
    parser.add_argument("--cuda-device", type=int, default=-1)
    parser.add_argument("--max-batch-size", type=int, default=16, help="documents per model call")
    parser.add_argument("--max-latency-ms", type=float, default=10.0, help="how long a batch waits for more documents")
    for name, field in ServerLimits.model_fields.items():
        parser.add_argument(
            "--" + name.replace("_", "-"), type=field.annotation, default=field.default, help=field.description
        )


def limits_of(args: argparse.Namespace) -> ServerLimits:
    """The limits given on the command line (an invalid one: `pydantic.ValidationError` naming it)."""
    return ServerLimits(**{name: getattr(args, name) for name in ServerLimits.model_fields})


def serve(args: argparse.Namespace, **load_options) -> int:
    """
    Serves `args.archive` until stopped (exit status 2 for an invalid limit); `load_options`
    (`precision`, `int8_drift_check`, `max_f1_drift`) go to `load_app`. The precision chosen is
    printed as one line on standard error.
    """
    import sys

    import uvicorn
    from pydantic import ValidationError

    from jointie_allennlp.predictors.loading import parse_predictor_args

    try:
        limits = limits_of(args)
    except ValidationError as error:
        problems = "; ".join(f"--{str(e['loc'][0]).replace('_', '-')}: {e['msg']}" for e in error.errors())
        print(f"serve: {problems}")
        return 2
    app = load_app(
        args.archive,
        predictor_name=args.predictor,
        cuda_device=args.cuda_device,
        predictor_args=parse_predictor_args(args.predictor_args),
        limits=limits,
        max_batch_size=args.max_batch_size,
        max_latency=args.max_latency_ms / 1000,
        **load_options,
    )
    if app.state.precision is not None:
        print(app.state.precision.summary(), file=sys.stderr)
    uvicorn.Server(server_config(app, limits, host=args.host, port=args.port)).run()
    return 0


def server_config(app, limits: ServerLimits, host: str = "127.0.0.1", port: int = 8000, **uvicorn_options):
    """The `uvicorn.Config` serving `app` with the connection limits of `limits` (its timeouts,
    header size and concurrency; the application enforces the others)."""
    import uvicorn

    from jointie_allennlp.serving.protocol import h11_protocol

    protocol = h11_protocol(limits.header_timeout)
    return uvicorn.Config(app, host=host, port=port, http=protocol, **limits.uvicorn_options(), **uvicorn_options)
