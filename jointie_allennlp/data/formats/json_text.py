"""
The strict reading every JSON and JSON-lines reader of the package shares:

- bytes are UTF-8 (a leading UTF-8 byte order mark is allowed); UTF-16 / UTF-32 input (a byte
  order mark, or the NUL bytes of ASCII text in UTF-16) is named as such, not parsed as garbage;
- lines end at `\\r\\n`, `\\n` or `\\r` (JSON text never holds a raw CR or LF inside a string);
- a JSON object with the same key twice is an error naming the key and the line, not "last wins";
- `NaN`, `Infinity` and `-Infinity` are not JSON.
"""
import json
import json.decoder
import json.scanner
import re
from typing import Any, Callable, Dict, List, Optional

from jointie_allennlp.data.errors import FormatError

_BYTE_ORDER_MARKS = (
    (b"\x00\x00\xfe\xff", "UTF-32", "00 00 FE FF"),
    (b"\xff\xfe\x00\x00", "UTF-32", "FF FE 00 00"),
    (b"\xfe\xff", "UTF-16", "FE FF"),
    (b"\xff\xfe", "UTF-16", "FF FE"),
)
_LINE_END = re.compile(r"\r\n|\r|\n")


def foreign_encoding(data: bytes) -> Optional[str]:
    """`"UTF-16 (byte order mark FF FE)"` and the like when `data` is UTF-16 / UTF-32, else `None`."""
    for mark, name, shown in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return f"{name} (byte order mark {shown})"
    head = data[:200]
    if len(head) >= 4 and head.count(0) * 3 >= len(head):  # ASCII in UTF-16: every other byte NUL
        return "UTF-16 or UTF-32 (NUL bytes between the characters, no byte order mark)"
    return None


def decode_utf8(data: bytes, path: Optional[str] = None) -> str:
    """`data` as UTF-8 text, exactly as stored; `FormatError` naming the file, the line and the encoding."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        _refuse_foreign(data, path)
        line = data[: error.start].count(b"\n") + 1
        raise FormatError(f"not valid UTF-8 (byte {error.start}: {error.reason})", path=path, line=line) from None
    if "\x00" in text:  # ASCII in UTF-16 without a byte order mark is valid UTF-8, full of NULs
        _refuse_foreign(data, path)
    return text


def _refuse_foreign(data: bytes, path: Optional[str]) -> None:
    encoding = foreign_encoding(data)
    if encoding is not None:
        raise FormatError(f"not UTF-8: looks like {encoding}; convert it to UTF-8 "
                          "(e.g. iconv -f UTF-16 -t UTF-8)", path=path)


def split_lines(text: str) -> List[str]:
    """The lines of `text` (ended by `\\r\\n`, `\\n` or `\\r`); a final line ending adds no empty line."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class DuplicateKeyError(ValueError):
    """A JSON object with the same key twice; `position` is the object's offset in the text, when known."""

    def __init__(self, key: str, position: Optional[int] = None) -> None:
        super().__init__(f"the key {json.dumps(key, ensure_ascii=False)} appears twice in one object")
        self.key = key
        self.position = position


def unique_pairs(pairs):
    """`object_pairs_hook` for `json.loads`: a dict, or `DuplicateKeyError` for a repeated key."""
    result = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(key)
        result[key] = value
    return result


def _locate_duplicate(text: str) -> Optional[int]:
    """The offset of the first object with a repeated key (a slow pure-Python pass, run only on error)."""
    decoder = json.JSONDecoder(object_pairs_hook=unique_pairs)
    original = json.decoder.JSONObject

    def parse_object(state, strict, scan_once, object_hook, object_pairs_hook, memo=None, _w=None):
        try:
            return original(state, strict, scan_once, object_hook, object_pairs_hook, memo)
        except DuplicateKeyError as error:
            if error.position is None:
                error.position = state[1] - 1
            raise

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    try:
        decoder.decode(text)
    except DuplicateKeyError as error:
        return error.position
    except ValueError:
        return None
    return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (only finite numbers are)")


def loads(text: str, path: Optional[str] = None, line: Optional[int] = None, parse_constant=_reject_constant) -> Any:
    """
    Parses JSON text (a whole file, or the line `line` of a JSON-lines file) strictly; raises
    `FormatError` naming the file and line. `parse_constant` handles `NaN` / `Infinity`
    (by default they are an error).
    """
    try:
        return json.loads(text, object_pairs_hook=unique_pairs, parse_constant=parse_constant)
    except DuplicateKeyError as error:
        where = line
        if where is None:
            position = _locate_duplicate(text)
            where = text.count("\n", 0, position) + 1 if position is not None else None
        raise FormatError(f"invalid JSON: {error}", path=path, line=where) from None
    except json.JSONDecodeError as error:
        where = line if line is not None else error.lineno
        column = f" (column {error.colno})" if line is not None else ""
        raise FormatError(f"invalid JSON: {error.msg}{column}", path=path, line=where) from None
    except RecursionError:
        raise FormatError("invalid JSON: nested too deeply to read", path=path, line=line) from None
    except ValueError as error:  # NaN / Infinity
        raise FormatError(f"invalid JSON: {error}", path=path, line=line) from None


def object_option(
    text: Optional[str], option: str, what: str, error: Callable[[str], Exception] = FormatError
) -> Dict[str, Any]:
    """
    The JSON object a command-line option gives (`{}` for no or blank text); otherwise `error`
    (by default `FormatError`) naming `option`: text that is not JSON, or JSON that is not an object
    (`what` says what the object holds, e.g. "argument names and values").
    """
    if text is None or not str(text).strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as decode_error:
        raise error(f"{option}: invalid JSON: {decode_error.msg} (column {decode_error.colno})") from None
    if not isinstance(value, dict):
        raise error(f"{option}: expected a JSON object of {what}, got {json.dumps(value)}")
    return value
