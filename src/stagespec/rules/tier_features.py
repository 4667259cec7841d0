"""Each degradation tier keeps a subset of the features of the tier above it.

The first tier has every feature (write `features: all`); each later tier's features are a
subset of the tier above's; every feature a tier names is declared in
`resilience.degradation.features`, and every declared feature is used by some tier.

Failing:

    features: [search, export]
    tiers:
      - {name: optimal, min_score: 90, features: all}
      - {name: degraded, min_score: 50, features: [search]}
      - {name: minimal, min_score: 0, features: [export]}

Fixed: `minimal` keeps only what `degraded` has, e.g. `features: [search]` or `[]`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS203"
NAME = "tier-features"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("resilience.degradation",)


def check(ctx: Context) -> Iterator[Finding]:
    degradation = ctx.spec.resilience.degradation if ctx.spec.resilience else None
    if degradation is None:
        return
    base = ("resilience", "degradation")
    declared = list(degradation.features)
    for i, name in enumerate(declared):
        if name in declared[:i]:
            yield Finding((*base, "features", i), f"feature {name!r} is declared twice")
    everything = set(declared)
    used: set[str] = set()
    above: set[str] | None = None
    for i, tier in enumerate(degradation.tiers):
        path = (*base, "tiers", i, "features")
        features = everything if tier.features == "all" else set(tier.features)
        if tier.features != "all":
            for j, name in enumerate(tier.features):
                if name not in everything:
                    yield Finding(
                        (*path, j), f"tier {tier.name!r} names undeclared feature {name!r}"
                    )
        if i == 0 and features != everything:
            missing = ", ".join(sorted(everything - features))
            yield Finding(
                path,
                f"the first tier {tier.name!r} must have every feature (`all`); it lacks {missing}",
            )
        if above is not None and not features <= above:
            extra = ", ".join(sorted(features - above))
            yield Finding(path, f"tier {tier.name!r} has features the tier above lacks: {extra}")
        used |= features
        above = features
    for i, name in enumerate(declared):
        if name not in used:
            yield Finding(
                (*base, "features", i), f"feature {name!r} is declared but no tier has it"
            )
