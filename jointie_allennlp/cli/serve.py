"""
Serve a model over HTTP (FastAPI + uvicorn, the `serve` extra):

    jointie serve model.tar.gz --host 127.0.0.1 --port 8000

`POST /predict`, `GET /health`, `GET /` (see `jointie_allennlp.serving`).
"""
import argparse

NAME = "serve"
HELP = "serve a model over HTTP (FastAPI + uvicorn)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from jointie_allennlp import serving  # the server's own options live beside the server

    serving.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from jointie_allennlp import serving

    return serving.serve(args)
