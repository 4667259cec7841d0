"""The spec's path as the generated files show it: on one line, whatever its characters.

Every file names the spec it came from in a comment (`header()`), and a file name may
hold a line break: written as it is, the rest of the path would become YAML keys, `.env`
variables or Python statements. So each emitter first replaces every character of the
path that `str.isprintable()` rejects (line breaks, other control characters, Unicode
line and paragraph separators, invisible format characters) by its Python escape. The
runtime module refuses such a path instead (`runtime._comment_header`).
"""

from __future__ import annotations

from dataclasses import replace

from stagespec.plan.inputs import BuildInput


def printable(path: str) -> str:
    """`path` with every character that is not printable written as `\\n`, `\\x85`, ..."""
    if path.isprintable():
        return path
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in path)


def with_printable_source(build: BuildInput) -> BuildInput:
    """`build`, with its spec path made safe to write into a one-line comment."""
    source = printable(build.source)
    return build if source == build.source else replace(build, source=source)
