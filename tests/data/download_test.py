"""Fetching the data sets: real HTTP requests to a server on 127.0.0.1 serving archives and files built here."""
import functools
import hashlib
import http.server
import io
import json
import os
import socket
import subprocess
import threading
import zipfile
from pathlib import Path
from typing import Dict, Iterator

import pytest

from jointie_allennlp.data.download import (
    DATASETS, RUREBUS_COMMIT, ChecksumError, DataSet, DownloadError, Remote, fetch, fetch_dataset, sha256_of,
)

PROJECT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("JOINTIE_DATA_DIR") or PROJECT.parent / "shared" / "data")
RUREBUS_REPOSITORY = Path(os.environ.get("RUREBUS_REPOSITORY", "/work/.mirror/dialogue-evaluation+RuREBus/repo"))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's signature)
        pass


@pytest.fixture
def server(tmp_path) -> Iterator[Dict]:
    """A static HTTP server on 127.0.0.1 over a fresh folder: {"root": folder, "url": base URL, "requests": paths}."""
    root = tmp_path / "served"
    root.mkdir()
    requests = []

    class Handler(QuietHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"root": root, "url": f"http://127.0.0.1:{httpd.server_address[1]}", "requests": requests}
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def zip_bytes(members: Dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            if name.endswith("/"):
                archive.writestr(zipfile.ZipInfo(name), b"")
            else:
                archive.writestr(name, data)
    return buffer.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


TRAIN_JSON = json.dumps([{"tokens": ["A", "b"], "entities": [], "relations": []}]).encode()
PART_1 = zip_bytes({"train_part_1/": b"", "train_part_1/.stats_cache": b"x", "train_part_1/r1_part_0.txt": b"One.",
                    "train_part_1/r1_part_0.ann": "T1\tACT 0 3\tOne\n".encode()})
PART_2 = zip_bytes({"train_part_2/": b"", "train_part_2/r2_part_0.txt": "Два.".encode(),
                    "train_part_2/r2_part_0.ann": b""})
TEST = zip_bytes({"t_part_0_.txt": b"Test.", "t_part_0_.ann": b""})


def serve(root: Path, files: Dict[str, bytes]) -> None:
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)


def toy_sets(base: str) -> Dict[str, DataSet]:
    """A SpERT-like set of plain files and a RuREBus-like set of zip archives, at `base`."""
    return {
        "json": DataSet("json", f"{base}/json", (
            Remote("json_train.json", sha(TRAIN_JSON), "json/json_train.json"),
            Remote("json_types.json", sha(b"{}"), "json/json_types.json"),
        )),
        "brat": DataSet("brat", f"{base}/brat/at-commit", (
            Remote("train_data/train_part_1.zip", sha(PART_1), "brat/train"),
            Remote("train_data/train_part_2.zip", sha(PART_2), "brat/train"),
            Remote("test_data/test_full.zip", sha(TEST), "brat/test_full"),
        )),
    }


@pytest.fixture
def published(server) -> Dict[str, DataSet]:
    serve(server["root"], {"json/json_train.json": TRAIN_JSON, "json/json_types.json": b"{}",
                           "brat/at-commit/train_data/train_part_1.zip": PART_1,
                           "brat/at-commit/train_data/train_part_2.zip": PART_2,
                           "brat/at-commit/test_data/test_full.zip": TEST})
    return toy_sets(server["url"])


def listing(directory: Path) -> Dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_files_and_archives_land_under_their_names_checked(published, tmp_path, server):
    data = tmp_path / "data"
    outcomes = [o for name in ("json", "brat") for o in fetch_dataset(published[name], data)]
    assert [(o.target, o.status, o.files, o.checked) for o in outcomes] == [
        ("json/json_train.json", "fetched", 1, True), ("json/json_types.json", "fetched", 1, True),
        ("brat/train", "fetched", 4, True), ("brat/test_full", "fetched", 2, True)]
    assert outcomes[2].size == len(PART_1) + len(PART_2)
    assert listing(data) == {
        "json/json_train.json": TRAIN_JSON, "json/json_types.json": b"{}",
        "brat/train/r1_part_0.txt": b"One.", "brat/train/r1_part_0.ann": "T1\tACT 0 3\tOne\n".encode(),
        "brat/train/r2_part_0.txt": "Два.".encode(), "brat/train/r2_part_0.ann": b"",
        "brat/test_full/t_part_0_.txt": b"Test.", "brat/test_full/t_part_0_.ann": b"",
    }  # the archives' folders and their .stats_cache are not kept; no temporary file is left
    assert "/brat/at-commit/train_data/train_part_2.zip" in server["requests"]


