"""A breaker weight has a sensible precision: at most 6 decimal places, 400 whole digits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stagespec.load.document import load_text
from stagespec.model.parse import parse_spec
from stagespec.model.spec import WEIGHT_PLACES, Breaker

BREAKER = {"failure_threshold": 3, "recovery_timeout": "20s"}


def _errors(weight: str) -> list[str]:
    text = (
        "stagespec: 1\nproject: demo\nservices:\n  api: {image: 'api:1.0'}\nresilience:\n"
        f"  breakers:\n    a: {{weight: {weight}, failure_threshold: 3, recovery_timeout: 20s}}\n"
    )
    _, diagnostics = parse_spec(load_text(text, "stack.yaml"))
    return [f"{d.line}:{d.column} {d.code} {d.message}" for d in diagnostics]


@pytest.mark.parametrize(
    "weight", ["0.000001", "0.5", "1", "0.50000000", "5E-6", "0.0000000", "1E+3", "1E+399"]
)
def test_weights_of_6_places_at_most_are_kept_as_written(weight: str) -> None:
    kept = Breaker.model_validate({"weight": Decimal(weight), **BREAKER}).weight
    assert str(kept) == str(Decimal(weight))


@pytest.mark.parametrize(
    ("weight", "places"),
    [
        ("0.0000001", 7),
        ("1E-7", 7),
        ("0.50000000000000000000000000004", 29),  # the 28-digit context rounds this to 0.5
        ("0.1000000000000000000000000000010", 30),  # trailing zeros do not count
        ("0." + "1" * 399, 399),
    ],
)
def test_more_places_are_an_ss010_at_the_value(weight: str, places: int) -> None:
    assert _errors(weight) == [
        f"7:17 SS010 resilience.breakers.a.weight: a weight has at most {WEIGHT_PLACES} "
        "decimal places (its finest step, 0.000001, is 0.0001 of a health-score point), "
        f"not {places}"
    ]


@pytest.mark.parametrize("weight", ['"0.5"', '"0.' + "1" * 100_000 + '"', '"1E+100000"'])
def test_a_quoted_weight_is_refused_in_a_few_words(weight: str) -> None:
    # A weight is a number; a quoted one is neither read, summed nor printed.
    assert _errors(weight) == [
        "7:17 SS010 resilience.breakers.a.weight: expected a number, got a quoted string"
        " (write it without quotes)"
    ]


@pytest.mark.parametrize("weight", ["true", "false"])
def test_a_boolean_weight_is_refused(weight: str) -> None:
    assert _errors(weight) == [
        "7:17 SS010 resilience.breakers.a.weight: expected a number, got a boolean"
    ]
