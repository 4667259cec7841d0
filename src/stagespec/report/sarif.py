"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; the driver lists every rule with its documentation, so a viewer can explain a
result without stagespec at hand. Each result carries a partial fingerprint that leaves line
numbers out, so that an alert survives unrelated edits above it.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from stagespec.diagnostics import Diagnostic, Severity
from stagespec.report.base import TOOL_NAME, Report, posix_path

if TYPE_CHECKING:
    from stagespec.rules import RuleInfo

NAME = "sarif"
SARIF_VERSION = "2.1.0"
SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://stagespec.dev"
# Bump the suffix only when the recipe changes: every existing alert then reopens once.
FINGERPRINT_KEY = "stagespecFingerprint/v1"

LEVELS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}

# Positions quoted in a message ("first defined at line 5, column 5") move with the code.
_POSITION = re.compile(r"\b(line|column)\s+\d+", re.IGNORECASE)

Json = dict[str, Any]


def render(report: Report) -> str:
    """The report as a SARIF log with one run, keys sorted, indented by 2."""
    index = {rule.code: i for i, rule in enumerate(report.rules)}
    run: Json = {
        "tool": {"driver": _driver(report)},
        # libyaml counts characters, not the UTF-16 code units SARIF assumes by default.
        "columnKind": "unicodeCodePoints",
        "results": _results(report.diagnostics, index),
    }
    log = {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _driver(report: Report) -> Json:
    return {
        "name": TOOL_NAME,
        "version": report.tool_version,
        "informationUri": INFORMATION_URI,
        "rules": [_descriptor(rule) for rule in report.rules],
    }


def _descriptor(rule: RuleInfo) -> Json:
    doc = inspect.cleandoc(rule.doc)
    short = rule.summary or rule.name
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": " ".join(doc.split("\n\n")[0].split()) or short},
        "help": {"text": doc, "markdown": doc} if doc else {"text": short},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }


def _results(diagnostics: list[Diagnostic], index: dict[str, int]) -> list[Json]:
    # Identical findings in one file are told apart by their order, as CodeQL does.
    seen: Counter[str] = Counter()
    results = []
    for d in diagnostics:
        base = fingerprint(d)
        seen[base] += 1
        results.append(_result(d, index.get(d.code), f"{base}:{seen[base]}"))
    return results


def _result(d: Diagnostic, rule_index: int | None, fingerprint: str) -> Json:
    result: Json = {
        "ruleId": d.code,
        "level": LEVELS[d.severity],
        "message": {"text": d.message},
        "locations": [
            {
                "physicalLocation": physical_location(
                    d.file, d.line, d.column, d.end_line, d.end_column
                )
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    if d.related:
        result["relatedLocations"] = [
            {
                "id": i,
                "physicalLocation": physical_location(r.file, r.line, r.column),
                "message": {"text": r.message},
            }
            for i, r in enumerate(d.related)
        ]
    return result


def physical_location(
    file: str, line: int, column: int, end_line: int = 0, end_column: int = 0
) -> Json:
    """A file and, when known, a region; SARIF's end column is exclusive, like libyaml's."""
    location: Json = {"artifactLocation": {"uri": artifact_uri(file)}}
    if line < 1:
        return location
    region: Json = {"startLine": line}
    if column >= 1:
        region["startColumn"] = column
    if end_line > line or (end_line == line and end_column >= column):
        region["endLine"] = end_line
        if end_column >= 1:
            region["endColumn"] = end_column
    location["region"] = region
    return location


def artifact_uri(file: str) -> str:
    """A relative URI reference for a relative path, a `file://` URI for an absolute one."""
    path = posix_path(file)
    uri = quote(path, safe="/")
    return f"file://{uri}" if path.startswith("/") else uri


def fingerprint(d: Diagnostic) -> str:
    """A hash of the rule, the file and the message with positions and spacing normalised."""
    message = " ".join(_POSITION.sub(r"\1 N", d.message).split())
    identity = "\0".join((d.code, artifact_uri(d.file), message))
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
