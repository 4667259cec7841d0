"""Reports built from real diagnostics of the rule cases, shared by the format tests."""

from __future__ import annotations

from pathlib import Path

from stagespec import __version__
from stagespec.engine.validate import validate_file
from stagespec.report import Report, report_for

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases"

SECRET_CASES = sorted(p.parent.name for p in (CASES / "invalid").glob("SS301-*/stack.yaml"))

# Related locations (SS201, SS401), warnings (SS402), a position inside a message (SS002),
# every plain-text secret case, and a clean spec.
REPORT_CASES = [
    "invalid/SS002-duplicate-key",
    "invalid/SS201-weights-sum-to-095",
    "invalid/SS401-duplicate-host-port",
    "invalid/SS402-unpinned-images",
    *(f"invalid/{case}" for case in SECRET_CASES),
    "valid/SS301-secrets-by-reference",
]


def spec_path(case: str) -> Path:
    return CASES / case / "stack.yaml"


def report_of(*cases: str) -> Report:
    """Validate the cases' specs, named relative to the repository as a CI run names them."""
    results = [
        validate_file(spec_path(case), spec_path(case).relative_to(ROOT).as_posix())
        for case in cases
    ]
    return report_for(results, tool_version=__version__)
