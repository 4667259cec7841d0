"""Load a spec file: libyaml parses it, we build the values with YAML 1.2 core rules.

PyYAML's own constructors follow YAML 1.1 (`no` is false, `22:22` is sexagesimal) and keep
the last of two duplicate keys, so we read libyaml's parse events and build the values
ourselves (`events.py`), keeping the span of every key and value for diagnostics.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml
from yaml._yaml import CParser

from stagespec.diagnostics import Position, Span, at
from stagespec.errors import SpecLoadError
from stagespec.gcpause import gc_paused
from stagespec.load.events import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    MAX_NUMBER_DIGITS,
    Path,
    PathKey,
    RawSpan,
    Reader,
    TooDeep,
    to_span,
)
from stagespec.load.readfile import MAX_BYTES, ReadError, decode_utf8, limit_text, read_bytes

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NUMBER_DIGITS",
    "Document",
    "Path",
    "PathKey",
    "decode",
    "gc_paused",
    "load_path",
    "load_text",
]


class SpanTable(Mapping[Path, Span]):
    """The spans of a document's nodes by path, kept as libyaml gave them: each becomes a
    Span when it is read (see `events.RawSpan`)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: dict[Path, RawSpan]) -> None:
        self._raw = raw

    def __getitem__(self, path: Path) -> Span:
        return to_span(self._raw[path])

    def get(self, path: Path, default: Any = None) -> Any:
        raw = self._raw.get(path)
        return default if raw is None else to_span(raw)

    def __contains__(self, path: object) -> bool:
        return path in self._raw

    def __iter__(self) -> Iterator[Path]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def moved(self, prefix: Path) -> SpanTable:
        """A copy in which each span under `prefix` is also at its path without it."""
        raw = dict(self._raw)
        depth = len(prefix)
        for path, span in self._raw.items():
            if path[:depth] == prefix and len(path) > depth:
                raw[path[depth:]] = span
        return SpanTable(raw)

    def starts(self, paths: list[Path]) -> list[Position | None]:
        """Where the node at each path starts (None without one), making no Span."""
        get = self._raw.get
        new = tuple.__new__
        return [
            None if (raw := get(path)) is None else new(Position, (raw[0] + 1, raw[1] + 1))
            for path in paths
        ]


@dataclass
class Document:
    """A loaded spec: plain data plus the span of every key and value."""

    file: str
    text: str
    data: dict[str, Any]
    spans: Mapping[Path, Span] = field(default_factory=dict)
    key_spans: Mapping[Path, Span] = field(default_factory=dict)

    def span(self, path: Path) -> Span:
        """The span of the value at `path`, or of its nearest ancestor that has one."""
        while path not in self.spans and path:
            path = path[:-1]
        return self.spans.get(path, _ORIGIN)

    def key_span(self, path: Path) -> Span:
        """The span of the key at `path` (its value's span when there is no key)."""
        return self.key_spans.get(path) or self.span(path)

    def overlay_spans(self, prefix: Path) -> tuple[Mapping[Path, Span], Mapping[Path, Span]]:
        """The spans and key spans of the document of an overlay at `prefix`: those of this
        document, and each span under `prefix` also at its path without it."""
        tables: list[Mapping[Path, Span]] = []
        for table in (self.spans, self.key_spans):
            if isinstance(table, SpanTable):
                tables.append(table.moved(prefix))
                continue
            moved = dict(table)
            for path, span in table.items():
                if path[: len(prefix)] == prefix and len(path) > len(prefix):
                    moved[path[len(prefix) :]] = span
            tables.append(moved)
        return tables[0], tables[1]

    def key_starts(self, paths: list[Path]) -> list[Position]:
        """`key_span(path).start` of each path, for many paths at once."""
        table = self.key_spans
        if isinstance(table, SpanTable):
            found = table.starts(paths)
        else:
            found = [None if (span := table.get(path)) is None else span.start for path in paths]
        return [start or self.span(path).start for start, path in zip(found, paths, strict=True)]


_ORIGIN = Span(Position(1, 1), Position(1, 1))


def _file_problem(file: str, message: str, line: int = 1, column: int = 1) -> SpecLoadError:
    pos = Span(Position(line, column), Position(line, column))
    return SpecLoadError([at(file, pos, "SS005", "unreadable-file", "error", message)])


def decode(file: str, raw: bytes) -> str:
    """Check size and encoding; return the text without a UTF-8 byte order mark."""
    if len(raw) > MAX_BYTES:  # bytes that came another way than read_bytes (git show)
        limit = limit_text(MAX_BYTES)
        raise _file_problem(file, f"file is larger than {limit}, the most a spec may be")
    if b"\x00" in raw[:8192] or raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_problem(file, "file is binary or UTF-16, not UTF-8 text")
    try:
        return decode_utf8(file, raw)
    except ReadError as e:
        byte = raw[e.offset or 0]
        raise _file_problem(file, f"file is not UTF-8: byte {byte:#04x}", e.line, e.column) from e


def load_path(path: FsPath, display: str | None = None) -> Document:
    """Read (see readfile: bounded, streams once) and load a spec file."""
    name = display or str(path)
    try:
        raw = read_bytes(path, display=name)
    except ReadError as e:
        raise _file_problem(name, e.reason) from e
    return load_text(decode(name, raw), name)


def load_text(text: str, file: str = "<string>") -> Document:
    """Load spec text into a Document, or raise SpecLoadError with every problem found."""
    with gc_paused():
        reader, found, data = _read(text, file)
    if not found:
        raise _file_problem(file, "file is empty: a spec starts with `stagespec: 1`")
    limit = reader.limit
    if limit is not None:
        span = limit.span or reader.span_of(limit.site or ())
        message = f"refused: {limit}"
        raise SpecLoadError([at(file, span, "SS004", "yaml-limit", "error", message)])
    reader.finish()
    if reader.problems:
        raise SpecLoadError(sorted(reader.problems))
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        message = f"the top level is {kind}; a spec is a mapping that starts with `stagespec: 1`"
        root = to_span(reader.spans[()])
        raise SpecLoadError([at(file, root, "SS006", "not-a-mapping", "error", message)])
    return Document(file, text, data, SpanTable(reader.spans), SpanTable(reader.key_spans))


def _read(text: str, file: str) -> tuple[Reader, bool, Any]:
    """Parse and build; a YAML error (even after a problem found while building) wins,
    except past the nesting limit, where reading stops."""
    reader = Reader(file)
    try:
        parser = CParser(text)
        try:
            found, data = reader.read(parser)
        except TooDeep:  # refused where the limit was passed; the rest is not read
            found, data = True, None
        finally:
            parser.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(p) for p in (e.context, e.problem) if p)
        span = Span(Position(line, column), Position(line, column))
        if "maximum nesting depth" in str(e.problem):
            # libyaml releases since PyYAML 6.0.4 have a nesting limit of their own, which the
            # scanner's look-ahead can reach before our MAX_DEPTH: the same refusal, either way
            message = f"refused: nesting deeper than {MAX_DEPTH} levels"
            raise SpecLoadError([at(file, span, "SS004", "yaml-limit", "error", message)]) from None
        diag = at(file, span, "SS001", "yaml-syntax", "error", f"invalid YAML: {message}")
        raise SpecLoadError([diag]) from None
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        column = e.position - (text.rfind("\n", 0, e.position) + 1) + 1
        code = e.character if isinstance(e.character, int) else 0
        message = f"control character U+{code:04X} is not allowed in YAML text"
        raise _file_problem(file, message, line, column) from None
    except yaml.YAMLError as e:
        raise _file_problem(file, f"invalid YAML: {e}") from None
    return reader, found, data
