"""Line-level layout for `fmt`: re-indenting block collections and cutting key blocks.

Only the indentation of a line (and the gap after a sequence dash) ever changes. A line
that starts a key of a block mapping or an item of a block sequence gets its canonical
indentation; every other line (a continuation of a flow collection, a multi-line or
block scalar) moves by as much as the key or item it belongs to, and a comment line
takes the indentation of the line it sits above when it was aligned with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from stagespec.load.document import Document, Path

_DASHES = re.compile(r"^(?:-[ ]+)+")
_DASH_PREFIX = re.compile(r"^ *(?:-[ ]+)+$")
_STEP = 2


def reindent(lines: Sequence[str], doc: Document) -> list[str]:
    """`lines` of `doc` with block mappings indented by 2 and sequences by 2 (content 4)."""
    layout = _Layout(doc, lines)
    layout.mapping((), doc.data, 0, -1)
    return layout.apply()


def is_comment_at(line: str, col: int) -> bool:
    """Whether `line` is a comment starting at column `col` (0-based)."""
    return line[:col].strip() == "" and line[col:].startswith("#")


def lead(lines: Sequence[str], key_line: int, col: int, floor: int) -> int:
    """First line of the blank lines and comments at `col` right above `key_line`."""
    i = key_line
    while i - 1 >= floor and (not lines[i - 1].strip() or is_comment_at(lines[i - 1], col)):
        i -= 1
    return i


def _trailing(line: str, col: int) -> bool:
    stripped = line.lstrip(" ")
    return not stripped.strip() or (stripped.startswith("#") and len(line) - len(stripped) <= col)


def block_lines(
    lines: Sequence[str],
    start: int,
    end: int,
    key_lines: Sequence[int],
    col: int,
    first: int | None = None,
) -> tuple[list[str], list[list[str]], list[str]]:
    """Cut lines[start:end] into (prefix, one block per key, suffix).

    A key's block starts at the blank lines and comments just above it (they travel
    with it) and ends where the next key's starts; blank lines and comments no deeper
    than `col` at the end form the suffix, which stays in place.
    """
    stop = end
    while stop - 1 > key_lines[-1] and _trailing(lines[stop - 1], col):
        stop -= 1
    leads = [
        lead(lines, line, col, key_lines[j - 1] + 1 if j else start)
        for j, line in enumerate(key_lines)
    ]
    if first is not None:
        leads[0] = first
    bounds = [*leads[1:], stop]
    blocks = [list(lines[a:b]) for a, b in zip(leads, bounds, strict=True)]
    return list(lines[start : leads[0]]), blocks, list(lines[stop:end])


@dataclass
class _Layout:
    """Canonical indentation of each line that starts a block mapping key or sequence item."""

    doc: Document
    lines: Sequence[str]
    targets: dict[int, int] = field(default_factory=dict)
    dashes: set[int] = field(default_factory=set)

    def _start(self, path: Path, key: bool) -> tuple[int, str] | None:
        span = (self.doc.key_spans if key else self.doc.spans).get(path)
        if span is None:
            return None
        line, col = span.start.line - 1, span.start.column - 1
        return line, self.lines[line][:col]

    def mapping(self, path: Path, data: dict[str, Any], target: int, after: int) -> None:
        previous = after
        for index, (key, value) in enumerate(data.items()):
            found = self._start((*path, key), key=True)
            if found is None:
                return
            line, prefix = found
            on_dash_line = index == 0 and line == after and _DASH_PREFIX.match(prefix)
            # A flow mapping, an alias (positions of its anchor) or a key out of place.
            if not (line > previous and not prefix.strip()) and not on_dash_line:
                return
            self.targets.setdefault(line, target)
            self._value((*path, key), value, target + _STEP, line)
            previous = line

    def sequence(self, path: Path, items: list[Any], target: int, after: int) -> None:
        previous = after
        for index, item in enumerate(items):
            found = self._start((*path, index), key=False)
            if found is None:
                return
            line, prefix = found
            in_order = line > previous or (index == 0 and line == after)
            if not in_order or not _DASH_PREFIX.match(prefix):
                return
            self.targets.setdefault(line, target)
            self.dashes.add(line)
            self._value((*path, index), item, target + _STEP, line)
            previous = line

    def _value(self, path: Path, value: Any, target: int, line: int) -> None:
        if isinstance(value, dict) and value:
            self.mapping(path, value, target, line)
        elif isinstance(value, list) and value:
            self.sequence(path, value, target, line)

    def apply(self) -> list[str]:
        """The lines with their new indentation."""
        indent: list[int] = [0] * len(self.lines)
        shift_before = [0] * len(self.lines)
        shift = 0
        for i, line in enumerate(self.lines):
            stripped = line.lstrip(" ")
            shift_before[i] = shift
            if not stripped.strip() or stripped.startswith("#"):
                continue
            old = len(line) - len(stripped)
            indent[i] = self.targets.get(i, max(0, old + shift))
            shift = indent[i] - old
        below: int | None = None
        for i in reversed(range(len(self.lines))):
            line = self.lines[i]
            stripped = line.lstrip(" ")
            if not stripped.strip():
                continue
            if not stripped.startswith("#"):
                below = i
                continue
            old = len(line) - len(stripped)
            aligned = below is not None and old == _indent_of(self.lines[below])
            indent[i] = (
                indent[below] if aligned and below is not None else max(0, old + shift_before[i])
            )
        return [self._line(i, indent[i]) for i in range(len(self.lines))]

    def _line(self, i: int, indent: int) -> str:
        stripped = self.lines[i].lstrip(" ")
        if not stripped.strip():
            return ""
        if i in self.dashes:
            stripped = _DASHES.sub(lambda m: "- " * m.group().count("-"), stripped, count=1)
        return " " * indent + stripped


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
