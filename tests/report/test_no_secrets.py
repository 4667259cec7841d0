"""No format shows a secret: the plain-text secret of every SS301 case, read from its spec at
the place the diagnostic points to, appears in no output."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from reportcases import SECRET_CASES, report_of, spec_path

from stagespec.report import FORMATS, Report, render


def secrets_of(case: str) -> list[str]:
    """The literal under each SS301 finding of the case, and a URL's `user:password@`."""
    report = report_of(f"invalid/{case}")
    lines = spec_path(f"invalid/{case}").read_text(encoding="utf-8").splitlines()
    found = []
    for d in report.diagnostics:
        if d.code == "SS301":
            assert d.end_line == d.line
            literal = lines[d.line - 1][d.column - 1 : d.end_column - 1].strip("'\"")
            found.append(literal)
            url = urlsplit(literal)
            if url.password:
                found.append(f"{url.username}:{url.password}@")
    assert found and all(len(secret) >= 7 for secret in found)
    return found


def outputs_of(report: Report) -> dict[str, str]:
    outputs = {name: render(name, report) for name in FORMATS}
    outputs["text --color"] = render("text", report, color=True)
    return outputs


@pytest.mark.parametrize("case", SECRET_CASES)
def test_no_format_shows_the_secret(case: str) -> None:
    report = report_of(f"invalid/{case}")
    assert any(d.code == "SS301" for d in report.diagnostics)
    # SARIF carries every rule's documentation, whose examples may use the same made-up
    # password ("hunter2"); that part depends on the rules alone, never on the spec.
    baseline = outputs_of(Report(files=[], diagnostics=[], rules=report.rules, tool_version="0"))
    for name, output in outputs_of(report).items():
        for secret in secrets_of(case):
            assert output.count(secret) == baseline[name].count(secret), (name, secret)
            if name != "sarif":
                assert secret not in output, (name, secret)


@pytest.mark.parametrize("case", SECRET_CASES)
def test_sarif_results_do_not_show_the_secret(case: str) -> None:
    log = json.loads(render("sarif", report_of(f"invalid/{case}")))
    results = json.dumps(log["runs"][0]["results"], ensure_ascii=False)
    assert all(secret not in results for secret in secrets_of(case))
