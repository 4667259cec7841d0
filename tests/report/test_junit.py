"""The junit format, read back by junitparser: a suite per spec file, a test case per rule,
failures for the findings that fail the run."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from junitparser import Failure, JUnitXml, TestCase, TestSuite

from stagespec.diagnostics import Diagnostic, Severity
from stagespec.report import Report, junit


def parsed(report: Report, fail_on: Severity = "error") -> JUnitXml:
    return JUnitXml.fromstring(junit.render(report, fail_on=fail_on))


def suites(xml: JUnitXml) -> dict[str, TestSuite]:
    return {suite.name: suite for suite in xml}


def failures(case: TestCase) -> list[Failure]:
    return [result for result in case.result if isinstance(result, Failure)]


def test_a_suite_per_file_and_a_case_per_rule(report: Report) -> None:
    xml = parsed(report)
    assert xml.name == "stagespec"
    assert list(suites(xml)) == report.files
    for suite in xml:
        cases = list(suite)
        assert [case.name for case in cases] == [f"{r.code} {r.name}" for r in report.rules]
        assert {case.classname for case in cases} == {suite.name}
        assert suite.tests == len(report.rules)
        assert suite.failures == sum(bool(failures(case)) for case in cases)
        assert (suite.errors, suite.skipped) == (0, 0)
    assert xml.tests == len(report.files) * len(report.rules)
    assert xml.failures == sum(suite.failures for suite in xml)


@pytest.mark.parametrize(
    ("fail_on", "failing"), [("error", {"error"}), ("warning", {"error", "warning"})]
)
def test_findings_fail_their_case_from_the_failing_severity_up(
    report: Report, fail_on: Severity, failing: set[str]
) -> None:
    xml = suites(parsed(report, fail_on))
    for d in report.diagnostics:
        case = next(c for c in xml[d.file] if c.name == f"{d.code} {d.name}")
        if d.severity in failing:
            failure = failures(case)[0]
            assert failure.type == d.code
            assert d.format() in (failure.text or "")
        else:
            assert failures(case) == []
            assert d.format() in (case.system_out or "")


def test_the_failure_message_names_the_first_finding_and_counts_the_rest() -> None:
    d = Diagnostic(
        "a.yaml", 5, 12, "SS402", "image-unpinned", "error", "image 'redis' is not pinned"
    )
    report = Report(
        files=["a.yaml"], diagnostics=[d, replace(d, line=8)], rules=[], tool_version="0"
    )
    (case,) = suites(parsed(report))["a.yaml"]
    assert failures(case)[0].message == "5:12: image 'redis' is not pinned (and 1 more)"


def test_related_places_are_listed_under_the_finding(report: Report) -> None:
    d = next(d for d in report.diagnostics if d.related)
    case = next(c for c in suites(parsed(report))[d.file] if c.name.startswith(d.code))
    for r in d.related:
        assert f"  {r.file}:{r.line}:{r.column}: note: {r.message}" in (
            failures(case)[0].text or ""
        )


def test_a_clean_file_passes_every_case(report: Report) -> None:
    clean = next(f for f in report.files if f.startswith("tests/cases/valid/"))
    suite = suites(parsed(report))[clean]
    assert suite.failures == 0
    assert all(case.is_passed for case in suite)


def test_control_characters_still_make_well_formed_xml() -> None:
    d = Diagnostic("a\x00.yaml", 1, 1, "SS011", "unknown-key", "error", "key '\x1b[2J\x07\ufffe'")
    report = Report(files=["a\x00.yaml"], diagnostics=[d], rules=[], tool_version="0")
    root = ET.fromstring(junit.render(report))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "1:1: key '\\x1b[2J\\x07\\ufffe'"
