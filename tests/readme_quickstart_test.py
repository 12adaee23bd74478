"""
The front door stays true: the ```sh blocks under the README's "Quickstart on your own data" are
taken from README.md itself and run, in order, in a fresh directory whose `my_data/train`,
`my_data/dev` and `my_data/test` are brat folders copied from fixtures/brat.

Only what a test must change is changed: `jointie` and `allennlp` run as `python -m jointie_allennlp`
and `python -m allennlp` of this interpreter (with this checkout first on the path); the tiny BERT,
one epoch and batches of 2 come from the configs' variables (`TRANSFORMER_MODEL`, `NUM_EPOCHS`,
`BATCH_SIZE`), so the README's commands keep their own words; `jointie serve` listens on a free
port, runs in the background until the last command has run and is then stopped; a `curl` line is
sent as the same HTTP request with the standard library (its URL, headers and body from the line).
Every other line (e.g. `printf ... > texts.jsonl`) runs in bash as written.
"""
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
README = PROJECT_ROOT / "README.md"
FIXTURES = PROJECT_ROOT / "fixtures"
HEADING = "## Quickstart on your own data"
PYTHON = shlex.quote(sys.executable)
# seconds a command (or the server's start) may take before the test gives up on it; never asserted on
PATIENCE = 900


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:] if end < 0 else text[start:end]


