"""Metric names shared by the runtime module, the Prometheus rules and the Grafana panels.

One source, so that what the alerts and panels query is what the dashboard exports.
"""

from __future__ import annotations

HEALTH_SCORE = "stack_health_score"
"""Gauge, 0-100: the weighted health score computed from the breakers' states."""

BREAKER_STATE = "stack_circuit_breaker_state"
"""Gauge per `breaker` and `state` (closed, open, half_open): 1 for the current state, else 0."""

DEGRADATION_TIER = "stack_degradation_tier"
"""Gauge per `tier`: 1 for the current degradation tier, else 0."""

DEGRADATION_LEVEL = "stack_degradation_level"
"""Gauge: index of the current tier, 0 for the best one."""

BREAKER_STATES = ("closed", "open", "half_open")

ALL = (HEALTH_SCORE, BREAKER_STATE, DEGRADATION_TIER, DEGRADATION_LEVEL)
