"""Tests of jointie_allennlp.predictors.allennlp_predict: every physical line reaches this package's predictors."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from packaging.version import Version  # noqa: E402



TORCH = Version(Version(torch.__version__).base_version)
TRANSFORMERS = Version(Version(transformers.__version__).base_version)


class _LinePredictor:
    """Records what `_PredictManager` hands to `load_line`."""

    def __init__(self, with_parse_line: bool) -> None:
        self.seen = []
        if with_parse_line:
            self.parse_line = lambda line, number: line

    def load_line(self, line):
        self.seen.append(line)
        return line


def _manager(predictor, path):
    from allennlp.commands.predict import _PredictManager

    manager = _PredictManager.__new__(_PredictManager)
    manager._predictor, manager._input_file = predictor, str(path)
    return manager


def test_predict_reads_every_line_as_bytes(tmp_path):
    import gzip

    data = b'{"a": 1}\n\n   \ncaf\xe9\n{"b": 2}\r\n'
    (tmp_path / "in.jsonl").write_bytes(data)
    with gzip.open(tmp_path / "in.jsonl.gz", "wb") as file:
        file.write(data)
    from allennlp.commands.predict import _PredictManager

    original = _PredictManager._get_json_data.__wrapped_original__
    other = _LinePredictor(with_parse_line=False)
    with pytest.raises(UnicodeDecodeError):  # allennlp's own reading: the bad byte ends the run
        list(original(_manager(other, tmp_path / "in.jsonl")))
    assert other.seen == []  # text mode decodes a whole buffer first: even the good first line is lost
    for name in ("in.jsonl", "in.jsonl.gz"):
        ours = _LinePredictor(with_parse_line=True)
        assert len(list(_manager(ours, tmp_path / name)._get_json_data())) == 5
        assert ours.seen == [b'{"a": 1}\n', b"\n", b"   \n", b"caf\xe9\n", b'{"b": 2}\r\n']
