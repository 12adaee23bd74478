"""
The limits of the HTTP application, over real HTTP to uvicorn on 127.0.0.1: body size (declared
and streamed), documents per request, characters per document, lone surrogates, the time budget,
a slow client, and a flood of bad requests beside good ones.
"""
import json
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.serving.conftest import running_server

httpx = pytest.importorskip("httpx")
from jointie_allennlp.serving.app import create_app  # noqa: E402
from jointie_allennlp.serving.limits import ServerLimits  # noqa: E402

LIMITS = ServerLimits(
    max_body_bytes=20_000,
    max_documents=8,
    max_document_characters=400,
    max_batch_characters=1000,
    request_timeout=120,
    body_timeout=1.0,
    header_timeout=1.0,
)
JSON_TYPE = {"content-type": "application/json"}
GOOD = [{"id": f"g{i}", "text": f"Maria Lopez {i} works for Northfield Labs in Denver."} for i in range(6)] + [
    {"id": "tok", "tokens": [["Tom", "Reed", "lives", "in", "Oslo", "."], ["Anna", "left", "."]]}
]


@pytest.fixture(scope="module")
def expected(spert_predictor):
    """The predictor's own answer for every well-formed document, one at a time."""
    return {d["id"]: spert_predictor.predict_batch_json([dict(d)])[0] for d in GOOD}


@pytest.fixture(scope="module")
def server(spert_predictor, expected):  # the answers are computed before the server shares the predictor
    app = create_app(spert_predictor, model_name="spert", max_batch_size=8, max_latency=0.005, limits=LIMITS)
    with running_server(app, LIMITS) as url:
        yield url


