"""
Loading a `model.tar.gz` once and cheaply: the archive is extracted once into a cache directory
and loaded from there on every later load, until the archive changes.

allennlp's `load_archive` extracts a `.tar.gz` into a new temporary directory on every load and
deletes it afterwards. Here the extraction is kept under `archive_cache_dir()`, in a folder named
by the archive's absolute path, size and modification time: a load of an unchanged archive reuses
it, a changed archive (another size or time) is extracted afresh and the older extraction of the
same path is removed. Extraction goes to a temporary folder that is renamed into place when
complete, under a file lock, so concurrent loads never see half an archive.
"""
import hashlib
import logging
import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional, Union

logger = logging.getLogger(__name__)

#: the variable naming the cache directory (default `$XDG_CACHE_HOME/jointie_allennlp`, else
#: `~/.cache/jointie_allennlp`)
CACHE_VARIABLE = "JOINTIE_CACHE_DIR"


def archive_cache_dir() -> Path:
    """Where extracted archives are kept: `$JOINTIE_CACHE_DIR/archives`, else under the user's cache directory."""
    root = os.environ.get(CACHE_VARIABLE)
    if not root:
        root = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "jointie_allennlp")
    return Path(root) / "archives"


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def extraction_name(archive: Union[str, Path]) -> str:
    """The cache folder name of an archive: `<stem>-<path digest>-<size and time digest>`."""
    path = Path(archive).resolve()
    state = path.stat()
    stem = path.name.split(".")[0] or "archive"
    return f"{stem}-{_digest(str(path), 16)}-{_digest(f'{state.st_size}:{state.st_mtime_ns}', 12)}"


def extracted_archive(archive: Union[str, Path], cache_dir: Optional[Path] = None) -> Path:
    """
    The directory holding the extracted `archive` (a `.tar.gz`): the cached extraction when it is
    of the archive as it is now, else a fresh one (see the module docstring).

    # Parameters

    archive : `str` or `Path` a local `model.tar.gz`.
    cache_dir : `Path`, optional (default = `archive_cache_dir()`).
    """
    from filelock import FileLock

    cache = Path(cache_dir) if cache_dir is not None else archive_cache_dir()
    name = extraction_name(archive)
    target = cache / name
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache / f"{name}.lock")):
        if target.is_dir():  # extracted by another process while this one waited
            return target
        logger.info("extracting %s to %s", archive, target)
        partial = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=cache))
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(partial, filter="data")
            os.replace(partial, target)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        prefix = name.rsplit("-", 1)[0] + "-"
        for stale in cache.glob(f"{prefix}*"):  # earlier extractions of the same path
            if stale != target and stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
                Path(f"{stale}.lock").unlink(missing_ok=True)
    return target


def load_archive(
    archive_file: Union[str, Path],
    cuda_device: int = -1,
    overrides: Union[str, Dict[str, Any]] = "",
    weights_file: Optional[str] = None,
    cache_dir: Optional[Path] = None,
):
    """
    allennlp's `load_archive` (same arguments, same `Archive`), reading a local `.tar.gz` from its
    cached extraction (`extracted_archive`). A directory is loaded as it is; a URL is fetched by
    allennlp's `cached_path` first. When the cache directory cannot be written, the archive is
    extracted to a temporary directory as allennlp does.
    """
    from allennlp.common.file_utils import cached_path
    from allennlp.models.archival import load_archive as allennlp_load_archive

    resolved = Path(cached_path(str(archive_file)))
    source: Union[str, Path] = resolved
    if resolved.is_file():
        try:
            source = extracted_archive(resolved, cache_dir)
        except OSError as error:
            logger.warning("cannot cache the extraction of %s (%s); extracting to a temporary directory",
                           archive_file, error)
    return allennlp_load_archive(str(source), cuda_device=cuda_device, overrides=overrides or "",
                                 weights_file=weights_file)
