"""The text format: one line per finding, related places indented, a summary, colour."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from reportcases import REPORT_CASES

from stagespec.diagnostics import Diagnostic, Related, Severity
from stagespec.report import Report, text
from stagespec.report.base import summary_line

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def diagnostic(severity: Severity = "error", message: str = "wrong") -> Diagnostic:
    return Diagnostic("a.yaml", 3, 5, "SS201", "breaker-weights", severity, message, 3, 9)


def test_each_finding_is_one_line_then_its_related_places(report: Report) -> None:
    expected = []
    for d in report.diagnostics:
        expected.append(d.format())
        expected += [f"  {r.file}:{r.line}:{r.column}: note: {r.message}" for r in d.related]
    lines = text.render(report).splitlines()
    assert lines[:-1] == expected
    errors = sum(d.severity == "error" for d in report.diagnostics)
    warnings = sum(d.severity == "warning" for d in report.diagnostics)
    assert (errors, warnings) > (5, 1)
    assert lines[-1] == f"{len(REPORT_CASES)} files checked: {errors} errors, {warnings} warnings"
    assert any(line.startswith("  ") for line in lines)


def test_color_paints_severities_and_codes_only(report: Report) -> None:
    plain, colored = text.render(report), text.render(report, color=True)
    assert "\x1b" not in plain
    assert ANSI.sub("", colored) == plain
    assert "\x1b[1;31merror\x1b[0m \x1b[31mSS201\x1b[0m breaker-weights" in colored
    assert "\x1b[1;33mwarning\x1b[0m \x1b[33mSS402\x1b[0m image-unpinned" in colored
    assert "\x1b[1;36mnote\x1b[0m: openai: 0.50" in colored


@pytest.mark.parametrize(
    ("files", "severities", "suppressed", "expected"),
    [
        (1, [], 0, "1 file checked: 0 errors"),
        (1, ["error", "error", "warning"], 3, "1 file checked: 2 errors, 1 warning (3 suppressed)"),
        (2, ["warning", "warning", "info"], 0, "2 files checked: 0 errors, 2 warnings, 1 info"),
        (3, ["error", "info", "info"], 1, "3 files checked: 1 error, 2 infos (1 suppressed)"),
    ],
)
def test_summary_line(
    files: int, severities: list[Severity], suppressed: int, expected: str
) -> None:
    report = Report(
        files=[f"f{i}.yaml" for i in range(files)],
        diagnostics=[diagnostic(s) for s in severities],
        suppressed=suppressed,
        rules=[],
        tool_version="0",
    )
    assert summary_line(report) == expected
    assert text.render(report).splitlines()[-1] == expected


def test_control_and_bidi_characters_are_shown_escaped() -> None:
    d = replace(
        diagnostic(message="key 'a\x1b[2Jb\nc\u202ed'"),
        related=(Related("a.yaml", 1, 1, "x\ry"),),
    )
    out = text.render(Report(files=["a.yaml"], diagnostics=[d], rules=[], tool_version="0"))
    assert "\x1b" not in out and "\u202e" not in out and "\r" not in out
    assert "key 'a\\x1b[2Jb\\nc\\u202ed'" in out
    assert "note: x\\ry" in out
    assert len(out.splitlines()) == 3
