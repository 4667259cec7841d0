"""Tests for breaker-weights (SS201) on its own: each weight in (0, 1], the sum exactly 1."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

from stagespec.rules import breaker_weights

Findings = Callable[[ModuleType, str], list[tuple[str, str]]]


def _spec(**weights: str) -> str:
    rows = "".join(
        f"    {name}: {{weight: {weight}, failure_threshold: 3, recovery_timeout: 20s}}\n"
        for name, weight in weights.items()
    )
    return (
        'stagespec: 1\nproject: demo\nservices:\n  api: {image: "api:1.0"}\n'
        f"resilience:\n  breakers:\n{rows}"
    )


def test_weights_in_range_that_sum_to_one_pass(findings: Findings) -> None:
    assert findings(breaker_weights, _spec(a="0.3", b="0.3", c="0.3", d="0.1")) == []
    assert findings(breaker_weights, _spec(only="1")) == []


def test_a_weight_over_one_is_reported_even_when_the_sum_is_one(findings: Findings) -> None:
    assert findings(breaker_weights, _spec(a="1.5", b="-0.5")) == [
        ("resilience.breakers.a.weight", "weight of breaker 'a' is 1.5; each weight is in (0, 1]"),
        ("resilience.breakers.b.weight", "weight of breaker 'b' is -0.5; each weight is in (0, 1]"),
    ]


@pytest.mark.parametrize("weight", ["0", "1.01"])
def test_the_bounds_are_0_excluded_and_1_included(findings: Findings, weight: str) -> None:
    found = findings(breaker_weights, _spec(a=weight))
    assert (
        "resilience.breakers.a.weight",
        f"weight of breaker 'a' is {weight}; each weight is in (0, 1]",
    ) in found


def test_a_sum_other_than_one_lists_every_weight(findings: Findings) -> None:
    assert findings(breaker_weights, _spec(a="0.50", b="0.45")) == [
        (
            "resilience.breakers",
            "weights of resilience.breakers sum to 0.95, not 1 (a 0.50, b 0.45)",
        )
    ]
