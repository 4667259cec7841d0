"""The alert rules derived from a spec, each paired with the synthetic input that must fire it.

One list feeds both the rule file and its promtool unit tests, so a test exists for every
alert; what the tests prove is that Prometheus, evaluating the emitted expressions, fires
each alert exactly when the spec says it should (after the breaker's recovery timeout, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from stagespec.model.spec import Breaker, Metrics, Prometheus, Spec
from stagespec.model.values import Duration
from stagespec.plan import metrics
from stagespec.plan.inputs import BuildInput
from stagespec.plan.promql import camel, expr_names, selector

BREAKERS_GROUP = "stagespec-breakers"
DEGRADATION_GROUP = "stagespec-degradation"
TARGETS_GROUP = "stagespec-targets"

_MIN_SETTLE = Duration(60_000)
"""Shortest `for:` of the target and tier alerts: one failed scrape is not an outage."""


@dataclass(frozen=True)
class Trigger:
    """A synthetic series for promtool: `healthy` at first, then `failing` from then on."""

    metric: str
    labels: dict[str, str]
    healthy: int
    failing: int


@dataclass(frozen=True)
class Alert:
    """One alerting rule, and the trigger that must make it fire `hold` after it starts."""

    group: str
    name: str
    expr: str
    hold: Duration
    labels: dict[str, str]
    annotations: dict[str, str]
    trigger: Trigger
    silent: tuple[str, ...] = ()
    """Alerts that must stay silent under this trigger (a warning's critical sibling)."""

    def rule(self) -> dict[str, Any]:
        """The rule as it appears in a Prometheus rule file."""
        return {
            "alert": self.name,
            "expr": self.expr,
            "for": self.hold.render(days=True),
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
        }


def duration(value: Duration | str) -> Duration:
    """A model duration; unvalidated model defaults arrive as their YAML text (`"15s"`)."""
    return Duration.parse(value)


def scraped_services(spec: Spec) -> list[tuple[str, Metrics]]:
    """Enabled services that expose metrics, in spec order, with their metrics endpoint."""
    return [(n, s.metrics) for n, s in spec.services.items() if s.enabled and s.metrics]


def scrape_labels(name: str, port: int) -> dict[str, str]:
    """The labels every series scraped from service `name` carries: job, instance, service."""
    return {"job": name, "instance": f"{name}:{port}", "service": name}


def settle(prometheus: Prometheus) -> Duration:
    """How long a target or tier stays bad before it alerts: 1m, or two scrapes if longer."""
    return max(_MIN_SETTLE, Duration(2 * duration(prometheus.scrape_interval).ms))


def alerts(spec: Spec, prometheus: Prometheus) -> list[Alert]:
    """Every alert for this spec: breakers, then degradation tiers, then scrape targets."""
    hold = settle(prometheus)
    return [*_breaker_alerts(spec), *_tier_alerts(spec, hold), *_target_alerts(spec, hold)]


def _runtime_labels(spec: Spec) -> dict[str, str] | None:
    """Labels of the stack_* series as scraped; None when no runtime module exports them."""
    if spec.runtime is None:
        return None
    service = spec.services.get(spec.runtime.service)
    if service is None or not service.enabled or service.metrics is None:
        return {}
    return scrape_labels(spec.runtime.service, service.metrics.port)


def _breaker_alerts(spec: Spec) -> list[Alert]:
    labels = _runtime_labels(spec)
    if labels is None or spec.resilience is None:
        return []
    return [_breaker_alert(n, b, labels) for n, b in spec.resilience.breakers.items()]


def _breaker_alert(name: str, breaker: Breaker, series_labels: dict[str, str]) -> Alert:
    matchers = {"breaker": name, "state": "open"}
    hold = duration(breaker.recovery_timeout)
    guarded = f" It guards the {breaker.service} service." if breaker.service else ""
    return Alert(
        group=BREAKERS_GROUP,
        name=f"BreakerOpen{camel(name)}",
        expr=f"{selector(metrics.BREAKER_STATE, matchers)} == 1",
        hold=hold,
        labels={"severity": "warning", "breaker": name},
        annotations={
            "summary": f"Circuit breaker {name} is open",
            "description": (
                f"The {name} circuit breaker has stayed open for its recovery timeout"
                f" ({hold.render(days=True)}): its half-open trial calls keep failing."
                f"{guarded} It weighs {breaker.weight} of the health score."
            ),
        },
        trigger=Trigger(metrics.BREAKER_STATE, {**series_labels, **matchers}, 0, 1),
    )


def _tier_alerts(spec: Spec, hold: Duration) -> list[Alert]:
    series_labels = _runtime_labels(spec)
    degradation = spec.resilience.degradation if spec.resilience else None
    if spec.runtime is None or series_labels is None or degradation is None:
        return []
    names = [tier.name for tier in degradation.tiers]
    last = len(names) - 1
    if last < 1:
        return []  # one tier: nothing to degrade to
    service = {"service": spec.runtime.service}
    tiers = ", ".join(f"{i} {n}" for i, n in enumerate(names))
    level = metrics.DEGRADATION_LEVEL
    critical = _level_alert(
        f"DegradedTo{camel(names[last])}",
        (f">= {last}", last),
        {"severity": "critical", **service, "tier": names[last]},
        (
            f"Degradation tier is {names[last]}, the last one",
            f"{level} has been {last} or more for {hold}. Tiers: {tiers}.",
        ),
        hold,
        series_labels,
    )
    warning = _level_alert(
        f"DegradedBelow{camel(names[0])}",
        ("> 0", 1),
        {"severity": "warning", **service},
        (
            f"Degradation tier below {names[0]}",
            f"{level} has been above 0 for {hold}. Tiers: {tiers}.",
        ),
        hold,
        series_labels,
    )
    silent = (critical.name,) if last > 1 else ()
    return [replace(warning, silent=silent), critical]


def _level_alert(
    name: str,
    condition: tuple[str, int],
    labels: dict[str, str],
    text: tuple[str, str],
    hold: Duration,
    series_labels: dict[str, str],
) -> Alert:
    """An alert on the degradation level: `condition` is a comparison and a level meeting it."""
    comparison, failing = condition
    summary, description = text
    return Alert(
        group=DEGRADATION_GROUP,
        name=name,
        expr=f"{selector(metrics.DEGRADATION_LEVEL)} {comparison}",
        hold=hold,
        labels=labels,
        annotations={"summary": summary, "description": description},
        trigger=Trigger(metrics.DEGRADATION_LEVEL, series_labels, 0, failing),
    )


def _target_alerts(spec: Spec, hold: Duration) -> list[Alert]:
    return [_target_alert(name, endpoint, hold) for name, endpoint in scraped_services(spec)]


def _target_alert(name: str, endpoint: Metrics, hold: Duration) -> Alert:
    labels = scrape_labels(name, endpoint.port)
    return Alert(
        group=TARGETS_GROUP,
        name=f"TargetDown{camel(name)}",
        expr=f"{selector('up', {'job': name})} == 0",
        hold=hold,
        labels={"severity": "critical", "service": name},
        annotations={
            "summary": f"Prometheus cannot scrape {name}",
            "description": (
                f"Every scrape of {labels['instance']} (job {name}) has failed"
                f" for {hold}: the service is down or rejects the scrape."
            ),
        },
        trigger=Trigger("up", labels, 1, 0),
    )


def prometheus_of(build: BuildInput) -> Prometheus | None:
    """The spec's Prometheus server, if it has one."""
    return build.spec.monitoring.prometheus if build.spec.monitoring else None


def queried_metrics(build: BuildInput) -> list[str]:
    """The runtime metrics (`stagespec.plan.metrics`) that the alert rules query, in `ALL` order.

    Prometheus's own `up` series, queried by the target-down alerts, is not a runtime
    metric and is left out.
    """
    prometheus = prometheus_of(build)
    if prometheus is None:
        return []
    used = set().union(*(expr_names(alert.expr) for alert in alerts(build.spec, prometheus)))
    return [name for name in metrics.ALL if name in used]