def quickstart_commands(readme: str) -> List[str]:
    """Every non-empty line of the ```sh blocks under the quickstart heading, in order."""
    blocks = re.findall(r"```sh\n(.*?)```", _section(readme, HEADING), re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shell_line(command: str) -> str:
    """The README line as this test runs it: `jointie` / `allennlp` as modules of this interpreter."""
    for program, module in (("jointie", "jointie_allennlp"), ("allennlp", "allennlp")):
        if command.startswith(program + " "):
            return f"{PYTHON} -m {module} {command[len(program) + 1:]}"
    return command


@dataclass
class CurlRequest:
    url: str
    headers: Dict[str, str]
    data: Optional[str]


def parse_curl(command: str) -> CurlRequest:
    """The request of a `curl [-s] URL [-H 'name: value'] [-d BODY]` line; anything else is refused."""
    words = shlex.split(command)
    assert words[0] == "curl", command
    url, headers, data = None, {}, None
    rest = iter(words[1:])
    for word in rest:
        if word in ("-s", "--silent"):
            continue
        if word in ("-H", "--header"):
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word in ("-d", "--data"):
            data = next(rest)
        elif word.startswith("-"):
            raise AssertionError(f"{command}: curl option {word} is not understood by this test")
        else:
            assert url is None, f"{command}: two URLs"
            url = word if "://" in word else "http://" + word
    assert url is not None, f"{command}: no URL"
    return CurlRequest(url, headers, data)


def send(request: CurlRequest) -> subprocess.CompletedProcess:
    """The request sent as curl sends it (POST when there is a body); the answer as a completed process."""
    body = request.data.encode("utf-8") if request.data is not None else None
    http = urllib.request.Request(request.url, data=body, headers=request.headers)
    try:
        with urllib.request.urlopen(http, timeout=PATIENCE) as answer:
            return subprocess.CompletedProcess(request.url, 0, answer.read().decode("utf-8"), "")
    except urllib.error.HTTPError as error:
        return subprocess.CompletedProcess(request.url, 22, "", f"HTTP {error.code}: {error.read()!r}")


@dataclass
class Quickstart:
    """The quickstart as run: the directory, each command with its outcome, the server's log."""

    directory: Path
    commands: List[str]
    results: Dict[str, subprocess.CompletedProcess] = field(default_factory=dict)
    failure: Optional[str] = None
    server_log: str = ""

    def stdout(self, prefix: str) -> str:
        return "".join(result.stdout for command, result in self.results.items() if command.startswith(prefix))


def _my_data(directory: Path) -> None:
    """my_data/train: both fixture documents; my_data/dev: doc2; my_data/test: doc1."""
    parts = {"train": ("doc1", "doc2"), "dev": ("doc2",), "test": ("doc1",)}
    for part, documents in parts.items():
        folder = directory / "my_data" / part
        folder.mkdir(parents=True)
        for document in documents:
            for suffix in (".txt", ".ann"):
                shutil.copy(FIXTURES / "brat" / f"{document}{suffix}", folder)


def _wait_for_server(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + PATIENCE
    while True:
        if process.poll() is not None:
            raise AssertionError(f"jointie serve exited with status {process.returncode}: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"jointie serve did not answer /health: {log.read_text()[-3000:]}")
        time.sleep(0.5)


def run_quickstart(directory: Path, commands: List[str]) -> Quickstart:
    """Runs `commands` in `directory` as described above; stops at the first command that fails."""
    run = Quickstart(directory, commands)
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        "TRANSFORMER_MODEL": str(FIXTURES / "tiny_bert"),
        "NUM_EPOCHS": "1",
        "BATCH_SIZE": "2",
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    port, readme_port = _free_port(), None
    server: Optional[subprocess.Popen] = None
    log = directory / "serve.log"
    try:
        for command in commands:
            if readme_port is not None:
                command_here = command.replace(f":{readme_port}", f":{port}")
            else:
                command_here = command
            if command.startswith("jointie serve "):
                readme_port = re.search(r"--port (\d+)", command).group(1)
                line = shell_line(command.replace(f"--port {readme_port}", f"--port {port}"))
                server = subprocess.Popen(
                    ["bash", "-c", f"exec {line}"], cwd=directory, env=environment,
                    stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
                )
                _wait_for_server(server, f"http://127.0.0.1:{port}", log)
                run.results[command] = subprocess.CompletedProcess(line, 0, "", "")
                continue
            if command.startswith("curl "):
                result = send(parse_curl(command_here))
            else:
                result = subprocess.run(
                    ["bash", "-c", shell_line(command_here)], cwd=directory, env=environment,
                    capture_output=True, text=True, timeout=PATIENCE,
                )
            run.results[command] = result
            if result.returncode != 0:
                run.failure = f"{command}\nexit status {result.returncode}\n{result.stderr[-3000:]}"
                break
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=120)
            run.server_log = log.read_text()
    return run


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory) -> Quickstart:
    directory = tmp_path_factory.mktemp("quickstart")
    _my_data(directory)
    return run_quickstart(directory, quickstart_commands(README.read_text(encoding="utf-8")))


def _records(path: Path) -> List[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_quickstart_names_the_commands_it_teaches():
    commands = quickstart_commands(README.read_text(encoding="utf-8"))
    programs = [shlex.split(command)[:2] for command in commands]
    for expected in (["jointie", "train"], ["jointie", "info"], ["jointie", "evaluate"], ["jointie", "predict"],
                     ["jointie", "render"], ["jointie", "serve"]):
        assert expected in programs
    assert [command for command in commands if command.startswith("curl ")], "no request to the server"


def test_every_quickstart_command_succeeds(quickstart):
    assert quickstart.failure is None, quickstart.failure
    assert list(quickstart.results) == quickstart.commands


def test_training_writes_the_archive_and_its_model_card(quickstart):
    out = quickstart.directory / "out"
    assert (out / "model.tar.gz").is_file()
    card = json.loads((out / "model_card.json").read_text(encoding="utf-8"))
    assert card["approach"] == "spert" and card["encoder"] == str(FIXTURES / "tiny_bert")
    assert card["epochs"]["trained"] == 1
    train_command = next(command for command in quickstart.commands if command.startswith("jointie train "))
    assert card["command"] == train_command  # the README's line, as the card records it
    assert card["data"]["train"]["documents"] == 2 and card["data"]["validation"]["documents"] == 1
    assert "MET" in card["types"]["entities"] and "NNG" in card["types"]["relations"]
    # what `jointie info` shows is the archive's card
    info = quickstart.stdout("jointie info ")
    assert info.startswith("# spert model") and "| ner_f1 |" in info


def test_evaluation_writes_every_test_sentence_with_its_gold(quickstart):
    records = _records(quickstart.directory / "test_predictions.jsonl")
    assert records and all(record["id"].startswith("doc1#") for record in records)  # one per sentence of doc1
    assert all("entities" in record and "gold_entities" in record for record in records)
    assert sum(len(record["gold_entities"]) for record in records) == 12  # doc1.ann's T lines
    metrics = json.loads(quickstart.stdout("jointie evaluate ").strip().splitlines()[-1])
    assert 0 <= metrics["ner_f1"] <= 1 and metrics["precision"]["requested"] == "auto"


def test_prediction_gives_one_record_per_text_line_with_entities(quickstart):
    records = _records(quickstart.directory / "predictions.jsonl")
    assert [record["id"] for record in records] == ["t1", "t2"]
    assert records[0]["text"] == "John Smith works for Acme Corp. in Boston."
    assert all("error" not in record for record in records)
    entities = [entity for record in records for entity in record["entities"]]
    assert entities, "the model predicted no entity"
    for record in records:
        for entity in record["entities"]:
            assert record["text"][entity["char_start"]:entity["char_end"]] == entity["text"]


def test_render_writes_the_error_view(quickstart):
    page = (quickstart.directory / "errors.html").read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "doc1#" in page and ("spurious" in page or "missed" in page)
    summary = json.loads(quickstart.stdout("jointie render ").strip().splitlines()[-1])
    assert summary["documents"] >= 1 and summary["failed_inputs"] == 0


def test_the_server_answers_the_readme_request(quickstart):
    answers = [result.stdout for command, result in quickstart.results.items() if command.startswith("curl ")]
    assert answers
    record = json.loads(answers[0])
    assert record["id"] == "d1" and record["text"] == "John Smith works for Acme Corp. in Boston."
    assert record["entities"] and "error" not in record


def test_the_python_block_runs_on_the_quickstart_model(quickstart):
    """The README's "From Python" block, as written, on the archive the quickstart trained."""
    assert quickstart.failure is None, quickstart.failure
    block = re.search(r"```python\n(.*?)```", _section(README.read_text(encoding="utf-8"), "## From Python"), re.DOTALL)
    script = block.group(1) + "\nprint('documents:', len(docs))\n"
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "OMP_NUM_THREADS": "1",
                   "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", script], cwd=quickstart.directory, env=environment,
                            capture_output=True, text=True, timeout=PATIENCE)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[-1] == "documents: 2"
    assert result.stdout.startswith("[(")  # the entities of the first text as (text, type) pairs


