"""Tests for tier-features (SS203) on its own: every feature declared, used and inherited."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from stagespec.rules import tier_features

Findings = Callable[[ModuleType, str], list[tuple[str, str]]]


def _spec(features: str, *tiers: str) -> str:
    rows = "".join(
        f"      - {{name: t{i}, min_score: {90 - 45 * i if i < len(tiers) - 1 else 0}, "
        f"features: {tier}}}\n"
        for i, tier in enumerate(tiers)
    )
    return (
        'stagespec: 1\nproject: demo\nservices:\n  api: {image: "api:1.0"}\n'
        f"resilience:\n  degradation:\n    features: {features}\n    tiers:\n{rows}"
    )


FEATURES = "resilience.degradation.features"
TIERS = "resilience.degradation.tiers"


def test_subsets_down_the_tiers_pass(findings: Findings) -> None:
    text = _spec("[search, export]", "all", "[search, export]", "[search]", "[]")
    assert findings(tier_features, text) == []


def test_an_undeclared_feature_is_reported_where_it_is_named(findings: Findings) -> None:
    found = findings(tier_features, _spec("[search]", "all", "[search, serach]"))
    assert (f"{TIERS}.1.features.1", "tier 't1' names undeclared feature 'serach'") in found


def test_a_feature_no_tier_has_is_reported_at_its_declaration(findings: Findings) -> None:
    found = findings(tier_features, _spec("[search, export]", "[search]", "[]"))
    assert found == [
        (
            f"{TIERS}.0.features",
            "the first tier 't0' must have every feature (`all`); it lacks export",
        ),
        (f"{FEATURES}.1", "feature 'export' is declared but no tier has it"),
    ]


def test_the_first_tier_must_hold_every_feature_even_when_a_later_one_has_it(
    findings: Findings,
) -> None:
    # `export` is used (by t1), so only the first-tier check can catch this spec.
    found = findings(tier_features, _spec("[search, export]", "[search]", "[export]"))
    assert (
        f"{TIERS}.0.features",
        "the first tier 't0' must have every feature (`all`); it lacks export",
    ) in found
    assert (f"{TIERS}.1.features", "tier 't1' has features the tier above lacks: export") in found


def test_a_first_tier_listing_every_feature_passes_like_all(findings: Findings) -> None:
    assert findings(tier_features, _spec("[search, export]", "[export, search]", "[]")) == []


def test_a_feature_declared_twice_is_reported(findings: Findings) -> None:
    found = findings(tier_features, _spec("[search, search]", "all", "[]"))
    assert found == [(f"{FEATURES}.1", "feature 'search' is declared twice")]