def test_a_mirror_replaces_every_source(published, tmp_path, server):
    serve(server["root"], {"mirror/json/json_train.json": TRAIN_JSON, "mirror/json/json_types.json": b"{}"})
    elsewhere = toy_sets(closed_port_url())["json"]
    fetch_dataset(elsewhere, tmp_path / "data", mirror=server["url"] + "/mirror/")
    assert listing(tmp_path / "data") == {"json/json_train.json": TRAIN_JSON, "json/json_types.json": b"{}"}


def test_a_corrupted_file_is_refused_and_nothing_is_written(published, tmp_path, server):
    serve(server["root"], {"json/json_types.json": b"{ }", "brat/at-commit/test_data/test_full.zip": TEST[:-1]})
    data = tmp_path / "data"
    with pytest.raises(ChecksumError, match=r"json_types\.json: SHA-256 .* is not the published file's " + sha(b"{}")):
        fetch_dataset(published["json"], data)
    assert listing(data) == {"json/json_train.json": TRAIN_JSON}  # the file before it stays
    with pytest.raises(ChecksumError, match="test_full.zip"):
        fetch_dataset(published["brat"], data)
    assert sorted(listing(data / "brat")) == ["train/r1_part_0.ann", "train/r1_part_0.txt", "train/r2_part_0.ann",
                                              "train/r2_part_0.txt"]
    assert not list(data.rglob(".*"))  # no temporary folder left


def test_an_unreachable_server_and_a_missing_file_are_clear_errors(published, tmp_path, server):
    with pytest.raises(DownloadError, match=r"cannot reach http://127\.0\.0\.1:\d+/json/json_train\.json .*network"):
        fetch_dataset(toy_sets(closed_port_url())["json"], tmp_path / "data", timeout=5)
    (server["root"] / "json" / "json_types.json").unlink()
    with pytest.raises(DownloadError, match=r"json_types\.json: HTTP 404"):
        fetch_dataset(published["json"], tmp_path / "data")
    assert listing(tmp_path / "data") == {"json/json_train.json": TRAIN_JSON}


def test_nothing_is_overwritten_without_overwrite(published, tmp_path, server):
    data = tmp_path / "data"
    serve(data, {"json/json_train.json": b"my own", "json/json_types.json": b"{}", "brat/train/mine.ann": b"kept"})
    outcomes = fetch_dataset(published["json"], data) + fetch_dataset(published["brat"], data)
    assert [(o.target, o.status) for o in outcomes] == [
        ("json/json_train.json", "differs"), ("json/json_types.json", "present"), ("brat/train", "present"),
        ("brat/test_full", "fetched")]
    assert (data / "json/json_train.json").read_bytes() == b"my own"
    assert sorted(p.name for p in (data / "brat/train").iterdir()) == ["mine.ann"]
    assert [r for r in server["requests"] if "json" in r or "train_part" in r] == []  # kept targets are not fetched
    outcomes = fetch_dataset(published["json"], data, overwrite=True) + fetch_dataset(published["brat"], data,
                                                                                      overwrite=True)
    assert {o.status for o in outcomes} == {"fetched"}
    assert (data / "json/json_train.json").read_bytes() == TRAIN_JSON
    assert sorted(p.name for p in (data / "brat/train").iterdir()) == [
        "mine.ann", "r1_part_0.ann", "r1_part_0.txt", "r2_part_0.ann", "r2_part_0.txt"]


