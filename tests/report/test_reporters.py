"""The format registry: every format renders every report, deterministically."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from reportcases import REPORT_CASES, ROOT

from stagespec.report import FORMATS, Report, render, text

EMPTY = Report(files=[], diagnostics=[], rules=[], tool_version="0.0.0")

# Renders every format in a fresh interpreter, so that hash seeds can differ between runs.
_RENDER_ALL = f"""
import sys
sys.path.insert(0, {str(ROOT / "tests" / "report")!r})
from reportcases import report_of, REPORT_CASES
from stagespec.report import FORMATS, render
report = report_of(*REPORT_CASES)
sys.stdout.write("".join(render(name, report) for name in FORMATS))
"""


def test_the_registry_has_every_format() -> None:
    assert list(FORMATS) == ["text", "json", "github", "sarif", "junit"]


@pytest.mark.parametrize("name", FORMATS)
def test_output_is_repeatable_and_ends_with_a_newline(name: str, report: Report) -> None:
    first = render(name, report)
    assert first == render(name, report)
    assert first.endswith("\n")


@pytest.mark.parametrize("name", FORMATS)
def test_an_empty_report_renders(name: str) -> None:
    assert isinstance(FORMATS[name](EMPTY), str)


def test_output_does_not_depend_on_the_hash_seed() -> None:
    runs = [
        subprocess.run(
            [sys.executable, "-c", _RENDER_ALL],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        for seed in ("0", "4242")
    ]
    assert runs[0] == runs[1]
    assert len(runs[0]) > 1000


def test_render_gives_color_to_text_only(report: Report) -> None:
    assert render("text", report, color=True) == text.render(report, color=True)
    assert render("json", report, color=True) == FORMATS["json"](report)


def test_the_cases_used_exist() -> None:
    assert all((ROOT / "tests" / "cases" / case / "stack.yaml").is_file() for case in REPORT_CASES)
