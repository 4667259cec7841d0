"""Machine-readable JSON, version 1 (schemas/report.schema.json, docs/report-format.md)."""

from __future__ import annotations

import json

from stagespec.report.base import TOOL_NAME, Report, counts

NAME = "json"
VERSION = 1


def render(report: Report) -> str:
    """The report as one JSON document with stable keys."""
    tally = counts(report)
    payload = {
        "version": VERSION,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "files": list(report.files),
        "diagnostics": [d.to_dict() for d in report.diagnostics],
        "summary": {
            "errors": tally["error"],
            "warnings": tally["warning"],
            "infos": tally["info"],
            "suppressed": report.suppressed,
        },
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
