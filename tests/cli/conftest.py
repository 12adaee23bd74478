import argparse
import contextlib
import io
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import List

import pytest

from jointie_allennlp.cli import train

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

# NNG (in fixtures/brat/doc1.ann) is symmetric; Equiv occurs in no document
ANNOTATION_CONF = """[entities]
MET
QUA
BIN

[relations]
NNG\tArg1:MET, Arg2:QUA, <REL-TYPE>:symmetric
Equiv\tArg1:MET, Arg2:MET, <REL-TYPE>:symmetric-transitive
NPS\tArg1:MET, Arg2:BIN
"""


@dataclass
class TrainedRun:
    """A `jointie train` run: its exit status, output, log messages and folders."""

    status: int
    stdout: str
    warnings: List[str]
    train: Path
    test: Path
    out: Path


def parse_train(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="jointie train")
    train.add_arguments(parser)
    return parser.parse_args(argv)


def tiny_options() -> List[str]:
    return ["--encoder", str(FIXTURES / "tiny_bert"), "--epochs", "1", "--batch-size", "2"]


@pytest.fixture(scope="session")
def brat_run(tmp_path_factory) -> TrainedRun:
    """
    `jointie train spert` on a brat folder without a types file (fixtures/brat/doc1, with an
    annotation.conf marking NNG symmetric), no development data, doc2 as test data (its relation
    type GOL is not in doc1), one epoch of the tiny BERT.
    """
    root = tmp_path_factory.mktemp("own_brat")
    train_dir, test_dir = root / "train", root / "test"
    train_dir.mkdir()
    test_dir.mkdir()
    for suffix in (".txt", ".ann"):
        shutil.copy(FIXTURES / "brat" / f"doc1{suffix}", train_dir)
        shutil.copy(FIXTURES / "brat" / f"doc2{suffix}", test_dir)
    (train_dir / "annotation.conf").write_text(ANNOTATION_CONF, encoding="utf-8")
    out = root / "out"
    args = parse_train(["spert", "--train", str(train_dir), "--test", str(test_dir), "-s", str(out), *tiny_options()])
    records: List[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("jointie_allennlp")
    logger.addHandler(handler)
    stdout = io.StringIO()
    try:
        with contextlib.redirect_stdout(stdout):
            status = train.run(args)
    finally:
        logger.removeHandler(handler)
    return TrainedRun(status, stdout.getvalue(), [r.getMessage() for r in records], train_dir, test_dir, out)
