"""A real server (`python -m jointie_allennlp serve`, uvicorn on 127.0.0.1) with a tiny-BERT archive, over HTTP."""
import asyncio
import html
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")  # the `serve` extra
pytest.importorskip("uvicorn")
from allennlp.models.archival import load_archive  # noqa: E402
from allennlp.predictors import Predictor  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
TYPES = json.loads((PROJECT_ROOT / "fixtures" / "spert_json" / "conll04_like_types.json").read_text())
DOCUMENTS = [
    {"id": f"d{i}", "text": f"Maria Lopez {i} works for Northfield Labs in Denver. She moved there in May."}
    for i in range(20)
] + [
    {"id": "tok", "tokens": ["Tom", "Reed", "lives", "in", "Oslo", "."], "source": "echoed"},
    {"id": "sentences", "tokens": [["Anna", "left", "."], ["Bob", "works", "for", "Acme", "."]]},
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    """What the server writes to standard output and standard error."""
    return tmp_path_factory.mktemp("server") / "server.log"


@pytest.fixture(scope="module")
def server(spert_archive, server_log):
    port = _free_port()
    log = server_log
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "OMP_NUM_THREADS": "1"}
    # fp32, as the in-process predictor the answers are compared with
    command = [sys.executable, "-m", "jointie_allennlp", "serve", str(spert_archive), "--port", str(port),
               "--max-batch-size", "8", "--max-latency-ms", "100", "--precision", "fp32"]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while True:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not come up"
        time.sleep(0.5)
    yield url
    process.terminate()
    process.wait(timeout=60)


@pytest.fixture(scope="module")
def expected(spert_archive):
    """The predictor's own answers (the same archive, in this process)."""
    predictor = Predictor.from_archive(load_archive(str(spert_archive)))
    return {record["id"]: record for record in predictor.predict_batch_json([dict(d) for d in DOCUMENTS])}


def test_health_names_the_model_and_its_types(server):
    health = httpx.get(f"{server}/health").json()
    assert health["status"] == "ok" and health["model"] == "spert"
    assert set(health["entity_types"]) <= set(TYPES["entities"]) and health["entity_types"]
    assert set(health["relation_types"]) <= set(TYPES["relations"]) and health["relation_types"]
    assert health["batching"]["max_batch_size"] == 8


def test_health_and_the_log_report_the_precision(server, server_log):
    from jointie_allennlp.precision import cpu

    precision = httpx.get(f"{server}/health").json()["precision"]
    assert precision == {"precision": "fp32", "requested": "fp32", "reason": "asked for",
                         "cpu_flags": cpu.precision_flags()}
    assert server_log.read_text().splitlines().count("precision: fp32 (fp32: asked for)") == 1


def test_load_app_serves_in_the_precision_asked_for(spert_archive):
    from jointie_allennlp.serving import ServerLimits, load_app
    from tests.serving.conftest import running_server

    app = load_app(str(spert_archive), precision="int8", max_batch_size=4)
    limits = ServerLimits()
    with running_server(app, limits) as url:
        health = httpx.get(f"{url}/health").json()
        record = httpx.post(f"{url}/predict", json=DOCUMENTS[0], timeout=120).json()
    assert health["precision"]["precision"] == "int8" and health["precision"]["reason"] == "asked for (int8-encoder)"
    assert record["id"] == "d0" and record["tokens"][:2] == ["Maria", "Lopez"] and "error" not in record


def test_concurrent_requests_are_all_answered_and_batched(server, expected, assert_same_prediction):
    before = httpx.get(f"{server}/health").json()["batching"]

    async def send_all():
        async with httpx.AsyncClient(base_url=server, timeout=300) as client:
            singles = [client.post("/predict", json=document) for document in DOCUMENTS]
            several = client.post("/predict", json=DOCUMENTS[:3])
            return await asyncio.gather(*singles, several)

    responses = asyncio.run(send_all())
    assert [r.status_code for r in responses] == [200] * (len(DOCUMENTS) + 1)
    for document, response in zip(DOCUMENTS, responses):
        assert_same_prediction(response.json(), expected[document["id"]])
    assert_same_prediction(responses[-1].json(), [expected[d["id"]] for d in DOCUMENTS[:3]])
    assert expected["tok"]["source"] == "echoed" and expected["sentences"]["sentences"] == [[0, 3], [3, 8]]

    after = httpx.get(f"{server}/health").json()["batching"]
    documents = len(DOCUMENTS) + 3
    assert after["documents"] - before["documents"] == documents
    assert after["batches"] - before["batches"] < documents  # documents of different requests shared calls
    assert 1 < after["largest_batch"] <= 8


def test_malformed_requests_get_4xx_while_the_others_go_on(server, expected, assert_same_prediction):
    bad = [
        ("not json", {"content": b"{broken", "headers": {"content-type": "application/json"}}, "JSON"),
        ("no text", {"json": {"id": "x", "words": ["a"]}}, "a document needs"),
        ("wrong type", {"json": {"text": 5}}, "valid string"),
        ("not a document", {"json": [1, 2]}, "valid dictionary"),
        ("empty list", {"json": []}, "empty"),
    ]

    async def send_all():
        async with httpx.AsyncClient(base_url=server, timeout=300) as client:
            good = [client.post("/predict", json=document) for document in DOCUMENTS[:6]]
            malformed = [client.post("/predict", **request) for _, request, _ in bad]
            return await asyncio.gather(*good, *malformed)

    responses = asyncio.run(send_all())
    for document, response in zip(DOCUMENTS[:6], responses):
        assert response.status_code == 200
        assert_same_prediction(response.json(), expected[document["id"]])
    for (name, _, reason), response in zip(bad, responses[6:]):
        assert 400 <= response.status_code < 500, name
        assert reason in str(response.json()["detail"]), name
    assert httpx.get(f"{server}/health").json()["status"] == "ok"


def test_the_page_shows_a_form_and_the_prediction(server, expected):
    page = httpx.get(f"{server}/")
    assert page.status_code == 200 and "<textarea" in page.text and 'method="post"' in page.text
    text = DOCUMENTS[0]["text"]
    result = httpx.post(f"{server}/", data={"text": text}, timeout=300)
    assert result.status_code == 200 and "<textarea" in result.text
    assert html.escape(text) in result.text  # in the form and in the rendered document
    assert result.text.count("<mark ") == len(expected["d0"]["entities"])
    for entity in expected["d0"]["entities"]:
        assert f"{entity['type']} {entity['score']:.2f}" in result.text
