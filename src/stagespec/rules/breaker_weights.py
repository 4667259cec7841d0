"""Breaker weights are each in (0, 1] and add up to exactly 1.

The health score is the weighted sum of the breakers' states, so weights that do not add
up to 1 give a score that never reaches 100 (or passes it), and the degradation tiers stop
meaning what they say. The sum is computed in decimal, as written: `0.3 + 0.3 + 0.3 + 0.1`
is exactly 1, with no floating-point rounding.

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

from collections.abc import Iterator
from decimal import Decimal

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS201"
NAME = "breaker-weights"
SEVERITY: Severity = "error"


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
    total = sum((b.weight for b in breakers.values()), Decimal(0))
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
