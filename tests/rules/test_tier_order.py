"""Tests for tier-order (SS202) on its own: each bound and each message."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

from stagespec.rules import tier_order

Findings = Callable[[ModuleType, str], list[tuple[str, str]]]

HEAD = """stagespec: 1
project: demo
services:
  api: {image: "api:1.0", healthcheck: {test: [CMD, ping]}}
resilience:
  degradation:
    features: [search]
    tiers:
"""


def _tiers(*tiers: tuple[str, int]) -> str:
    return HEAD + "".join(
        f"      - {{name: {name}, min_score: {score}, features: all}}\n" for name, score in tiers
    )


def test_strictly_decreasing_tiers_ending_at_zero_pass(findings: Findings) -> None:
    assert findings(tier_order, _tiers(("optimal", 100), ("degraded", 50), ("minimal", 0))) == []


def test_an_equal_min_score_is_not_below_the_tier_above(findings: Findings) -> None:
    text = _tiers(("optimal", 90), ("degraded", 90), ("minimal", 0))
    assert findings(tier_order, text) == [
        (
            "resilience.degradation.tiers.1.min_score",
            "min_score 90 of tier 'degraded' is not below the tier above (90); tiers go from "
            "best to worst with strictly decreasing min_score",
        )
    ]


@pytest.mark.parametrize(("score", "shown"), [(101, "101"), (-1, "-1")])
def test_a_min_score_outside_0_to_100_is_reported(
    findings: Findings, score: int, shown: str
) -> None:
    text = _tiers(("optimal", score), ("minimal", 0)) if score > 0 else _tiers(("only", score))
    found = findings(tier_order, text)
    assert (
        "resilience.degradation.tiers.0.min_score",
        f"min_score {shown} of tier {'optimal' if score > 0 else 'only'!r} is outside 0..100",
    ) in found


def test_the_bounds_0_and_100_themselves_are_allowed(findings: Findings) -> None:
    assert findings(tier_order, _tiers(("optimal", 100), ("minimal", 0))) == []


def test_a_duplicate_tier_name_names_the_first_use(findings: Findings) -> None:
    text = _tiers(("full", 90), ("degraded", 50), ("full", 0))
    assert findings(tier_order, text) == [
        ("resilience.degradation.tiers.2.name", "tier name 'full' is used twice (also tier 1)")
    ]


def test_a_last_tier_above_zero_leaves_low_scores_without_a_tier(findings: Findings) -> None:
    assert findings(tier_order, _tiers(("optimal", 90), ("degraded", 10))) == [
        (
            "resilience.degradation.tiers.1.min_score",
            "the last tier 'degraded' starts at 10, so lower scores have no tier; "
            "make it start at 0",
        )
    ]
