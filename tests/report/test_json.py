"""The JSON format: valid against the published schema, documented, with exact counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from reportcases import ROOT

from stagespec.report import Report
from stagespec.report import json as json_format

SCHEMA = ROOT / "schemas" / "report.schema.json"
DOC = ROOT / "docs" / "report-format.md"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("fixture", ["report", "info_report"])
def test_output_is_valid_against_the_published_schema(
    fixture: str, validator: Draft202012Validator, request: pytest.FixtureRequest
) -> None:
    report: Report = request.getfixturevalue(fixture)
    errors = [e.message for e in validator.iter_errors(json.loads(json_format.render(report)))]
    assert errors == []


def test_an_empty_report_is_valid(validator: Draft202012Validator) -> None:
    empty = Report(files=[], diagnostics=[], rules=[], tool_version="0.1.0")
    assert list(validator.iter_errors(json.loads(json_format.render(empty)))) == []


def test_keys_counts_and_order(info_report: Report) -> None:
    payload = json.loads(json_format.render(info_report))
    assert list(payload) == ["version", "tool", "files", "diagnostics", "summary"]
    assert payload["version"] == 1
    assert payload["files"] == info_report.files
    assert payload["diagnostics"] == [d.to_dict() for d in info_report.diagnostics]
    severities = [d.severity for d in info_report.diagnostics]
    assert payload["summary"] == {
        "errors": severities.count("error"),
        "warnings": 0,
        "infos": severities.count("info"),
        "suppressed": 0,
    }
    assert payload["summary"]["infos"] > 0


def _property_names(schema: Any) -> set[str]:
    """Every key name the schema defines, at any depth."""
    names: set[str] = set()
    if isinstance(schema, dict):
        names |= set(schema.get("properties", {}))
        for value in schema.values():
            names |= _property_names(value)
    elif isinstance(schema, list):
        for value in schema:
            names |= _property_names(value)
    return names


def test_the_document_describes_every_key() -> None:
    doc = Path(DOC).read_text(encoding="utf-8")
    names = _property_names(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert {"end_column", "related", "suppressed"} <= names
    assert sorted(name for name in names if f"`{name}`" not in doc) == []