def raw_exchange(url: str, data: bytes) -> bytes:
    """Everything the server sends back on a connection where the client sends `data`, until the
    server closes it (the socket's timeout fails the test if it never does)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as connection:
        connection.sendall(data)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def status_and_detail(response: bytes):
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)["detail"]


def test_a_body_declared_larger_than_the_limit_is_refused_unread_and_the_connection_closed(server):
    request = b"POST /predict HTTP/1.1\r\nHost: t\r\n" + (
        b"Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"
    )
    assert status_and_detail(raw_exchange(server, request)) == (413, "a body of 100000000 bytes; at most 20000")
    response = httpx.post(f"{server}/predict", content=b" " * 25_000, headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json() == {"detail": "a body of 25000 bytes; at most 20000"}


def test_a_chunked_body_is_refused_once_its_bytes_pass_the_limit(server, expected, assert_same_prediction):
    def chunks():
        yield b'[{"id": "g0", "text": "'
        for _ in range(4):
            yield b"x" * 8000

    response = httpx.post(f"{server}/predict", content=chunks(), headers={"content-type": "application/json"})
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413 and response.json() == {"detail": "a body of more than 20000 bytes"}
    # a chunked body within the limit is read and answered
    within = httpx.post(f"{server}/predict", content=iter([json.dumps(GOOD[0]).encode()]))
    assert within.status_code == 200
    assert_same_prediction(within.json(), expected["g0"])


def test_more_documents_than_the_limit_are_refused(server):
    response = httpx.post(f"{server}/predict", json=[GOOD[0]] * 9)
    assert response.status_code == 413
    assert response.json() == {"detail": "9 documents in one request; at most 8"}


def test_an_over_long_document_gets_an_error_record_and_the_others_are_answered(
    server, expected, assert_same_prediction
):
    long_text = "Maria Lopez works for Northfield Labs. " * 12 + "x" * 32  # 500 characters
    long_tokens = ["word"] * 100  # 499 characters joined by spaces
    body = [GOOD[0], {"id": "long", "text": long_text, "source": "s"}, GOOD[6], {"id": 7, "tokens": long_tokens}]
    response = httpx.post(f"{server}/predict", json=body, timeout=120)
    assert response.status_code == 200
    records = response.json()
    assert_same_prediction(records[0], expected["g0"])
    assert_same_prediction(records[2], expected["tok"])
    assert records[1] == {
        "id": "long", "text": long_text, "source": "s", "entities": [], "relations": [],
        "error": "request item 1: 500 characters; at most 400 per document",
    }
    assert records[3] == {
        "id": 7, "tokens": long_tokens, "entities": [], "relations": [],
        "error": "request item 3: 499 characters; at most 400 per document",
    }


def test_a_lone_surrogate_gives_that_document_an_error_record_and_the_others_are_answered(
    server, expected, assert_same_prediction
):
    # JSON escapes of lone surrogates: valid JSON, but no Unicode character
    body = (
        '[{"id": "in-text", "text": "Maria \\ud800 Lopez works in Denver."}, ' + json.dumps(GOOD[1]) + ", "
        '{"id": "\\udc00id", "text": "Tom Reed lives in Oslo."}, '
        '{"id": "in-tokens", "tokens": ["Tom", "\\ud83d"]}, ' + json.dumps(GOOD[2]) + ", "
        '{"id": "in-other", "text": "Anna left.", "note": "\\udfff"}]'
    )
    response = httpx.post(f"{server}/predict", content=body.encode(), headers={"content-type": "application/json"})
    assert response.status_code == 200
    records = json.loads(response.content.decode("utf-8"))  # strict UTF-8
    # no surrogate escape (`\udXXX`; a backslash before it would be an escaped backslash): echoed as U+FFFD
    assert not re.search(rb"(?<!\\)\\u[dD][89a-fA-F]", response.content)
    assert_same_prediction(records[1], expected["g1"])
    assert_same_prediction(records[4], expected["g2"])
    assert records[0]["text"] == "Maria \ufffd Lopez works in Denver." and records[0]["entities"] == []
    assert records[0]["error"] == (
        'request item 0: field "text" has a lone surrogate \\ud800 at character 6 (not a Unicode character)'
    )
    assert records[2]["id"] == "\ufffdid"
    assert records[2]["error"].startswith('request item 2: field "id" has a lone surrogate \\udc00 at character 0')
    assert records[3]["error"].startswith('request item 3: field "tokens"[1] has a lone surrogate \\ud83d')
    assert records[5]["note"] == "\ufffd" and 'field "note" has a lone surrogate \\udfff' in records[5]["error"]

    single = httpx.post(f"{server}/predict", content=b'{"id": "one", "text": "a \\udbff b"}', headers=JSON_TYPE)
    assert single.status_code == 200 and single.json()["id"] == "one"
    assert 'field "text" has a lone surrogate \\udbff' in single.json()["error"]


def test_a_body_that_is_not_utf8_or_not_json_is_refused_with_its_reason(server):
    not_utf8 = httpx.post(f"{server}/predict", content=b'{"text": "caf\xe9"}', headers=JSON_TYPE)
    assert not_utf8.status_code == 400
    assert not_utf8.json() == {"detail": "the body is not UTF-8: byte offset 13 (invalid continuation byte)"}
    nan = httpx.post(f"{server}/predict", content=b'{"text": "a", "score": NaN}')
    assert nan.status_code == 400 and "NaN is not valid JSON" in nan.json()["detail"]


def test_a_slow_client_sending_half_a_body_is_answered_408_and_dropped(server, expected, assert_same_prediction):
    head = b"POST /predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    response = raw_exchange(server, head + b'[{"text": "' + b"a" * 489)  # 500 of the 1000 bytes, then nothing
    assert status_and_detail(response) == (408, "the body was not sent within 1 s")
    assert b"connection: close" in response.lower()
    answer = httpx.post(f"{server}/predict", json=GOOD[3], timeout=120)
    assert answer.status_code == 200
    assert_same_prediction(answer.json(), expected["g3"])


def test_a_connection_that_never_completes_its_headers_is_closed(server):
    assert raw_exchange(server, b"POST /predict HTTP/1.1\r\nHost: t\r\nContent-") == b""


def test_a_flood_of_bad_requests_beside_good_ones(server, expected, assert_same_prediction):
    json_type = {"content-type": "application/json"}
    oversized = {"content": b"[" + b" " * 30_000 + b"]", "headers": json_type}

    def chunked():
        yield b"[" + b" " * 15_000
        yield b" " * 15_000 + b"]"

    bad = [
        ("oversized", lambda: oversized, 413),
        ("oversized chunked", lambda: {"content": chunked(), "headers": json_type}, 413),
        ("too many", lambda: {"json": [GOOD[0]] * 20}, 413),
        ("broken JSON", lambda: {"content": b'[{"text": ', "headers": json_type}, 400),
        ("not documents", lambda: {"json": [1, {"text": "a"}]}, 422),
        ("no text", lambda: {"json": {"id": "x"}}, 422),
    ]
    requests = []
    for i in range(40):
        if i % 2:
            kind, make, status = bad[(i // 2) % len(bad)]
            requests.append((kind, make, status, None))
        elif i % 4 == 0:
            document = GOOD[(i // 4) % len(GOOD)]
            requests.append(("single", lambda d=document: {"json": d}, 200, expected[document["id"]]))
        else:
            pair = [GOOD[(i // 4) % len(GOOD)], {"id": "bad", "text": "\ud800"}, GOOD[(i // 4 + 1) % len(GOOD)]]
            answer = [expected[pair[0]["id"]], None, expected[pair[2]["id"]]]
            body = json.dumps(pair).encode()  # the lone surrogate as a JSON escape
            requests.append(("batch", lambda b=body: {"content": b, "headers": json_type}, 200, answer))

    def send(request):
        kind, make, status, answer = request
        response = httpx.post(f"{server}/predict", timeout=120, **make())
        return kind, status, answer, response

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(send, requests))
    assert len(results) == 40
    for kind, status, answer, response in results:
        assert response.status_code == status, (kind, response.text[:300])
        assert response.json()  # every answer is JSON, with its reason or its records
        if kind == "single":
            assert_same_prediction(response.json(), answer)
        elif kind == "batch":
            first, failed, last = response.json()
            assert_same_prediction(first, answer[0])
            assert_same_prediction(last, answer[2])
            assert "lone surrogate" in failed["error"] and failed["entities"] == []
    assert httpx.get(f"{server}/health").json()["status"] == "ok"


def test_a_request_over_its_time_budget_gets_503_while_a_short_one_is_answered(
    spert_predictor, expected, assert_same_prediction
):
    limits = ServerLimits(
        max_body_bytes=1_000_000, max_documents=256, max_document_characters=2000, max_batch_characters=2000,
        request_timeout=5,
    )
    sentence = "Maria Lopez works for Northfield Labs in Denver. "
    long_request = [{"id": f"long{i}", "text": (sentence * 31)[:1500]} for i in range(200)]  # far more than 5 s
    app = create_app(spert_predictor, model_name="spert", max_batch_size=8, max_latency=0.0, limits=limits)
    with running_server(app, limits) as url:
        long_answer = {}
        sender = threading.Thread(
            target=lambda: long_answer.update(response=httpx.post(f"{url}/predict", json=long_request, timeout=120))
        )
        sender.start()
        while httpx.get(f"{url}/health").json()["batching"]["batches"] == 0:  # the long request is being predicted
            time.sleep(0.05)
        short = httpx.post(f"{url}/predict", json=GOOD[4], timeout=120)
        sender.join()
        response = long_answer["response"]
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
        assert response.json() == {
            "detail": "not answered within the time budget of 5 s per request (the server is busy); "
            "its documents were dropped"
        }
        assert short.status_code == 200  # shortest first: it waited for one model call, not for the long request
        assert_same_prediction(short.json(), expected["g4"])
        # the long request's documents not started when it timed out are dropped, not predicted
        for _ in range(600):
            batching = httpx.get(f"{url}/health").json()["batching"]
            if batching["documents"] + batching["dropped"] == len(long_request) + 1:
                break
            time.sleep(0.05)
        assert batching["documents"] + batching["dropped"] == len(long_request) + 1
        assert batching["dropped"] > 0


def test_the_openapi_description_shows_the_request_body(server):
    body = httpx.get(f"{server}/openapi.json").json()["paths"]["/predict"]["post"]["requestBody"]
    single, several = body["content"]["application/json"]["schema"]["anyOf"]
    assert set(single["properties"]) == {"id", "text", "tokens"} and several["items"] == single
