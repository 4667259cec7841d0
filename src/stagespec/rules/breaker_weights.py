"""Breaker weights are each in (0, 1] and add up to exactly 1.

The health score is the weighted sum of the breakers' states, so weights that do not add
up to 1 give a score that never reaches 100 (or passes it), and the degradation tiers stop
meaning what they say. The sum is computed in decimal, as written, and exactly:
`0.3 + 0.3 + 0.3 + 0.1` is 1, with no floating-point rounding, and no digit is rounded away
(0.5 and 0.50000000000000000000000000004 sum to 1.00000000000000000000000000004, not 1).
A weight has at most 6 decimal places: finer steps than 0.000001 mean nothing to a score of
0-100, and the schema (SS010) refuses them.

Failing:

    resilience:
      breakers:
        openai:   {weight: 0.50, failure_threshold: 5, recovery_timeout: 30s}
        database: {weight: 0.30, failure_threshold: 3, recovery_timeout: 20s}
        redis:    {weight: 0.10, failure_threshold: 5, recovery_timeout: 15s}
        s3:       {weight: 0.05, failure_threshold: 4, recovery_timeout: 25s}

Fixed: make the weights add up to 1 (here `redis: {weight: 0.15, ...}`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal, Inexact, localcontext

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS201"
NAME = "breaker-weights"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("resilience.breakers",)


def check(ctx: Context) -> Iterator[Finding]:
    breakers = ctx.spec.resilience.breakers if ctx.spec.resilience else {}
    if not breakers:
        return
    for name, breaker in breakers.items():
        if not Decimal(0) < breaker.weight <= Decimal(1):
            yield Finding(
                ("resilience", "breakers", name, "weight"),
                f"weight of breaker {name!r} is {breaker.weight}; each weight is in (0, 1]",
            )
    total = exact_sum(b.weight for b in breakers.values())
    if total != 1:
        listing = ", ".join(f"{n} {b.weight}" for n, b in breakers.items())
        yield Finding(
            ("resilience", "breakers"),
            f"weights of resilience.breakers sum to {total}, not 1 ({listing})",
            on_key=True,
            related=tuple(
                (("resilience", "breakers", n, "weight"), f"{n}: {b.weight}")
                for n, b in breakers.items()
            ),
        )


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The sum of finite decimals with no digit rounded away.

    Python's default context keeps 28 digits, so a sum that needs more would be rounded,
    perhaps to exactly 1: the context here holds every digit from the highest to the
    lowest place of the values, and a carry per ten values. Inexact is trapped, so a sum
    that is not exact cannot pass unnoticed.
    """
    numbers = [value for value in values if value]  # zeros add nothing and have no place
    if not numbers:
        return Decimal(0)
    highest = max(value.adjusted() for value in numbers)
    lowest = min(int(value.as_tuple().exponent) for value in numbers)
    with localcontext() as context:
        context.prec = highest - lowest + len(str(len(numbers))) + 1
        context.traps[Inexact] = True
        return sum(numbers, Decimal(0))
