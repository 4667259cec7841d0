"""Shared test settings: in CI, a test of a real tool may not skip for want of the tool."""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if in_ci and report.skipped and item.get_closest_marker("tools") is not None:
        report.outcome = "failed"
        report.longrepr = (
            f"CI installs every tool the tests use, but this test skipped: {report.longrepr}"
        )
