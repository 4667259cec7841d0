"""Find the comments of a YAML text, with their positions.

Neither PyYAML nor libyaml reports comments, so a small scanner finds them. Within one
line it tracks quoted scalars: a `#` starts a comment only at the start of the line or
after a space or tab, outside quotes. A quote opens a quoted scalar only where a scalar
may start (so the apostrophe in `don't` is plain text). Scalars that span lines (block
scalars, multi-line quoted or plain scalars) are located with libyaml's scanner: lines
inside them hold no comments, and a line where one ends is scanned from its end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

# The line breaks libyaml counts, so that line numbers agree with the loader's.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_BLANK = " \t"
# After these, a quote opens a scalar even without a space (`[`, `{`, `,` in flow context).
_FLOW_STARTS = "[{,"
# After these indicators, a quote opens a scalar when a space separates them.
_BLOCK_STARTS = "-:?"


@dataclass(frozen=True)
class Comment:
    """One comment: 1-based line and column of its `#`, and the text after the `#`."""

    line: int
    column: int
    text: str
    own_line: bool


def split_lines(text: str) -> list[str]:
    """The lines of `text`, split at the same line breaks libyaml counts."""
    return _LINE_BREAK.split(text)


def comment_column(line: str, start: int = 0) -> int | None:
    """The 0-based index of the `#` that starts a comment in `line`, scanning from `start`."""
    quote: str | None = None
    i = start
    while i < len(line):
        char = line[i]
        if quote == '"' and char == "\\":
            i += 2
            continue
        if quote == "'" and line.startswith("''", i):
            i += 2  # an escaped quote inside a single-quoted scalar
            continue
        if quote is not None:
            quote = None if char == quote else quote
        elif char == "#" and (i == 0 or line[i - 1] in _BLANK):
            return i
        elif char in "\"'" and _scalar_may_start(line, start, i):
            quote = char
        i += 1
    return None


def _scalar_may_start(line: str, start: int, i: int) -> bool:
    """Whether a quote at `line[i]` opens a quoted scalar rather than sitting in plain text."""
    before = line[start:i]
    prefix = before.rstrip(_BLANK)
    if not prefix:
        return True
    last = prefix[-1]
    if last in _FLOW_STARTS:
        return True
    if last in _BLOCK_STARTS:
        spaced = len(prefix) < len(before)
        json_style = last == ":" and len(prefix) > 1 and prefix[-2] in "\"'"
        return spaced or json_style
    return False


def _multiline_scalars(text: str) -> tuple[set[int], dict[int, int]]:
    """0-based lines inside multi-line scalars, and the column where one ends, by line."""
    inside: set[int] = set()
    resume: dict[int, int] = {}
    try:
        for token in yaml.scan(text, Loader=yaml.CSafeLoader):
            start, end = token.start_mark, token.end_mark
            if isinstance(token, yaml.ScalarToken) and end.line > start.line:
                inside.update(range(start.line + 1, end.line))
                resume[end.line] = max(resume.get(end.line, 0), end.column)
    except yaml.YAMLError:
        pass  # the loader reports bad YAML; comments before the error are still found
    return inside, resume


def find_comments(text: str) -> list[Comment]:
    """Every comment of a YAML text, in order."""
    inside, resume = _multiline_scalars(text)
    comments: list[Comment] = []
    for number, line in enumerate(split_lines(text)):
        if number in inside:
            continue
        column = comment_column(line, resume.get(number, 0))
        if column is None:
            continue
        own_line = resume.get(number, 0) == 0 and not line[:column].strip(_BLANK)
        comments.append(Comment(number + 1, column + 1, line[column + 1 :], own_line))
    return comments
