"""Tests of jointie_allennlp.models.archival: archives gzipped at level 1."""
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
from packaging.version import Version  # noqa: E402



TORCH = Version(Version(torch.__version__).base_version)
TRANSFORMERS = Version(Version(transformers.__version__).base_version)


def _serialization_dir(path: Path) -> Path:
    path.mkdir()
    (path / "config.json").write_text("{}", encoding="utf-8")
    torch.save({"weight": torch.arange(50_000, dtype=torch.float32)}, path / "best.th")
    (path / "vocabulary").mkdir()
    (path / "vocabulary" / "non_padded_namespaces.txt").write_text("*tags\n", encoding="utf-8")
    return path


def _gzip_extra_flags(archive: Path) -> int:
    """The XFL byte of a gzip header: 2 = written at level 9, 4 = at level 1 (RFC 1952)."""
    return archive.read_bytes()[8]


def test_tarfile_itself_still_gzips_at_level_9(tmp_path):
    import tarfile

    archive = tmp_path / "stock.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:  # the call of archive_model, outside allennlp's module
        tar.add(_serialization_dir(tmp_path / "run") / "best.th", arcname="weights.th")
    assert _gzip_extra_flags(archive) == 2


def test_archives_are_gzipped_at_level_1_and_read_back(tmp_path):
    from allennlp.models.archival import archive_model

    run = _serialization_dir(tmp_path / "run")
    archive_model(run, weights="best.th")
    archive = run / "model.tar.gz"
    assert _gzip_extra_flags(archive) == 4
    import tarfile

    with tarfile.open(archive, "r:gz") as tar:
        assert sorted(tar.getnames())[:2] == ["config.json", "vocabulary"]
        tar.extractall(tmp_path / "out", filter="data")
    assert torch.equal(torch.load(tmp_path / "out" / "weights.th")["weight"], torch.arange(50_000, dtype=torch.float32))
