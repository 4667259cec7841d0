"""The github format: workflow commands in GitHub's documented syntax, escaped as the runner
unescapes them."""

from __future__ import annotations

import re

import pytest

from stagespec.diagnostics import Diagnostic, Related
from stagespec.report import Report, github

# ::error file={name},line={line},col={col},endLine={endLine},endColumn={endColumn},title=..::msg
# A property value holds no raw `%`, `:` or `,` (only %25, %3A, %2C...) and no line break.
_VALUE = r"(?:[^%:,\r\n]|%(?:25|0D|0A|3A|2C))*"
COMMAND = re.compile(
    rf"^::(?P<kind>error|warning|notice) "
    rf"file=(?P<file>{_VALUE})"
    rf"(?:,line=(?P<line>[1-9]\d*))?"
    rf"(?:,col=(?P<col>[1-9]\d*))?"
    rf"(?:,endLine=(?P<endLine>[1-9]\d*))?"
    rf"(?:,endColumn=(?P<endColumn>[1-9]\d*))?"
    rf",title=(?P<title>{_VALUE})"
    rf"::(?P<message>(?:[^%\r\n]|%(?:25|0D|0A))*)$"
)


def unescape(value: str) -> str:
    """What the runner reads back from an escaped value."""
    table = {"%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ",", "%25": "%"}
    return re.sub(r"%(?:0D|0A|3A|2C|25)", lambda m: table[m.group()], value)


def parsed(diagnostic: Diagnostic) -> re.Match[str]:
    match = COMMAND.match(github.command(diagnostic))
    assert match is not None, github.command(diagnostic)
    return match


def test_one_documented_command_per_diagnostic(info_report: Report) -> None:
    lines = github.render(info_report).splitlines()
    assert len(lines) == len(info_report.diagnostics)
    kinds = {"error": "error", "warning": "warning", "info": "notice"}
    for line, d in zip(lines, info_report.diagnostics, strict=True):
        match = COMMAND.match(line)
        assert match is not None, line
        assert match["kind"] == kinds[d.severity]
        assert unescape(match["file"]) == d.file
        assert unescape(match["title"]) == f"{d.code} {d.name}"
        assert int(match["line"]) == d.line
        assert unescape(match["message"]).splitlines()[0] == d.message
    assert {m[2 : m.index(" ")] for m in lines} == {"error", "notice"}


def test_related_places_follow_the_message(report: Report) -> None:
    d = next(d for d in report.diagnostics if len(d.related) > 1)
    lines = unescape(parsed(d)["message"]).split("\n")
    assert lines[0] == d.message
    assert lines[1:] == [f"{r.file}:{r.line}:{r.column}: note: {r.message}" for r in d.related]


def test_one_line_span_gets_columns_with_an_inclusive_end() -> None:
    match = parsed(Diagnostic("a.yaml", 8, 26, "SS301", "secret-plaintext", "error", "m", 8, 33))
    assert (match["line"], match["col"], match["endLine"], match["endColumn"]) == (
        "8",
        "26",
        "8",
        "32",
    )


def test_several_line_span_has_no_columns() -> None:
    match = parsed(Diagnostic("a.yaml", 8, 3, "SS201", "breaker-weights", "error", "m", 12, 85))
    assert (match["line"], match["col"], match["endLine"], match["endColumn"]) == (
        "8",
        None,
        "12",
        None,
    )


def test_awkward_characters_round_trip() -> None:
    d = Diagnostic(
        file="dir,1/a:b%.yaml",
        line=1,
        column=1,
        code="SS011",
        name="unknown-key",
        severity="warning",
        message="100% sure: a,b :: c",
        related=(Related("x:y.yaml", 2, 3, "first\r\nhere"),),
    )
    match = parsed(d)
    assert unescape(match["file"]) == "dir,1/a:b%.yaml"
    assert unescape(match["message"]) == "100% sure: a,b :: c\nx:y.yaml:2:3: note: first\\r\\nhere"


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("50%", "50%25", "50%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
        ("%0A", "%250A", "%250A"),
    ],
)
def test_escaping(raw: str, data: str, prop: str) -> None:
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop
    assert unescape(data) == raw
    assert unescape(prop) == raw


def test_nothing_to_say_is_no_output() -> None:
    assert github.render(Report(files=["a.yaml"], diagnostics=[], rules=[], tool_version="0")) == ""
