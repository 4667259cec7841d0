"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

Syntax: `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=T::message` (`::warning`,
`::notice`). Data is escaped as the runner unescapes it (`%` `\\r` `\\n`), property values
also `:` and `,` (actions/toolkit `escapeData` / `escapeProperty`).
"""

from __future__ import annotations

from stagespec.diagnostics import Diagnostic, Severity, printable
from stagespec.report.base import Report, posix_path

NAME = "github"

_COMMANDS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "notice"}


def render(report: Report) -> str:
    """One workflow command per diagnostic, in report order."""
    return "".join(command(d) + "\n" for d in report.diagnostics)


def command(d: Diagnostic) -> str:
    """The workflow command that annotates one diagnostic."""
    properties = ",".join(f"{key}={escape_property(value)}" for key, value in _properties(d))
    lines = [printable(d.message)]
    lines += [
        f"{printable(posix_path(r.file))}:{r.line}:{r.column}: note: {printable(r.message)}"
        for r in d.related
    ]
    message = escape_data("\n".join(lines))
    return f"::{_COMMANDS[d.severity]} {properties}::{message}"


def _properties(d: Diagnostic) -> list[tuple[str, str]]:
    found = [("file", printable(posix_path(d.file)))]
    if d.line > 0:
        found.append(("line", str(d.line)))
        found += _columns(d)
    found.append(("title", f"{d.code} {d.name}"))
    return found


def _columns(d: Diagnostic) -> list[tuple[str, str]]:
    # GitHub keeps columns only when an annotation starts and ends on one line.
    if d.end_line > d.line:
        return [("endLine", str(d.end_line))]
    found = [("col", str(d.column))] if d.column > 0 else []
    if d.end_line == d.line and d.end_column > d.column > 0:
        # GitHub's end column is the last character; a libyaml end mark is the one after it.
        found += [("endLine", str(d.end_line)), ("endColumn", str(d.end_column - 1))]
    return found


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value, which also may not hold `:` or `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
