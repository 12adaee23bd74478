"""
Writing a user's output: one mechanism for every file or directory this package writes on request.

- An output that is also one of the run's inputs (the same file, or the same resolved path) is
  refused, and so is an output directory that holds an input.
- An existing output is refused unless `overwrite` is given (an empty directory counts as absent).
  A device or pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written in place: it holds no file
  to keep or replace.
- The output is built beside its final place (a hidden temporary file or directory in the same
  folder) and moved into place with `os.replace` only when the writing block ends without an
  error: an interrupted or failed run leaves the old output as it was and no temporary behind.

`encodable` is the one text cleaner every writer applies: lone surrogates (which JSON `\\udXXX`
escapes can carry into a Python string, and which UTF-8 cannot encode) become U+FFFD.
"""
import codecs
import contextlib
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator, List, Optional, TextIO, Union

from jointie_allennlp.data.errors import FormatError

PathLike = Union[str, os.PathLike]

#: the error handler of `codecs` that writes U+FFFD for what UTF-8 cannot encode
ENCODING_ERRORS = "jointie.replace"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_unencodable(error: UnicodeError):
    if isinstance(error, UnicodeEncodeError):
        return "\ufffd".encode("utf-8") * (error.end - error.start), error.end  # bytes: UTF-8 takes no non-ASCII str
    raise error


codecs.register_error(ENCODING_ERRORS, _replace_unencodable)


class OutputError(FormatError):
    """An output that cannot be written as asked (it is an input, or exists without `overwrite`)."""


def encodable(value: Any) -> Any:
    """`value` (a string, or lists / dicts of them) with every lone surrogate replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {encodable(key): encodable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encodable(item) for item in value]
    return value


def _same_path(first: Path, second: Path) -> bool:
    try:
        if first.exists() and second.exists():
            return os.path.samefile(first, second)
    except OSError:
        pass
    return first.resolve() == second.resolve()


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
        return True
    except ValueError:
        return False


def _checked_inputs(inputs: Iterable[Optional[PathLike]]) -> List[Path]:
    return [Path(p) for p in inputs if p is not None and str(p) not in ("", "-")]


def check_output(path: PathLike, inputs: Iterable[Optional[PathLike]] = (), overwrite: bool = False,
                 directory: bool = False) -> None:
    """
    Raises `OutputError` when `path` may not be written: it is one of `inputs` (or, for a
    `directory`, holds one), or it exists and `overwrite` is not given (a device or pipe needs
    no `overwrite`). Nothing is written.
    """
    path = Path(path)
    for source in _checked_inputs(inputs):
        if _same_path(path, source) or (directory and _inside(source, path)):
            raise OutputError(f"the output is also an input ({source}): write it elsewhere", path=str(path))
    if directory:
        if path.exists() and not path.is_dir():
            raise OutputError("the output directory is a file", path=str(path))
        if path.is_dir() and any(path.iterdir()) and not overwrite:
            raise OutputError("the output directory exists and is not empty: give --overwrite to replace it, "
                              "or write elsewhere", path=str(path))
        return
    if path.is_dir():
        raise OutputError("the output is a directory, not a file", path=str(path))
    if (path.exists() or path.is_symlink()) and not overwrite and not is_special_file(path):
        raise OutputError("the output file exists: give --overwrite to replace it, or write elsewhere",
                          path=str(path))


def _permissions(path: Path) -> int:
    """The mode a replaced file keeps, or the default mode of a new file under the umask."""
    if path.exists():
        return path.stat().st_mode & 0o7777
    return 0o666 & ~_umask()


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def is_special_file(path: PathLike) -> bool:
    """Whether `path` exists and is neither a regular file nor a directory (a device such as `/dev/null`, a pipe)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextlib.contextmanager
def open_output(
    path: PathLike,
    inputs: Iterable[Optional[PathLike]] = (),
    overwrite: bool = False,
    binary: bool = False,
) -> Iterator[Union[TextIO, Any]]:
    """
    A file handle to write `path` through (UTF-8 text, unencodable characters as U+FFFD; or bytes
    when `binary`); see the module docstring. Parent folders are created. `OutputError` before
    anything is written when `path` may not be written (`check_output`), and when writing fails
    (a full disk or device), naming `path`.
    """
    path = Path(path)
    if is_special_file(path):
        check_output(path, inputs, overwrite)
        with _writing(path, open(path, "wb" if binary else "w", **({} if binary else _TEXT))) as handle:
            yield handle
        return
    check_output(path, inputs, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _permissions(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with _writing(path, os.fdopen(descriptor, "wb" if binary else "w", **({} if binary else _TEXT))) as handle:
            yield handle
        os.chmod(temporary, mode)
        check_output(path, inputs, overwrite)  # not created meanwhile by someone else
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


_TEXT = {"encoding": "utf-8", "errors": ENCODING_ERRORS, "newline": ""}


def _write_error(error: OSError, path: Path) -> OutputError:
    return OutputError(f"cannot be written: {error.strerror or error}", path=str(path))


class _NamedOutput:
    """A file handle whose write errors (a full disk or device) are `OutputError`s naming `path`."""

    def __init__(self, handle, path: Path) -> None:
        self._handle = handle
        self._path = path

    def write(self, data):
        try:
            return self._handle.write(data)
        except OSError as error:
            raise _write_error(error, self._path) from None

    def __getattr__(self, name: str):
        return getattr(self._handle, name)


@contextlib.contextmanager
def _writing(path: Path, handle) -> Iterator[_NamedOutput]:
    """Yields `handle` (see `_NamedOutput`) and closes it; an error in closing (flushing) names `path`."""
    try:
        yield _NamedOutput(handle, path)
    except BaseException:
        with contextlib.suppress(OSError):
            handle.close()
        raise
    try:
        handle.close()
    except OSError as error:
        raise _write_error(error, path) from None


def write_output(path: PathLike, content: Union[str, bytes], inputs: Iterable[Optional[PathLike]] = (),
                 overwrite: bool = False) -> Path:
    """Writes `content` to `path` at once through `open_output`; returns the path."""
    with open_output(path, inputs, overwrite, binary=isinstance(content, bytes)) as handle:
        handle.write(content)
    return Path(path)


@contextlib.contextmanager
def output_directory(
    path: PathLike, inputs: Iterable[Optional[PathLike]] = (), overwrite: bool = False
) -> Iterator[Path]:
    """
    A new empty directory to fill; when the block ends without an error it takes the place of
    `path` (an existing `path` is replaced as a whole, with `overwrite`). See the module docstring.
    """
    path = Path(path)
    check_output(path, inputs, overwrite, directory=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    try:
        os.chmod(building, (path.stat().st_mode & 0o7777) if path.is_dir() else 0o777 & ~_umask())
        yield building
        check_output(path, inputs, overwrite, directory=True)
        if path.is_dir():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
            os.replace(building, path)
            shutil.rmtree(old)
        else:
            os.replace(building, path)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
