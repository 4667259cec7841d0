"""Degradation tiers have unique names and strictly decreasing `min_score` from 100 to 0.

Tiers are listed from best to worst; a score selects the first tier whose `min_score` it
reaches. Each `min_score` is within 0..100, each is lower than the one before it, and the
last tier starts at 0 so that every score has a tier.

Failing:

    tiers:
      - {name: optimal, min_score: 90, features: all}
      - {name: degraded, min_score: 95, features: []}

Fixed: order the tiers from the highest `min_score` down, and end with `min_score: 0`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS202"
NAME = "tier-order"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("resilience.degradation",)


def check(ctx: Context) -> Iterator[Finding]:
    degradation = ctx.spec.resilience.degradation if ctx.spec.resilience else None
    if degradation is None:
        return
    base = ("resilience", "degradation", "tiers")
    seen: dict[str, int] = {}
    previous: int | None = None
    for i, tier in enumerate(degradation.tiers):
        if tier.name in seen:
            yield Finding(
                (*base, i, "name"),
                f"tier name {tier.name!r} is used twice (also tier {seen[tier.name] + 1})",
            )
        seen.setdefault(tier.name, i)
        score_path = (*base, i, "min_score")
        if not 0 <= tier.min_score <= 100:
            yield Finding(
                score_path, f"min_score {tier.min_score} of tier {tier.name!r} is outside 0..100"
            )
        elif previous is not None and tier.min_score >= previous:
            yield Finding(
                score_path,
                f"min_score {tier.min_score} of tier {tier.name!r} is not below the tier above "
                f"({previous}); tiers go from best to worst with strictly decreasing min_score",
            )
        previous = tier.min_score
    last = degradation.tiers[-1]
    if last.min_score != 0:
        yield Finding(
            (*base, len(degradation.tiers) - 1, "min_score"),
            f"the last tier {last.name!r} starts at {last.min_score}, so lower scores have no "
            "tier; make it start at 0",
        )
