"""benchmarks/demo.py finds CoNLL04, fetches it when it is missing, and falls back to the fixtures without a network."""
import functools
import http.server
import importlib.util
import os
import socket
import threading
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("JOINTIE_DATA_DIR") or PROJECT.parent / "shared" / "data")


def load_demo():
    spec = importlib.util.spec_from_file_location("demo", PROJECT / "benchmarks" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_conll04_and_without_a_network_the_fixtures_are_used(tmp_path, monkeypatch, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        monkeypatch.setenv("JOINTIE_DATA_MIRROR", f"http://127.0.0.1:{probe.getsockname()[1]}")
    monkeypatch.setenv("JOINTIE_DATA_DIR", str(tmp_path / "data"))
    files = load_demo().data_files()
    assert files["train"] == PROJECT / "fixtures" / "spert_json" / "conll04_like_train.json"
    assert "could not fetch CoNLL04: cannot reach" in capsys.readouterr().out


@pytest.mark.skipif(not (SHARED / "conll04").is_dir(), reason=f"no copy of CoNLL04 at {SHARED}")
def test_missing_conll04_is_fetched_into_jointie_data_dir(tmp_path, monkeypatch):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002
            pass

    (tmp_path / "served").mkdir()
    (tmp_path / "served" / "conll04").symlink_to(SHARED / "conll04")
    handler = functools.partial(Quiet, directory=str(tmp_path / "served"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("JOINTIE_DATA_MIRROR", f"http://127.0.0.1:{httpd.server_address[1]}")
        monkeypatch.setenv("JOINTIE_DATA_DIR", str(tmp_path / "data"))
        files = load_demo().data_files()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert files["name"] == "CoNLL04" and files["train"] == tmp_path / "data" / "conll04" / "conll04_train.json"
    assert files["dev"].read_bytes() == (SHARED / "conll04" / "conll04_dev.json").read_bytes()
