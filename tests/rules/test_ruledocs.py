"""Every rule explains itself with a failing and a fixed example; docs/rules.md is current."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from stagespec.cli.main import main
from stagespec.rules import all_rules
from stagespec.rules.docs import rules_markdown

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_explain_every_rule(rule: object) -> None:
    code, name = rule.code, rule.name  # type: ignore[attr-defined]
    for query in (code, code.lower(), name):
        result = CliRunner().invoke(main, ["explain", query])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"{code} {name} (default: ")
        assert "Failing" in result.output and "Fixed" in result.output


def test_explain_unknown_rule_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["explain", "SS999"])
    assert result.exit_code == 2
    assert "no rule 'SS999'" in result.output


@pytest.mark.parametrize(
    ("query", "meant"),
    [
        ("SS30", "SS301 (secret-plaintext) or SS302 (secret-undefined) or SS303 (secret-unused)"),
        ("secret-plaintex", "SS301 (secret-plaintext)"),
        ("ss2O1", "SS021 (suppression-expired) or SS201 (breaker-weights)"),
        ("Tier-Ordr", "SS202 (tier-order)"),
    ],
)
def test_explain_a_mistyped_rule_suggests_the_closest(query: str, meant: str) -> None:
    result = CliRunner().invoke(main, ["explain", query])
    assert result.exit_code == 2
    assert f"no rule {query!r}; did you mean {meant}? `stagespec rules`" in result.output


def test_explain_suggests_nothing_when_nothing_is_close() -> None:
    result = CliRunner().invoke(main, ["explain", "xyz"])
    assert result.exit_code == 2
    assert "no rule 'xyz'; `stagespec rules` lists them" in result.output


def test_rules_lists_every_rule() -> None:
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    for rule in all_rules():
        assert f"{rule.code}  {rule.name}" in result.output


def test_docs_rules_md_is_current() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(), (
        "docs/rules.md is stale: run `stagespec rules --format markdown > docs/rules.md`"
    )
