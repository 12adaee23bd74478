"""Errors raised on malformed input."""
from typing import Optional


class FormatError(ValueError):
    """
    Malformed input, located by file and line (or document).

    # Parameters

    message : `str` what is wrong.
    path : `Optional[str]` the file.
    line : `Optional[int]` 1-based line number in that file.
    document : `Optional[str]` document id when there is no line (e.g. a JSON array element).
    """

    def __init__(
        self,
        message: str,
        path: Optional[str] = None,
        line: Optional[int] = None,
        document: Optional[str] = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.document = document
        location = []
        if path is not None:
            location.append(str(path) + (f":{line}" if line is not None else ""))
        if document is not None:
            location.append(f"document {document!r}")
        prefix = ", ".join(location)
        super().__init__(f"{prefix}: {message}" if prefix else message)
