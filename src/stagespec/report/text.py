"""Plain text for people: one line per finding, related places indented, a summary last."""

from __future__ import annotations

from stagespec.diagnostics import Diagnostic, Related, Severity, printable
from stagespec.report.base import Report, summary_line

NAME = "text"

# Select Graphic Rendition codes: bold red, bold yellow, bold cyan; codes in the plain hue.
_SEVERITY_SGR: dict[Severity, str] = {"error": "1;31", "warning": "1;33", "info": "1;36"}
_CODE_SGR: dict[Severity, str] = {"error": "31", "warning": "33", "info": "36"}
_NOTE_SGR = "1;36"


def render(report: Report, *, color: bool = False) -> str:
    """`file:line:col: severity CODE name: message` lines, then the summary line."""
    lines: list[str] = []
    for d in report.diagnostics:
        lines.append(_line(d, color))
        lines += [_related(r, color) for r in d.related]
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _paint(text: str, sgr: str, color: bool) -> str:
    return f"\x1b[{sgr}m{text}\x1b[0m" if color else text


def _line(d: Diagnostic, color: bool) -> str:
    severity = _paint(d.severity, _SEVERITY_SGR[d.severity], color)
    code = _paint(d.code, _CODE_SGR[d.severity], color)
    where = f"{printable(d.file)}:{d.line}:{d.column}"
    return f"{where}: {severity} {code} {d.name}: {printable(d.message)}"


def _related(r: Related, color: bool) -> str:
    note = _paint("note", _NOTE_SGR, color)
    return f"  {printable(r.file)}:{r.line}:{r.column}: {note}: {printable(r.message)}"
