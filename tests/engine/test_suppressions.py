"""Suppression comments: parsed from the spec text, applied to diagnostics, checked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from stagespec.diagnostics import Diagnostic
from stagespec.engine.suppressions import (
    EXPIRED,
    INVALID,
    UNUSED,
    Suppression,
    Target,
    apply,
    parse,
)
from stagespec.engine.validate import validate_file
from stagespec.rules import RULES
from stagespec.rules.core import CORE_CHECKS

FILE = "stack.yaml"
TODAY = date(2025, 6, 15)
FAKE_RULES = {
    "SS301": "secret-plaintext",
    "SS402": "image-unpinned",
    "SS403": "healthcheck-missing",
}
REAL_RULES = {rule.CODE: rule.NAME for rule in RULES.values()}
CASES = Path(__file__).resolve().parents[1] / "cases"
REASON = 'reason="pinned at deploy time"'


def finding(line: int, code: str = "SS402", file: str = FILE) -> Diagnostic:
    return Diagnostic(file, line, 12, code, FAKE_RULES[code], "warning", "found")


def run(text: str, *diagnostics: Diagnostic, enabled: bool = True) -> tuple[list[str], ...]:
    """Apply the suppressions of `text`; kept, suppressed and problems as `line:col CODE`."""
    outcome = apply(diagnostics, parse(text, FILE), FAKE_RULES, TODAY, enabled=enabled)
    return tuple(
        [f"{d.line}:{d.column} {d.code}" for d in found]
        for found in (outcome.kept, outcome.suppressed, outcome.problems)
    )


def only(text: str) -> Suppression:
    [suppression] = parse(text, FILE)
    return suppression


# --- parsing -------------------------------------------------------------------------------


def test_trailing_suppression_covers_its_own_line() -> None:
    text = f"a: 1\nimage: redis  # stagespec: ignore[SS402, image-unpinned] {REASON}\n"
    assert only(text) == Suppression(
        file=FILE,
        line=2,
        column=15,
        end_column=len(text.splitlines()[1]) + 1,
        kind="line",
        target_line=2,
        targets=(Target("SS402", 35), Target("image-unpinned", 42)),
        reason="pinned at deploy time",
    )


def test_suppression_on_its_own_line_covers_the_next_line_that_is_not_a_comment() -> None:
    text = f"# stagespec: ignore[SS402] {REASON}\n  # another note\nimage: redis\n"
    assert only(text).target_line == 3


def test_a_blank_line_ends_the_reach_of_a_suppression_above() -> None:
    text = f"# stagespec: ignore[SS402] {REASON}\n\nimage: redis\n"
    assert only(text).target_line == 2


def test_file_suppression_covers_the_whole_file() -> None:
    suppression = only(f"a: 1\n# stagespec: ignore-file[SS403] {REASON}\n")
    assert (suppression.kind, suppression.target_line) == ("file", None)


@pytest.mark.parametrize(
    "fields",
    [f"{REASON} until=2025-06-30", f"until=2025-06-30 {REASON}", "until='2025-06-30' " + REASON],
)
def test_reason_and_until_in_any_order(fields: str) -> None:
    suppression = only(f"# stagespec:ignore[SS402]   {fields}  \n")
    assert (suppression.reason, suppression.until) == ("pinned at deploy time", date(2025, 6, 30))
    assert suppression.error is None


def test_single_quoted_reason() -> None:
    assert only("a: 1  # stagespec: ignore[SS402] reason='it is \"fine\"'").reason == 'it is "fine"'


@pytest.mark.parametrize(
    ("comment", "error"),
    [
        ("# stagespec: ignore SS402", "expected a list of rules in brackets"),
        ("# stagespec: ignore[SS402", "expected a list of rules in brackets"),
        (
            "# stagespec: ingore[SS402] " + REASON,
            "unknown directive 'ingore'; did you mean 'ignore'?",
        ),
        ("# stagespec: disable[SS402] " + REASON, "unknown directive 'disable'"),
        ("# stagespec: ignore[] " + REASON, "an empty rule name"),
        ("# stagespec: ignore[SS402,] " + REASON, "an empty rule name"),
        ('# stagespec: ignore[SS402] resaon="x"', "unknown field 'resaon'; did you mean 'reason'?"),
        ('# stagespec: ignore[SS402] reason="a" reason="b"', "reason= is given twice"),
        ("# stagespec: ignore[SS402] reason=because", 'a reason is quoted: reason="..."'),
        ('# stagespec: ignore[SS402] reason="never closed', 'a reason is quoted: reason="..."'),
        ("# stagespec: ignore[SS402] reason", 'a reason is quoted: reason="..."'),
        (f"# stagespec: ignore[SS402] {REASON} until=2025-02-30", "until=2025-02-30 is not a date"),
        (f"# stagespec: ignore[SS402] {REASON} until=2025-6-1", "until=2025-6-1 is not a date"),
        (f"# stagespec: ignore[SS402] {REASON} until=soon", "until=soon is not a date"),
        (f"# stagespec: ignore[SS402] {REASON} -- see ticket", "unexpected '-- see ticket'"),
    ],
)
def test_malformed_suppressions_say_what_is_wrong(comment: str, error: str) -> None:
    suppression = only(f"a: 1\n{comment}\n")
    assert suppression.error is not None
    assert error in suppression.error
    assert suppression.targets == ()


@pytest.mark.parametrize(
    "text",
    [
        "stagespec: 1  # stagespec: 1 is the spec version\n",
        "# a note: stagespec: ignore[SS402] is how to suppress\n",
        "# stagespec ignore[SS402]\n",
        'csp: "# stagespec: ignore[SS402]"\n',
        "url: http://x/#stagespec:ignore[SS402]\n",
        "cmd: |\n  # stagespec: ignore[SS402]\n",
        "msg: 'multi\n  # stagespec: ignore[SS402]'\n",
    ],
)
def test_text_that_is_not_a_suppression_comment(text: str) -> None:
    assert parse(text, FILE) == []


# --- applying ------------------------------------------------------------------------------


def test_suppression_with_reason_suppresses_its_line_only() -> None:
    text = f"a: 1\nimage: redis  # stagespec: ignore[SS402] {REASON}\nb: 1\n"
    assert run(text, finding(2), finding(3)) == (["3:12 SS402"], ["2:12 SS402"], [])


@pytest.mark.parametrize("name", ["SS402", "image-unpinned"])
def test_rules_are_named_by_code_or_by_name(name: str) -> None:
    text = f"# stagespec: ignore[{name}] {REASON}\nimage: redis\n"
    assert run(text, finding(2)) == ([], ["2:12 SS402"], [])


def test_suppression_names_only_the_rules_it_suppresses() -> None:
    text = f"image: redis  # stagespec: ignore[SS402] {REASON}\n"
    assert run(text, finding(1, "SS403")) == (["1:12 SS403"], [], ["1:35 SS022"])


def test_stacked_suppressions_above_one_line() -> None:
    text = (
        f"# stagespec: ignore[SS402] {REASON}\n"
        f"# stagespec: ignore[healthcheck-missing] {REASON}\n"
        "redis: {image: redis}\n"
    )
    assert run(text, finding(3), finding(3, "SS403")) == ([], ["3:12 SS402", "3:12 SS403"], [])


def test_file_suppression_suppresses_every_finding_of_its_rules() -> None:
    text = f"a: 1\n# stagespec: ignore-file[SS403] {REASON}\n"
    found = (finding(1, "SS403"), finding(9, "SS403"), finding(9))
    assert run(text, *found) == (["9:12 SS402"], ["1:12 SS403", "9:12 SS403"], [])


def test_findings_of_another_file_are_left_alone() -> None:
    text = f"# stagespec: ignore-file[SS402] {REASON}\n"
    assert run(text, finding(1, file="other.yaml")) == (["1:12 SS402"], [], ["1:26 SS022"])


def test_suppression_without_reason_suppresses_nothing_and_is_reported() -> None:
    text = "image: redis  # stagespec: ignore[SS402]\n"
    assert run(text, finding(1)) == (["1:12 SS402"], [], ["1:15 SS020"])


def test_suppression_with_empty_reason_suppresses_nothing() -> None:
    text = 'image: redis  # stagespec: ignore[SS402] reason="  "\n'
    assert run(text, finding(1)) == (["1:12 SS402"], [], ["1:15 SS020"])


def test_expired_suppression_suppresses_nothing_and_is_reported() -> None:
    text = f"image: redis  # stagespec: ignore[SS402] {REASON} until=2025-06-14\n"
    assert run(text, finding(1)) == (["1:12 SS402"], [], ["1:15 SS021"])


def test_suppression_holds_through_its_until_date() -> None:
    text = f"image: redis  # stagespec: ignore[SS402] {REASON} until=2025-06-15\n"
    assert run(text, finding(1)) == ([], ["1:12 SS402"], [])


def test_unused_suppression_is_reported_at_the_rule_it_names() -> None:
    text = f"image: redis:7  # stagespec: ignore[SS403, SS402] {REASON}\n"
    assert run(text, finding(1)) == ([], ["1:12 SS402"], ["1:37 SS022"])


def test_unknown_rule_is_reported_and_the_other_rules_still_apply() -> None:
    text = f"image: redis  # stagespec: ignore[SS402, image-unpined] {REASON}\n"
    outcome = apply([finding(1)], parse(text, FILE), FAKE_RULES, TODAY)
    assert [d.code for d in outcome.suppressed] == ["SS402"]
    [problem] = outcome.problems
    assert (problem.line, problem.column, problem.end_column) == (1, 42, 55)
    assert problem.message == "unknown rule 'image-unpined'; did you mean 'image-unpinned'?"


def test_core_checks_cannot_be_suppressed() -> None:
    text = f"stagespec: 2  # stagespec: ignore[SS010] {REASON}\n"
    outcome = apply([], parse(text, FILE), FAKE_RULES, TODAY)
    [problem] = outcome.problems
    assert problem.code == INVALID
    assert "SS010 schema is a core check" in problem.message


def test_malformed_suppression_is_reported_at_the_comment() -> None:
    text = "a: 1\n  # stagespec: ignore SS402\nimage: redis\n"
    outcome = apply([finding(3)], parse(text, FILE), FAKE_RULES, TODAY)
    assert [d.code for d in outcome.kept] == ["SS402"]
    [problem] = outcome.problems
    assert (problem.line, problem.column, problem.end_column) == (2, 3, 28)
    assert problem.message.startswith("malformed suppression: expected a list of rules")


def test_a_finding_covered_twice_uses_both_suppressions() -> None:
    text = (
        f"# stagespec: ignore-file[SS402] {REASON}\n"
        f"image: redis  # stagespec: ignore[SS402] {REASON}\n"
    )
    assert run(text, finding(2)) == ([], ["2:12 SS402"], [])


@pytest.mark.parametrize(
    "comment",
    [
        "# stagespec: ignore[SS402]",
        f"# stagespec: ignore[SS402] {REASON} until=2000-01-01",
        f"# stagespec: ignore[SS499] {REASON}",
        "# stagespec: ignore SS402",
        f"# stagespec: ignore[SS403] {REASON}",
        f"# stagespec: ignore[SS402] {REASON}",
    ],
)
def test_no_suppressions_suppresses_nothing_and_reports_nothing(comment: str) -> None:
    text = f"{comment}\nimage: redis\n"
    assert run(text, finding(2), enabled=False) == (["2:12 SS402"], [], [])


def test_problems_have_the_level_and_name_of_their_core_check() -> None:
    text = (
        "a: 1  # stagespec: ignore[SS402]\n"
        f"b: 1  # stagespec: ignore[SS402] {REASON} until=2000-01-01\n"
        f"c: 1  # stagespec: ignore[SS402] {REASON}\n"
    )
    outcome = apply([], parse(text, FILE), FAKE_RULES, TODAY)
    assert [(d.code, d.name, d.severity) for d in outcome.problems] == [
        (code, CORE_CHECKS[code].NAME, CORE_CHECKS[code].SEVERITY)
        for code in (INVALID, EXPIRED, UNUSED)
    ]
    assert [(d.code, d.severity) for d in outcome.problems] == [
        ("SS020", "error"),
        ("SS021", "warning"),
        ("SS022", "warning"),
    ]


# --- with the engine -----------------------------------------------------------------------


def wired(path: Path, today: date = TODAY) -> list[str]:
    """What `validate` reports once suppressions are wired in, as in expected.txt."""
    result = validate_file(path, today=today)
    assert result.document is not None
    return [
        f"{d.line}:{d.column} {d.severity} {d.code} {d.name}: {d.message}"
        for d in result.diagnostics
    ]


@pytest.mark.parametrize(
    "case", sorted(CASES.glob("*/SS02[0-2]-*")), ids=lambda c: f"{c.parent.name}/{c.name}"
)
def test_suppression_cases_give_their_expected_diagnostics_once_wired(case: Path) -> None:
    text = (case / "expected.txt").read_text(encoding="utf-8")
    expected = [line.strip() for line in text.splitlines() if line.strip()]
    assert wired(case / "stack.yaml") == expected


def test_secret_false_positive_suppressed_in_a_real_spec(tmp_path: Path) -> None:
    spec = tmp_path / "stack.yaml"
    spec.write_text(
        "stagespec: 1\n"
        "project: demo\n"
        "services:\n"
        "  api:\n"
        "    image: api:1.0\n"
        "    healthcheck: {test: [CMD, ping]}\n"
        "    environment:\n"
        '      # stagespec: ignore[secret-plaintext] reason="a public build id, not a secret"\n'
        "      BUILD_TOKEN: Zx81kQ2pLm77vRt0aB3nYw9uEe4sHc6j\n",
        encoding="utf-8",
    )
    assert [d.code for d in validate_file(spec, suppress=False).diagnostics] == ["SS301"]
    result = validate_file(spec)
    assert result.diagnostics == []
    assert [d.code for d in result.suppressed] == ["SS301"]
