"""The panels of the stack's Grafana dashboard and their queries: health score, degradation
tier, breakers, scrape targets.

Panels are built as data, before layout (`targets.grafana.model` places them). They
are here, below the targets, because the rules check what they query (`metric-exported`).
"""

from __future__ import annotations

from typing import Any

from stagespec.model.spec import Spec, Tier
from stagespec.plan import metrics
from stagespec.plan.inputs import BuildInput
from stagespec.plan.promql import expr_names, selector

_HALF_OPEN = 0.5
_MIDDLE_COLORS = ("yellow", "orange", "dark-orange", "semi-dark-red")

DATASOURCE_UID = "stagespec-prometheus"
"""The Prometheus datasource's uid: every dashboard panel refers to it."""
PROMETHEUS_REF = {"type": "prometheus", "uid": DATASOURCE_UID}

Panel = dict[str, Any]


def panels(spec: Spec, datasource: dict[str, str]) -> list[Panel]:
    """The panels before layout: gridPos holds only w and h."""
    found: list[Panel] = []
    degradation = spec.resilience.degradation if spec.resilience else None
    tiers = degradation.tiers if degradation else []
    if spec.runtime is not None:
        found.append(_health_panel(tiers))
        if tiers:
            found.append(_tier_panel(tiers))
    found.append(_targets_panel())
    if spec.runtime is not None and spec.resilience is not None:
        found += [_breaker_panel(name) for name in spec.resilience.breakers]
    for panel in found:
        panel["datasource"] = dict(datasource)
        for target in panel["targets"]:
            target["datasource"] = dict(datasource)
    return found


def queried_metrics(build: BuildInput) -> list[str]:
    """The runtime metrics (`stagespec.plan.metrics`) the dashboard's panels query, in `ALL` order.

    Prometheus's own `up` series, shown in the scrape-targets panel, is left out.
    """
    monitoring = build.spec.monitoring
    if monitoring is None or monitoring.grafana is None or monitoring.prometheus is None:
        return []
    names = set().union(
        *(expr_names(t["expr"]) for p in panels(build.spec, PROMETHEUS_REF) for t in p["targets"])
    )
    return [name for name in metrics.ALL if name in names]


def _panel(
    kind: str,
    title: str,
    size: tuple[int, int],
    expr: str,
    *,
    description: str,
    defaults: dict[str, Any],
    options: dict[str, Any],
    legend: str = "",
) -> Panel:
    return {
        "type": kind,
        "title": title,
        "description": description,
        "gridPos": {"w": size[0], "h": size[1]},
        "targets": [{"refId": "A", "expr": expr, "legendFormat": legend, "instant": True}],
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "orientation": "auto",
            **options,
        },
    }


def stat_options(text_mode: str = "value", color_mode: str = "background") -> dict[str, Any]:
    """A stat panel's options beyond `reduceOptions` and `orientation`: each field that
    Grafana's stat panel schema requires, Grafana's default where stagespec has no choice."""
    return {
        "colorMode": color_mode,
        "graphMode": "none",
        "justifyMode": "auto",
        "percentChangeColorMode": "standard",
        "showPercentChange": False,
        "textMode": text_mode,
        "wideLayout": True,
    }


def tier_color(index: int, count: int) -> str:
    """Green for the best tier, red for the last, warmer colours in between."""
    if index == 0:
        return "green"
    if index == count - 1:
        return "red"
    return _MIDDLE_COLORS[min(index - 1, len(_MIDDLE_COLORS) - 1)]


def _health_panel(tiers: list[Tier]) -> Panel:
    ranked = sorted(enumerate(tiers), key=lambda pair: pair[1].min_score)
    # The lowest tier's colour is the base step: it covers every score below the next tier.
    # Its value is null, Grafana's JSON for -Infinity (the schema types it `number | null`).
    base = tier_color(ranked[0][0], len(tiers)) if ranked else "green"
    steps: list[dict[str, Any]] = [{"color": base, "value": None}]
    steps += [{"color": tier_color(i, len(tiers)), "value": t.min_score} for i, t in ranked[1:]]
    return _panel(
        "gauge",
        "Health score",
        (8, 8),
        selector(metrics.HEALTH_SCORE),
        description="Weighted health score from the circuit breakers; colours follow the tiers.",
        defaults={
            "min": 0,
            "max": 100,
            "unit": "none",
            "thresholds": {"mode": "absolute", "steps": steps},
        },
        options={
            "minVizHeight": 75,
            "minVizWidth": 75,
            "showThresholdLabels": False,
            "showThresholdMarkers": True,
            "sizing": "auto",
        },
    )


def _tier_panel(tiers: list[Tier]) -> Panel:
    options = {
        str(i): {"text": tier.name, "color": tier_color(i, len(tiers)), "index": i}
        for i, tier in enumerate(tiers)
    }
    return _panel(
        "stat",
        "Degradation tier",
        (8, 8),
        selector(metrics.DEGRADATION_LEVEL),
        description="The current degradation tier, from the best (optimal) to the last one.",
        defaults={"mappings": [{"type": "value", "options": options}]},
        options=stat_options(),
    )


def _targets_panel() -> Panel:
    options = {
        "0": {"text": "down", "color": "red", "index": 0},
        "1": {"text": "up", "color": "green", "index": 1},
    }
    return _panel(
        "stat",
        "Scrape targets",
        (8, 8),
        selector("up"),
        legend="{{job}}",
        description="Whether Prometheus's last scrape of each job succeeded.",
        defaults={"mappings": [{"type": "value", "options": options}]},
        options=stat_options("value_and_name"),
    )


def breaker_expr(name: str) -> str:
    """0 while breaker `name` is closed, 0.5 while half-open, 1 while open."""

    def state(value: str) -> str:
        matchers = {"breaker": name, "state": value}
        return f"sum by (breaker) ({selector(metrics.BREAKER_STATE, matchers)})"

    return f"{state('open')} + {_HALF_OPEN} * {state('half_open')}"


def _breaker_panel(name: str) -> Panel:
    options = {
        "0": {"text": "closed", "color": "green", "index": 0},
        str(_HALF_OPEN): {"text": "half-open", "color": "yellow", "index": 1},
        "1": {"text": "open", "color": "red", "index": 2},
    }
    return _panel(
        "stat",
        f"Breaker {name}",
        (6, 4),
        breaker_expr(name),
        description=f"State of the {name} circuit breaker.",
        defaults={"mappings": [{"type": "value", "options": options}]},
        options=stat_options(),
    )
