"""`jointie data`: what it prints and its exit status, with real requests to a server on 127.0.0.1."""
import argparse
import functools
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import pytest

from jointie_allennlp.cli import data as command
from jointie_allennlp.data import download
from jointie_allennlp.data.download import DataSet, Remote


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's signature)
        pass


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A data set `toy` of two files, served by a static HTTP server on 127.0.0.1 (the mirror URL)."""
    root = tmp_path / "served"
    (root / "toy").mkdir(parents=True)
    files = {"toy_train.json": b"[]", "toy_types.json": b"{}"}
    for name, data in files.items():
        (root / "toy" / name).write_bytes(data)
    toy = DataSet("toy", "http://127.0.0.1:9/unused", tuple(
        Remote(name, hashlib.sha256(data).hexdigest(), f"toy/{name}") for name, data in files.items()))
    monkeypatch.setitem(download.DATASETS, "toy", toy)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return command.run(parser.parse_args(list(argv)))


def test_fetches_into_the_directory_and_says_what(mirror, tmp_path, capsys):
    data = tmp_path / "data"
    assert run("toy", "--directory", str(data), "--mirror", mirror) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"fetched {data / 'toy/toy_train.json'} (1 file, 2 bytes downloaded, SHA-256 checked)",
                   f"fetched {data / 'toy/toy_types.json'} (1 file, 2 bytes downloaded, SHA-256 checked)",
                   f"the configs read this data with JOINTIE_DATA_DIR={data.resolve()}"]
    assert (data / "toy/toy_train.json").read_bytes() == b"[]"
    assert run("toy", "--directory", str(data), "--mirror", mirror) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"kept {data / 'toy/toy_train.json'} (already there: 1 file, SHA-256 checked)")


def test_the_data_directory_defaults_to_jointie_data_dir_then_data(mirror, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JOINTIE_DATA_MIRROR", mirror)
    monkeypatch.setenv("JOINTIE_DATA_DIR", str(tmp_path / "elsewhere"))
    assert run("toy") == 0
    assert (tmp_path / "elsewhere/toy/toy_types.json").is_file()
    monkeypatch.delenv("JOINTIE_DATA_DIR")
    monkeypatch.chdir(tmp_path)
    assert run("toy") == 0
    assert sorted(p.name for p in Path(tmp_path / "data/toy").iterdir()) == ["toy_train.json", "toy_types.json"]


def test_a_file_that_is_not_the_published_one_is_kept_and_reported(mirror, tmp_path, capsys):
    data = tmp_path / "data"
    (data / "toy").mkdir(parents=True)
    (data / "toy/toy_train.json").write_bytes(b"[1]")
    assert run("toy", "--directory", str(data), "--mirror", mirror) == 1
    assert f"kept {data / 'toy/toy_train.json'}: it is not the published file (--overwrite replaces it)" in (
        capsys.readouterr().out)
    assert (data / "toy/toy_train.json").read_bytes() == b"[1]"
    assert run("toy", "--directory", str(data), "--mirror", mirror, "--overwrite") == 0
    assert (data / "toy/toy_train.json").read_bytes() == b"[]"


def test_no_network_is_a_message_and_status_2(tmp_path, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    assert run("conll04", "--directory", str(tmp_path / "data"), "--mirror", closed, "--timeout", "5") == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: cannot reach {closed}/conll04/conll04_train.json (")
    assert "network connection" in captured.err and "Traceback" not in captured.err and captured.out == ""
    assert run("conll03", "--directory", str(tmp_path / "data")) == 2
    assert "unknown data set 'conll03'" in capsys.readouterr().err
