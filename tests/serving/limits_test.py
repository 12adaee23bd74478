"""ServerLimits as `serve` options: every field is a flag with its default, and a bad value is named."""
import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from jointie_allennlp.serving import add_arguments, limits_of
from jointie_allennlp.serving.limits import ServerLimits


def parse(*argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["model.tar.gz", *argv])


def test_every_limit_is_an_option_with_the_default_of_server_limits():
    assert limits_of(parse()) == ServerLimits()
    limits = limits_of(parse("--max-body-bytes", "1000", "--request-timeout", "2.5", "--max-documents", "3"))
    assert (limits.max_body_bytes, limits.request_timeout, limits.max_documents) == (1000, 2.5, 3)
    assert limits.max_document_characters == ServerLimits().max_document_characters


def test_the_connection_limits_are_uvicorn_options():
    limits = ServerLimits(keep_alive_timeout=3, max_header_bytes=8192, max_connections=10)
    assert limits.uvicorn_options() == {
        "timeout_keep_alive": 3, "h11_max_incomplete_event_size": 8192, "limit_concurrency": 10
    }


def test_a_limit_out_of_range_is_refused_by_name():
    with pytest.raises(ValidationError, match="request_timeout"):
        limits_of(parse("--request-timeout", "0"))
    with pytest.raises(ValidationError, match="max_body_bytes"):
        ServerLimits(max_body_bytes=0)


def test_serve_names_an_invalid_limit_and_exits_before_loading_the_model(tmp_path):
    root = Path(__file__).resolve().parent.parent.parent
    command = [sys.executable, "-m", "jointie_allennlp", "serve", str(tmp_path / "absent.tar.gz"),
               "--request-timeout", "0", "--max-documents", "-1"]
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "--max-documents: Input should be greater than or equal to 1" in result.stdout
    assert "--request-timeout: Input should be greater than 0" in result.stdout
