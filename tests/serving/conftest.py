"""Servers for the serving tests: uvicorn on 127.0.0.1 on a free port, in a thread of this process."""
import socket
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import pytest

pytest.importorskip("fastapi")  # the `serve` extra
pytest.importorskip("uvicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(app, limits) -> Iterator[str]:
    """`app` served by uvicorn with the connection limits of `limits` (as `serve` does); yields its URL."""
    import uvicorn

    from jointie_allennlp.serving import server_config

    server = uvicorn.Server(server_config(app, limits, port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


@pytest.fixture(scope="session")
def spert_predictor(spert_archive):
    """The predictor of the tiny SpERT archive (the one the in-process servers serve)."""
    from allennlp.models.archival import load_archive
    from allennlp.predictors import Predictor

    return Predictor.from_archive(load_archive(str(spert_archive)))
