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


# Characters that could rewrite a terminal (escape sequences), break a one-line format (line
# and paragraph separators too, which str.splitlines() breaks at), make XML 1.0 invalid, or
# reorder what a reader sees (bidi controls, "Trojan Source").
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NONCHARACTERS = frozenset("\ufffe\uffff")
_UNSAFE_CATEGORIES = ("Cc", "Cs", "Zl", "Zp")


def printable(text: str) -> str:
    """`text` with control, bidi and non-XML characters shown as escapes such as `\\x1b`."""
    # The usual case first: isprintable() is False for every Cc, Cs, Zl and Zp character.
    if text.isprintable() and _BIDI.isdisjoint(text) and _NONCHARACTERS.isdisjoint(text):
        return text
    import unicodedata  # only here: `--help` and a clean `validate` never get this far

    return "".join(
        ascii(ch)[1:-1]
        if ch in _BIDI or ch in _NONCHARACTERS or unicodedata.category(ch) in _UNSAFE_CATEGORIES
        else ch
        for ch in text
    )


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
        """The one-line text form: `file:line:col: severity CODE name: message`; a file
        name or message cannot start another line or send a terminal escape."""
        return (
            f"{printable(self.file)}:{self.line}:{self.column}: "
            f"{self.severity} {self.code} {self.name}: {printable(self.message)}"
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
