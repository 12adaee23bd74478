"""
Input lines -> input records, and output records -> JSON lines, the same for every predictor.

Every physical input line becomes exactly one `InputRecord`, whatever its bytes: a JSON object,
or an empty record carrying the reason it could not be read (not UTF-8, invalid JSON, nesting too
deep, not an object, a blank line, a lone surrogate, `NaN`/`Infinity`). Line numbers are 1-based
and count every physical line, blank ones included. The line number and the reason are
attributes of the record, not keys, so the record prints as the input's own fields.

Physical lines end at `\\n`, `\\r\\n` or a lone `\\r` (`read_input_lines`). An object with the
same key twice is not read (its record names the key), nor is a line of UTF-16 text (named so).

`dump_record` writes one record as one JSON line that any JSON-lines reader splits correctly and
that `render`, `score`, `convert` and the server read back: non-finite numbers become `null`,
lone surrogates become U+FFFD (`jointie_allennlp.data.output.encodable`, which every writer
applies), and the characters `str.splitlines` would split on (U+0085, U+2028, U+2029) are
written as `\\uXXXX` escapes.
"""
import json
import math
import re
import sys
from typing import Any, Dict, Iterable, Iterator, Optional, Union

from jointie_allennlp.data.formats.json_text import DuplicateKeyError, foreign_encoding, unique_pairs
from jointie_allennlp.data.output import encodable

LineInput = Union[str, bytes]

# Characters json.dumps(ensure_ascii=False) leaves raw although they end a line for
# str.splitlines (U+0085, U+2028, U+2029).
_UNSAFE = re.compile("[\u0085\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputRecord(dict):
    """
    The fields of one input line (a `dict`), plus where it came from.

    # Parameters

    fields : `Dict` the JSON object of the line (empty when it could not be read).
    line : `Optional[int]` 1-based physical line number in the input, `None` for records that did
        not come from a file (e.g. an HTTP request).
    error : `Optional[str]` why the line could not be read; such a record is answered with an error record.
    raw : `Optional[str]` the line's text when it could not be read (echoed as `"input"`).
    path : `Optional[str]` a brat `.txt` file named by the line (predictors that read brat paths).
    """

    def __init__(
        self,
        fields: Optional[Dict[str, Any]] = None,
        line: Optional[int] = None,
        error: Optional[str] = None,
        raw: Optional[str] = None,
        path: Optional[str] = None,
    ) -> None:
        super().__init__(fields or {})
        self.line = line
        self.error = error
        self.raw = raw
        self.path = path


def line_of(record: Dict[str, Any]) -> Optional[int]:
    """The input line number of a record (`None` for a plain dict)."""
    return getattr(record, "line", None)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON (only finite numbers are)")


def first_surrogate(value: Any, where: str = "") -> Optional[str]:
    """Where the first lone surrogate in a parsed JSON value is, if any."""
    if isinstance(value, str):
        match = _SURROGATE.search(value)
        if match:
            code = f"\\u{ord(match.group()):04x}"
            return f"{where or 'the line'} has a lone surrogate {code} at character {match.start()}"
        return None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = first_surrogate(key, f"{where} key") if isinstance(key, str) else None
        found = found or first_surrogate(item, f"{where}[{json.dumps(key)}]" if where else f"field {json.dumps(key)}")
        if found:
            return found
    return None


def parse_line(line: LineInput, number: Optional[int] = None) -> InputRecord:
    """
    The record of one physical input line (bytes or text, line ending included or not).
    Never raises: a line that cannot be read gives an empty record with `error` set.
    """
    where = f"input line {number}: " if number is not None else ""
    if isinstance(line, bytes):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as error:
            bad = line[error.start : error.start + 1].hex()
            raw = line.decode("utf-8", errors="replace").rstrip("\r\n")
            encoding = foreign_encoding(line) if number in (None, 1) or b"\x00" in line else None
            if encoding is not None:
                reason = f"{where}not UTF-8: looks like {encoding}; convert the file to UTF-8"
            else:
                reason = f"{where}not UTF-8: byte 0x{bad} at byte offset {error.start} ({error.reason})"
            return InputRecord(line=number, raw=raw, error=reason)
        if b"\x00" in line and foreign_encoding(line) is not None:
            raw = text.rstrip("\r\n").replace("\x00", "")
            reason = f"{where}not UTF-8: looks like {foreign_encoding(line)}; convert the file to UTF-8"
            return InputRecord(line=number, raw=raw, error=reason)
    else:
        text = line
    text = text[1:] if text.startswith("\ufeff") and number in (None, 1) else text  # a UTF-8 byte order mark
    text = text.rstrip("\r\n")
    if not text.strip():
        return InputRecord(line=number, raw=text, error=f"{where}blank line (expected a JSON object)")
    try:
        item = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=unique_pairs)
    except DuplicateKeyError as error:
        return InputRecord(line=number, raw=text, error=f"{where}invalid JSON: {error}")
    except RecursionError:
        return InputRecord(line=number, raw=text, error=f"{where}invalid JSON: nested too deeply to read")
    except json.JSONDecodeError as error:  # the whole message, and the column within the line
        return InputRecord(line=number, raw=text, error=f"{where}invalid JSON: {error.msg} (column {error.colno})")
    except ValueError as error:  # NaN / Infinity
        return InputRecord(line=number, raw=text, error=f"{where}invalid JSON: {error}")
    if not isinstance(item, dict):
        return InputRecord(line=number, raw=text, error=f"{where}expected a JSON object, got {type(item).__name__}")
    surrogate = first_surrogate(item)
    if surrogate:
        return InputRecord(item, line=number, error=f"{where}{surrogate} (not a Unicode character)")
    return InputRecord(item, line=number)


def split_physical_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """
    The lines of `chunks` (pieces ending in `\\n`, as iterating a binary file gives) split at lone
    `\\r` too, each with its line ending.
    """
    for chunk in chunks:
        pieces = chunk.split(b"\r")
        last = len(pieces) - 1
        for index, piece in enumerate(pieces[:-1]):
            if index == last - 1 and pieces[last] == b"\n":
                yield piece + b"\r\n"
                break
            yield piece + b"\r"
        else:
            if pieces[last]:
                yield pieces[last]


def read_input_lines(path: str) -> Iterator[bytes]:
    """
    Every physical line of an input file as bytes, line ending included, blank ones too: a path
    or URL (`cached_path`), compressed or not, or `-` for standard input. What `allennlp predict`
    (see `jointie_allennlp.compat`) and `predict-ray` give `parse_line`, one record per line.
    """
    if path == "-":
        yield from split_physical_lines(sys.stdin.buffer)
        return
    from allennlp.common.file_utils import cached_path, open_compressed

    with open_compressed(cached_path(path), mode="rb", encoding=None) as lines:
        yield from split_physical_lines(lines)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def dump_record(record: Dict[str, Any]) -> str:
    """One output record as one JSON line (with its `\\n`); see the module docstring."""
    record = encodable(record)
    try:
        text = json.dumps(record, ensure_ascii=False, allow_nan=False)
    except ValueError:  # NaN or infinity somewhere: written as null
        text = json.dumps(_finite(record), ensure_ascii=False, allow_nan=False)
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"
