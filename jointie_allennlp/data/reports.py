"""
Counts of what one read did: what it read and what it lost or changed on the way. Each format,
windowing and reader keeps its own `ReadReport` dataclass of `int` fields, fresh for every read,
and logs it when the read ends (`log_read`).
"""
import logging
from dataclasses import asdict, fields
from typing import Any, Dict, List


class ReadReport:
    """
    The base of the per-read count dataclasses (`BratReport`, `WindowReport`, `WordpieceReport`,
    `TaggingReport`, `MarkedEntityReport`): a subclass is a `@dataclass` whose fields are all `int`
    counts, and names what a read lost in `losses()`.
    """

    def as_dict(self) -> Dict[str, int]:
        return asdict(self)

    def add(self, other: "ReadReport") -> None:
        """Adds the counts of `other`, a report of the same class."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def losses(self) -> List[str]:
        """What the read lost, one phrase per kind of loss; empty when nothing was lost."""
        return []

    def log(
        self, logger: logging.Logger, file_path: str, lost: bool = False, message: str = "", *args: Any,
        stacklevel: int = 2,
    ) -> None:
        """
        Logs `<file_path>: <counts>` as info, or, when something was `lost`, as a warning with
        `message % args` between them (`message` ends with its separator from the counts, e.g. `"; "`).
        The record names the caller (`stacklevel`).
        """
        if lost:
            logger.warning("%s: " + message + "%s", file_path, *args, self.as_dict(), stacklevel=stacklevel)
        else:
            logger.info("%s: %s", file_path, self.as_dict(), stacklevel=stacklevel)

    def log_read(self, logger: logging.Logger, file_path: str) -> None:
        """Logs the report of a finished read: info, or a warning that names its `losses()`."""
        losses = self.losses()
        self.log(logger, file_path, bool(losses), "%s; ", "; ".join(losses), stacklevel=3)
