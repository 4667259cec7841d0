"""The stack's health from its breakers' states, as `/health` shows it and `/metrics` exports it.

Every number comes from the generated runtime module's own functions (`health_score`,
`tier_for`, `degradation_level`, `is_enabled`), so the app, the Prometheus alerts and
the Grafana panels agree on what a score means. Metric names are the module's
`METRIC_*` constants: the names the generated rules and panels query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from example_dashboard.runtime import RuntimeModule, TierSettings


@dataclass(frozen=True)
class Snapshot:
    """The health of the stack at one moment."""

    states: Mapping[str, str]
    score: float
    tier: TierSettings
    level: int
    features: tuple[str, ...]

    def as_json(self, runtime: RuntimeModule) -> dict[str, Any]:
        """The `/health` body."""
        return {
            "status": "ok" if self.level == 0 else "degraded",
            "project": runtime.PROJECT,
            "environment": runtime.ENVIRONMENT,
            "score": self.score,
            "tier": self.tier.name,
            "level": self.level,
            "features": list(self.features),
            "cache": self.tier.cache,
            "read_only": self.tier.read_only,
            "status_page_only": self.tier.status_page_only,
            "breakers": {
                name: {
                    "state": self.states.get(name, "closed"),
                    "failure_threshold": breaker.failure_threshold,
                    "recovery_timeout_s": breaker.recovery_timeout_seconds,
                    "half_open_requests": breaker.half_open_requests,
                    "weight": float(breaker.weight),
                }
                for name, breaker in runtime.BREAKERS.items()
            },
            "tiers": [
                {"name": tier.name, "min_score": tier.min_score, "features": len(tier.features)}
                for tier in runtime.TIERS
            ],
        }


def snapshot(runtime: RuntimeModule, states: Mapping[str, str]) -> Snapshot:
    """The score, tier and features that the runtime module computes for these states."""
    score = runtime.health_score(states)
    features = tuple(f for f in runtime.FEATURES if runtime.is_enabled(f, score))
    return Snapshot(
        states=dict(states),
        score=score,
        tier=runtime.tier_for(score),
        level=runtime.degradation_level(score),
        features=features,
    )


class StackCollector(Collector):
    """Exports one consistent snapshot per scrape: every series comes from the same states."""

    def __init__(self, runtime: RuntimeModule, states: Callable[[], Mapping[str, str]]) -> None:
        self._runtime = runtime
        self._states = states

    def collect(self) -> Iterator[Metric]:
        """The health score, breaker states, tier and level as gauges."""
        runtime = self._runtime
        now = snapshot(runtime, self._states())
        yield GaugeMetricFamily(
            runtime.METRIC_HEALTH_SCORE, "Health score, 0-100, from the breakers.", now.score
        )
        breakers = GaugeMetricFamily(
            runtime.METRIC_BREAKER_STATE,
            "Circuit breaker state: 1 for the current state, else 0.",
            labels=["breaker", "state"],
        )
        for name in runtime.BREAKERS:
            for state in runtime.BREAKER_STATES:
                breakers.add_metric([name, state], float(now.states.get(name, "closed") == state))
        yield breakers
        tiers = GaugeMetricFamily(
            runtime.METRIC_DEGRADATION_TIER,
            "Degradation tier: 1 for the current tier, else 0.",
            labels=["tier"],
        )
        for tier in runtime.TIERS:
            tiers.add_metric([tier.name], float(tier.name == now.tier.name))
        yield tiers
        yield GaugeMetricFamily(
            runtime.METRIC_DEGRADATION_LEVEL,
            "Index of the current degradation tier, 0 for the best one.",
            now.level,
        )
