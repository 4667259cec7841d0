"""The loader's bound on numbers: a decimal, like an integer, has at most 400 digits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stagespec.errors import SpecLoadError
from stagespec.load.document import load_text
from stagespec.load.events import MAX_NUMBER_DIGITS, core_scalar

HEAD = "stagespec: 1\nproject: demo\nx-number: "


@pytest.mark.parametrize(
    "text",
    [
        "0." + "1" * (MAX_NUMBER_DIGITS - 1),  # digits as written: the point is none
        "-" + "9" * (MAX_NUMBER_DIGITS - 1) + ".5",  # nor is the sign
        "1." + "0" * (MAX_NUMBER_DIGITS - 1) + "e-5",  # nor the exponent
    ],
)
def test_a_decimal_of_400_digits_is_read_exactly(text: str) -> None:
    assert core_scalar(text) == Decimal(text)
    assert str(core_scalar(text)) == str(Decimal(text))


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("0." + "1" * MAX_NUMBER_DIGITS, MAX_NUMBER_DIGITS + 1),
        ("0." + "1" * 1_000_000, 1_000_001),
        ("." + "5" * 5000 + "E+3", 5000),
    ],
)
def test_a_longer_decimal_is_refused_at_its_position(text: str, digits: int) -> None:
    with pytest.raises(SpecLoadError) as caught:
        load_text(HEAD + text + "\n", "stack.yaml")
    [problem] = caught.value.diagnostics
    assert (problem.line, problem.column, problem.code) == (3, 11, "SS004")
    assert problem.message == f"refused: a number of {digits} digits is too large"


def test_a_long_quoted_decimal_is_a_string() -> None:
    text = "0." + "1" * 1000
    assert load_text(f'{HEAD}"{text}"\n').data["x-number"] == text
