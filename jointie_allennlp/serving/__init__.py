"""
An HTTP server around any predictor of this package (FastAPI + uvicorn, the `serve` extra):

    python -m jointie_allennlp serve model.tar.gz --host 127.0.0.1 --port 8000

`POST /predict` (one document or a list, answered in the shared prediction schema), `GET /health`
(model, types, batching counters), `GET /` (a page where text is pasted and the result shown).
Concurrent requests are batched (`MicroBatcher`). No model logic lives here: the predictor does it.
"""
import argparse
import json
from typing import Any, Dict, Optional

from jointie_allennlp.serving.batcher import MicroBatcher

__all__ = ["MicroBatcher", "load_app", "serve"]


def load_app(
    archive_path: str,
    predictor_name: Optional[str] = None,
    cuda_device: int = -1,
    predictor_args: Optional[Dict[str, Any]] = None,
    **app_options,
):
    """The application serving an archive: its default predictor unless `predictor_name` is given."""
    from allennlp.models.archival import load_archive
    from allennlp.predictors import Predictor

    from jointie_allennlp.serving.app import create_app  # needs the `serve` extra

    archive = load_archive(archive_path, cuda_device=cuda_device)
    predictor = Predictor.from_archive(archive, predictor_name, extra_args=predictor_args)
    model = archive.model
    types = model.extraction_types() if hasattr(model, "extraction_types") else {}
    model_name = archive.config.get("model").get("type", type(model).__name__)
    return create_app(predictor, model_name=model_name, types=types, **app_options)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("archive", help="a model.tar.gz from `allennlp train`")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--predictor", help="a registered predictor (default: the model's)")
    parser.add_argument("--predictor-args", default="", help="JSON object of predictor arguments")
    parser.add_argument("--cuda-device", type=int, default=-1)
    parser.add_argument("--max-batch-size", type=int, default=16, help="documents per model call")
    parser.add_argument("--max-latency-ms", type=float, default=10.0, help="how long a batch waits for more documents")
    parser.add_argument("--max-documents", type=int, default=256, help="documents per request")


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    app = load_app(
        args.archive,
        predictor_name=args.predictor,
        cuda_device=args.cuda_device,
        predictor_args=json.loads(args.predictor_args) if args.predictor_args else None,
        max_batch_size=args.max_batch_size,
        max_latency=args.max_latency_ms / 1000,
        max_documents=args.max_documents,
    )
    uvicorn.run(app, host=args.host, port=args.port)
    return 0
