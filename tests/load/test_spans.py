"""The span of every key and value, whichever way the loader read it (see `load/events.py`)."""

from __future__ import annotations

import pytest

from stagespec.diagnostics import Position, Span
from stagespec.load.document import load_text


def _at(line: int, column: int, end_line: int, end_column: int) -> Span:
    return Span(Position(line, column), Position(end_line, end_column))


@pytest.mark.parametrize(
    ("text", "path", "key", "value"),
    [
        ("a: 1\nb: text\n", ("b",), _at(2, 1, 2, 2), _at(2, 4, 2, 8)),
        # an anchored key is read the long way, the plain value after it the short way
        ("&k key: abc\n", ("key",), _at(1, 1, 1, 7), _at(1, 9, 1, 12)),
        ("k: &v 12\nl: *v\n", ("l",), _at(2, 1, 2, 2), _at(1, 4, 1, 9)),
        ("a: {b: 'x', c: 2}\n", ("a", "c"), _at(1, 13, 1, 14), _at(1, 16, 1, 17)),
        ("a:\n  - b: 007\n", ("a", 0, "b"), _at(2, 5, 2, 6), _at(2, 8, 2, 11)),
        ("!!str k: v\n", ("k",), _at(1, 1, 1, 8), _at(1, 10, 1, 11)),
    ],
)
def test_spans_of_keys_and_values(
    text: str, path: tuple[str | int, ...], key: Span, value: Span
) -> None:
    doc = load_text(text)
    assert doc.key_span(path) == key
    assert doc.span(path) == value
    assert dict(doc.spans)[path] == value and doc.key_spans.get(path) == key


def test_values_as_the_core_schema_reads_them() -> None:
    doc = load_text("a: 007\nb: '12'\nc: 12x\nd: ١٢\ne: 0x1F\nf: 1.50\n")
    assert doc.data == {"a": 7, "b": "12", "c": "12x", "d": "١٢", "e": 31, "f": doc.data["f"]}
    assert str(doc.data["f"]) == "1.50"
