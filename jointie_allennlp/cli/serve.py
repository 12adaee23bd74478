"""
Serve a model over HTTP (FastAPI + uvicorn, the `serve` extra):

    jointie serve model.tar.gz --host 127.0.0.1 --port 8000

`POST /predict`, `GET /health`, `GET /` (see `jointie_allennlp.serving`). The model predicts in
the precision of `--precision` (default `auto`), printed as one line on standard error and
reported by `GET /health` under `precision`.
"""
import argparse

from jointie_allennlp.cli.common import add_precision_arguments, precision_options

NAME = "serve"
HELP = "serve a model over HTTP (FastAPI + uvicorn)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from jointie_allennlp import serving  # the server's own options live beside the server

    serving.add_arguments(parser)
    add_precision_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from jointie_allennlp import serving

    return serving.serve(args, **precision_options(args))