def test_two_archives_with_one_file_name_are_refused(server, tmp_path):
    clash = zip_bytes({"part_2/r1_part_0.txt": b"other"})
    serve(server["root"], {"a.zip": PART_1, "b.zip": clash})
    dataset = DataSet("x", server["url"], (Remote("a.zip", sha(PART_1), "x/train"),
                                            Remote("b.zip", sha(clash), "x/train")))
    with pytest.raises(DownloadError, match=r"b\.zip: part_2/r1_part_0\.txt has the name of a file of .*a\.zip"):
        fetch_dataset(dataset, tmp_path / "data")
    assert listing(tmp_path / "data") == {}


def test_fetch_names_the_unknown_data_set(tmp_path):
    with pytest.raises(DownloadError, match="unknown data set 'conll03' .*conll04, scierc, ade, rurebus"):
        fetch(["conll03"], tmp_path)


def test_the_published_layout_is_the_one_the_configs_read():
    targets = {name: [remote.target for remote in dataset.files] for name, dataset in DATASETS.items()}
    assert targets["conll04"] == [f"conll04/conll04_{part}.json" for part in ("train", "dev", "test", "train_dev",
                                                                              "types")]
    assert targets["scierc"] == [f"scierc/scierc_{part}.json" for part in ("train", "dev", "test", "train_dev",
                                                                           "types")]
    assert targets["ade"] == ["ade/ade_full.json"] + [f"ade/ade_split_{k}_{part}.json" for k in range(10)
                                                      for part in ("train", "test")] + ["ade/ade_types.json"]
    assert targets["rurebus"] == ["rurebus/train"] * 3 + ["rurebus/test_full"]
    assert DATASETS["rurebus"].base_url.endswith(RUREBUS_COMMIT)
    configs = (PROJECT / "training_configs").rglob("*.*sonnet")
    read = {part for config in configs for part in config.read_text(encoding="utf-8").split("'")
            if part.startswith(("conll04/", "scierc/", "rurebus/"))}
    assert read and read <= {t for ts in targets.values() for t in ts} | {"rurebus/dev"}  # dev: split-brat's


@pytest.mark.skipif(not (SHARED / "conll04").is_dir(), reason=f"no copy of the data sets at {SHARED}")
def test_the_pinned_sums_are_those_of_the_published_files():
    checked = 0
    for dataset in DATASETS.values():
        for remote in dataset.files:
            path = SHARED / remote.target
            if path.is_file():
                assert sha256_of(path) == remote.sha256, path
                checked += 1
    assert checked >= 30


@pytest.mark.skipif(not (SHARED / "conll04").is_dir(), reason=f"no copy of the data sets at {SHARED}")
def test_conll04_through_a_mirror_of_the_published_files(server, tmp_path):
    (server["root"] / "conll04").symlink_to(SHARED / "conll04")
    outcomes = fetch(["conll04"], tmp_path / "data", mirror=server["url"])
    assert [o.status for o in outcomes["conll04"]] == ["fetched"] * 5
    assert listing(tmp_path / "data" / "conll04") == listing(SHARED / "conll04")


@pytest.mark.skipif(not (RUREBUS_REPOSITORY.is_dir() and (SHARED / "rurebus" / "train").is_dir()),
                    reason="needs the RuREBus repository (RUREBUS_REPOSITORY) and a copy of its data")
def test_rurebus_archives_give_the_layout_the_configs_read(server, tmp_path):
    for remote in DATASETS["rurebus"].files:
        shown = subprocess.run(["git", f"--git-dir={RUREBUS_REPOSITORY}", "show", f"{RUREBUS_COMMIT}:{remote.path}"],
                               capture_output=True, check=True)
        serve(server["root"], {f"rurebus/{remote.path}": shown.stdout})
    outcomes = fetch(["rurebus"], tmp_path / "data", mirror=server["url"])["rurebus"]
    assert [(o.target, o.files) for o in outcomes] == [("rurebus/train", 376), ("rurebus/test_full", 60)]
    for split in ("train", "test_full"):
        assert listing(tmp_path / "data" / "rurebus" / split) == listing(SHARED / "rurebus" / split)
