"""Diagnostics: what every check returns, sortable and printable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

Severity = Literal["error", "warning", "info"]

SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


SHOWN_KEY_LENGTH = 64  # characters of a key shown in a message


def quoted_key(key: str) -> str:
    """A key as a message shows it: quoted, escaped, and cut short when long."""
    if len(key) <= SHOWN_KEY_LENGTH:
        return repr(key)
    return f"{key[:SHOWN_KEY_LENGTH]!r}… ({len(key):,} characters)"


def dotted_path(path: Sequence[str | int]) -> str:
    """A data path as `a.b.0.c`; a part that is not a plain printable name is quoted,
    so a key can never forge a line or a terminal escape in a diagnostic."""
    return ".".join(_shown_part(p) for p in path)


def _shown_part(part: str | int) -> str:
    if isinstance(part, int) or (part.isprintable() and len(part) <= SHOWN_KEY_LENGTH):
        return str(part)
    return quoted_key(part)


class Position(NamedTuple):
    """A 1-based line and column in a file (a tuple: the loader makes one per node)."""

    line: int
    column: int


class Span(NamedTuple):
    """Start and end of a node; end is exclusive, as libyaml reports it."""

    start: Position
    end: Position


@dataclass(frozen=True, order=True)
class Related:
    """Another place that a diagnostic speaks of (the other duplicate, one weight of a sum)."""

    file: str
    line: int
    column: int
    message: str


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in a spec, at `file:line:column`."""

    file: str
    line: int
    column: int
    code: str
    name: str
    severity: Severity
    message: str
    end_line: int = 0
    end_column: int = 0
    related: tuple[Related, ...] = field(default=())

    def format(self) -> str:
        """The one-line text form: `file:line:col: severity CODE name: message`."""
        return (
            f"{self.file}:{self.line}:{self.column}: "
            f"{self.severity} {self.code} {self.name}: {self.message}"
        )

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping with stable keys."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "related": [
                {"file": r.file, "line": r.line, "column": r.column, "message": r.message}
                for r in self.related
            ],
        }


def at(
    file: str,
    span: Span,
    code: str,
    name: str,
    severity: Severity,
    message: str,
    related: tuple[Related, ...] = (),
) -> Diagnostic:
    """Build a diagnostic located at a span."""
    return Diagnostic(
        file=file,
        line=span.start.line,
        column=span.start.column,
        code=code,
        name=name,
        severity=severity,
        message=message,
        end_line=span.end.line,
        end_column=span.end.column,
        related=related,
    )