def test_curl_lines_are_read_as_curl_reads_them():
    request = parse_curl("curl -s 127.0.0.1:8000/predict -H 'content-type: application/json' -d '{\"a\": 1}'")
    assert request == CurlRequest("http://127.0.0.1:8000/predict", {"content-type": "application/json"}, '{"a": 1}')
    with pytest.raises(AssertionError, match="-X"):
        parse_curl("curl -X PUT 127.0.0.1:8000/predict")


def test_only_the_programs_are_replaced():
    assert shell_line("jointie info out/model.tar.gz") == f"{PYTHON} -m jointie_allennlp info out/model.tar.gz"
    assert shell_line("allennlp evaluate a b") == f"{PYTHON} -m allennlp evaluate a b"
    assert shell_line("printf '%s\\n' x > texts.jsonl") == "printf '%s\\n' x > texts.jsonl"


def test_a_failing_command_stops_the_run_and_is_named(tmp_path):
    run = run_quickstart(tmp_path, ["jointie info missing.tar.gz", "jointie list"])
    assert run.failure is not None and run.failure.startswith("jointie info missing.tar.gz\nexit status 2\n")
    assert "missing.tar.gz" in run.failure and "Traceback" not in run.failure
    assert list(run.results) == ["jointie info missing.tar.gz"]  # nothing after the failure ran
