"""The small exception hierarchy of tipkb; the CLI maps it to messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, reported as ``path:line: message``."""

    path: Path | str
    line: int
    message: str
    level: str = "error"  # or "warning"

    def __str__(self) -> str:
        prefix = "" if self.level == "error" else "warning: "
        where = f"{self.path}:{self.line}" if self.line else str(self.path)  # 0: the whole file
        return f"{where}: {prefix}{self.message}"


class TipkbError(Exception):
    """Base of every error tipkb raises on purpose."""


class ContentError(TipkbError):
    """The content folder has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class InputError(TipkbError):
    """A file named on the command line is missing or unreadable."""


class UnreadableError(InputError):
    """A file that is not read: not a regular file, a symbolic link, too large, or unopenable."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class ClockError(TipkbError):
    """TIPKB_TODAY or TIPKB_TIMEZONE is set to something that is not a date or a time zone."""


class QueryError(TipkbError):
    """A search query that cannot be searched: empty, only common words, or far too long."""


class BuildError(TipkbError):
    """A build step (MkDocs, the search index) failed."""


class Superseded(BuildError):
    """Work stopped on purpose: a newer build has made its result useless."""


class OutputError(TipkbError):
    """A file or folder cannot be written: read-only, disk full, or a file where a folder goes."""

    @classmethod
    def from_os(cls, err: OSError, what: str) -> OutputError:
        """`path: what failed (errno text)`."""
        return cls(f"{describe_os_error(err)[0]}: {what} ({describe_os_error(err)[1]})")


def describe_os_error(err: OSError) -> tuple[str, str]:
    """(the path or paths an OSError names, its errno text), for a message."""
    paths = " → ".join(str(p) for p in (err.filename, err.filename2) if p is not None)
    return paths or "(no path)", err.strerror or str(err)
