"""Data-driven cases: every `tests/cases/{valid,invalid}/<CODE>-<slug>/stack.yaml` is validated
and its diagnostics compared, as `LINE:COL SEVERITY CODE NAME: MESSAGE` lines (the text
reporter's line without the file), with `expected.txt` beside it.

After a deliberate change of messages, `STAGESPEC_UPDATE_CASES=1 python -m pytest
tests/test_cases.py` rewrites each `expected.txt` that differs from what the engine reports
(and fails those cases, once); read every line of the diff before keeping it.

A case directory may hold `xfail.txt`: a known bug in src, described on its first line. The
case then runs as a strict xfail, so fixing the bug makes the suite say so.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from stagespec.engine.validate import validate_file
from stagespec.rules import RULES
from stagespec.rules.core import CORE_CHECKS

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cases"
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"

CODE_PATTERN = re.compile(r"^SS\d{3}$")
KEBAB_CASE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
EXPECTED_LINE = re.compile(r"^\d+:\d+ (?:error|warning|info) (SS\d{3}) [a-z0-9-]+: \S.*$")
UPDATE = os.environ.get("STAGESPEC_UPDATE_CASES") == "1"


def case_dirs() -> list[Path]:
    """Every case directory, valid ones first, in name order."""
    return sorted(
        (d for kind in ("valid", "invalid") for d in (CASES / kind).iterdir() if d.is_dir()),
        key=lambda d: (d.parent.name != "valid", d.name),
    )


def expected_lines(case: Path) -> list[str]:
    """The non-blank lines of a case's expected.txt."""
    text = (case / "expected.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def actual_lines(case: Path) -> list[str]:
    """What the engine reports for a case, in the engine's order."""
    result = validate_file(case / "stack.yaml")
    return [
        f"{d.line}:{d.column} {d.severity} {d.code} {d.name}: {d.message}"
        for d in result.diagnostics
    ]


def case_param(case: Path) -> object:
    """A pytest param for a case, a strict xfail when the case documents a known bug."""
    marks = []
    known_bug = case / "xfail.txt"
    if known_bug.exists():
        reason = known_bug.read_text(encoding="utf-8").strip().splitlines()[0]
        marks.append(pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(case, id=f"{case.parent.name}/{case.name}", marks=marks)


ALL_CASES = case_dirs()
ALL_CHECKS: list[Any] = [*CORE_CHECKS.values(), *RULES.values()]


def _doc(check: Any) -> str:
    """The user documentation of a rule module (docstring) or of a core check (DOC)."""
    return str(getattr(check, "DOC", None) or check.__doc__ or "")


@pytest.mark.parametrize("case", [case_param(c) for c in ALL_CASES])
def test_case_gives_exactly_the_expected_diagnostics(case: Path) -> None:
    actual = actual_lines(case)
    if UPDATE and actual != expected_lines(case):
        text = "".join(f"{line}\n" for line in actual)
        (case / "expected.txt").write_text(text, encoding="utf-8")
        pytest.fail(f"rewrote {case.name}/expected.txt: read its diff")
    assert actual == expected_lines(case)


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: f"{c.parent.name}/{c.name}")
def test_case_is_well_formed(case: Path) -> None:
    assert (case / "stack.yaml").is_file()
    code = case.name.split("-", 1)[0]
    assert code in CORE_CHECKS or code in RULES, f"{case.name} is not named after a known code"
    lines = expected_lines(case)
    assert all(EXPECTED_LINE.match(line) for line in lines), lines
    if case.parent.name == "valid":
        errors = [line for line in lines if line.split(" ", 2)[1] == "error"]
        assert not errors, "a valid case has no errors"
    else:
        codes = [match.group(1) for line in lines if (match := EXPECTED_LINE.match(line))]
        assert code in codes, f"{case.name} expects no {code}"


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: str(c.CODE))
def test_registry_entry_is_documented_and_has_cases(check: Any) -> None:
    code, name, severity = check.CODE, check.NAME, check.SEVERITY
    assert CODE_PATTERN.match(code)
    assert KEBAB_CASE.match(name)
    assert severity in ("error", "warning", "info")
    doc = _doc(check).strip()
    assert doc, f"{code} has no documentation"
    first_line = doc.splitlines()[0]
    assert first_line.endswith("."), f"{code}: first docstring line is not a sentence"
    assert first_line[0].isupper() or first_line[0] == "`", f"{code}: {first_line!r}"
    for kind in ("valid", "invalid"):
        assert list((CASES / kind).glob(f"{code}-*/stack.yaml")), f"{code} has no {kind} case"


def test_registry_codes_and_names_are_unique() -> None:
    codes = [c.CODE for c in ALL_CHECKS]
    names = [c.NAME for c in ALL_CHECKS]
    assert len(codes) == len(set(codes)), codes
    assert len(names) == len(set(names)), names
    assert all(code == key for key, code in zip([*CORE_CHECKS, *RULES], codes, strict=True))


def test_reference_stack_has_only_the_localstack_warning() -> None:
    result = validate_file(REFERENCE)
    assert result.spec is not None
    [diagnostic] = result.diagnostics
    assert (diagnostic.severity, diagnostic.code) == ("warning", "SS204")
    assert "'s3'" in diagnostic.message
    assert "'localstack'" in diagnostic.message
