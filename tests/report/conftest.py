"""Fixtures of the format tests: one report of real diagnostics, and its renderings."""

from __future__ import annotations

from dataclasses import replace

import pytest
from reportcases import REPORT_CASES, report_of

from stagespec.report import FORMATS, Report, render


@pytest.fixture(scope="session")
def report() -> Report:
    built = report_of(*REPORT_CASES)
    assert {d.severity for d in built.diagnostics} == {"error", "warning"}
    return built


@pytest.fixture(scope="session")
def info_report(report: Report) -> Report:
    """The same findings with the warnings turned into infos, as a config could set them."""
    diagnostics = [
        replace(d, severity="info") if d.severity == "warning" else d for d in report.diagnostics
    ]
    return replace(report, diagnostics=diagnostics)


@pytest.fixture(scope="session")
def outputs(report: Report) -> dict[str, str]:
    return {name: render(name, report) for name in FORMATS}
