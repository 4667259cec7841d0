"""Output formats of `stagespec validate`: each module renders a `Report` to text.

May import engine (its `Result`), rules (their metadata) and the bottom modules; never cli.
"""

from __future__ import annotations

from collections.abc import Callable

from stagespec.diagnostics import Severity
from stagespec.report import github, json, junit, sarif, text
from stagespec.report.base import Report, report_for

__all__ = ["FORMATS", "Report", "render", "report_for"]

Renderer = Callable[[Report], str]

FORMATS: dict[str, Renderer] = {
    text.NAME: text.render,
    json.NAME: json.render,
    github.NAME: github.render,
    sarif.NAME: sarif.render,
    junit.NAME: junit.render,
}


def render(fmt: str, report: Report, *, color: bool = False, fail_on: Severity = "error") -> str:
    """Render `report` in format `fmt`; `color` applies to text, `fail_on` to JUnit."""
    if fmt == text.NAME:
        return text.render(report, color=color)
    if fmt == junit.NAME:
        return junit.render(report, fail_on=fail_on)
    return FORMATS[fmt](report)
