"""JUnit XML, for CI services that show test results (GitLab, Jenkins, Azure, CircleCI).

A spec file is a test suite and each rule is a test case in it, so a CI page lists every
check with its state. A test case fails when its rule found something at or above the
severity that fails the run (`fail_on`, errors by default, as the exit code does); findings
below that are kept in the test case's `<system-out>` and do not fail it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from stagespec.diagnostics import Diagnostic, Severity, printable
from stagespec.report.base import TOOL_NAME, Report, fails

NAME = "junit"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def render(report: Report, *, fail_on: Severity = "error") -> str:
    """A `<testsuites>` document: a suite per spec file, a test case per rule."""
    root = ET.Element("testsuites", name=TOOL_NAME)
    by_file: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in report.diagnostics:
        by_file[d.file].append(d)
    cases = _cases(report)
    extra = sorted(set(by_file) - set(report.files))
    for file in [*report.files, *extra]:
        root.append(_suite(file, by_file.get(file, []), cases, fail_on))
    suites = root.findall("testsuite")
    tests = sum(int(suite.get("tests", "0")) for suite in suites)
    _set_counts(root, tests, sum(int(suite.get("failures", "0")) for suite in suites))
    ET.indent(root)
    return _DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def _cases(report: Report) -> dict[str, str]:
    """Test case names by rule code: every rule, then codes only a diagnostic knows."""
    names = {rule.code: f"{rule.code} {rule.name}" for rule in report.rules}
    for d in report.diagnostics:
        names.setdefault(d.code, f"{d.code} {d.name}")
    return names


def _suite(
    file: str, diagnostics: list[Diagnostic], cases: dict[str, str], fail_on: Severity
) -> ET.Element:
    suite = ET.Element("testsuite", name=printable(file))
    by_code: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in diagnostics:
        by_code[d.code].append(d)
    for code, name in cases.items():
        suite.append(_case(file, name, by_code.get(code, []), fail_on))
    cases_run = suite.findall("testcase")
    _set_counts(suite, len(cases_run), sum(c.find("failure") is not None for c in cases_run))
    return suite


def _case(file: str, name: str, found: list[Diagnostic], fail_on: Severity) -> ET.Element:
    case = ET.Element("testcase", classname=printable(file), name=name)
    failing = [d for d in found if fails(d.severity, fail_on)]
    passing = [d for d in found if not fails(d.severity, fail_on)]
    if failing:
        first = failing[0]
        more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
        message = f"{first.line}:{first.column}: {printable(first.message)}{more}"
        failure = ET.SubElement(case, "failure", message=message, type=first.code)
        failure.text = _lines(failing)
    if passing:
        ET.SubElement(case, "system-out").text = _lines(passing)
    return case


def _lines(diagnostics: list[Diagnostic]) -> str:
    lines = []
    for d in diagnostics:
        lines.append(printable(d.format()))
        lines += [
            printable(f"  {r.file}:{r.line}:{r.column}: note: {r.message}") for r in d.related
        ]
    return "\n".join(lines)


def _set_counts(element: ET.Element, tests: int, failures: int) -> None:
    # A finding is a failure of its check; nothing here is an error or a skip in JUnit's sense.
    for key, value in (("tests", tests), ("failures", failures), ("errors", 0), ("skipped", 0)):
        element.set(key, str(value))
