"""Every runtime metric that the alert rules or the dashboard query reaches Prometheus.

The generated alert rules (`monitoring.prometheus`) and Grafana dashboard
(`monitoring.grafana`) query the `stack_*` metrics of the generated runtime module. Only
that module defines them, and only the service that imports it (`runtime.service`)
serves them. A query of such a metric is dead (an alert that can never fire, a panel
that stays empty) when:

- there is no `runtime` section, so no module exports the metrics;
- `runtime.service` has no `metrics:` endpoint, so Prometheus never scrapes it;
- `runtime.service` is disabled, so nothing runs to export them. This case is reported
  here only for the dashboard. `alert-target` (SS504) reports it for the alert rules and
  names each alert.

An undeclared `runtime.service` is reported by `unresolved-reference` (SS101).

Failing:

    services:
      dashboard:
        build: .
        ports: ["9000:8080"]
    monitoring:
      prometheus: {image: prom/prometheus:v2.54.1}
    resilience:
      breakers:
        openai: {weight: 1, failure_threshold: 5, recovery_timeout: 30s}
    runtime: {service: dashboard, module: app_runtime}

Fixed: give the runtime's service an endpoint that Prometheus scrapes:

    services:
      dashboard:
        build: .
        ports: ["9000:8080"]
        metrics: {port: 8080, path: /metrics}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from stagespec.diagnostics import Severity
from stagespec.load.document import Path
from stagespec.model.spec import Service, runtime_service
from stagespec.rules.base import Context, Finding

if TYPE_CHECKING:
    from stagespec.plan.inputs import BuildInput

CODE = "SS501"
NAME = "metric-exported"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services", "monitoring", "runtime", "resilience")


def check(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    if spec.monitoring is None:
        return
    host = runtime_service(spec)
    if spec.runtime is not None and host is None:
        return  # an undeclared runtime.service: unresolved-reference reports it
    if host is not None and host.enabled and host.metrics is not None:
        # The runtime module exports every name in `metrics.ALL`, which is all the alerts and
        # panels ever query, and Prometheus scrapes it: nothing can be missing. This
        # skips deriving the alerts and panels on every validate of a healthy spec;
        # tests/rules/test_metric_exported.py pins both premises against the emitters.
        return
    yield from _dead_queries(ctx, host)


def _dead_queries(ctx: Context, host: Service | None) -> Iterator[Finding]:
    # Imported here, not at the top: only a spec whose runtime metrics may be unexported
    # gets this far, and validate's start-up stays as small.
    from stagespec.plan import alerts, panels
    from stagespec.plan.inputs import BuildInput

    build = BuildInput(spec=ctx.spec, source=ctx.doc.file)
    consumers: list[tuple[str, str, Callable[[BuildInput], list[str]]]] = [
        ("prometheus", "the alert rules", alerts.queried_metrics),
        ("grafana", "the dashboard's panels", panels.queried_metrics),
    ]
    for part, consumer, queried_metrics in consumers:
        queried = queried_metrics(build)
        if not queried or (part == "prometheus" and host is not None and not host.enabled):
            continue  # nothing queried; or alert-target names the alerts of a disabled host
        reason = _reason(ctx, host)
        yield Finding(
            ("monitoring", part),
            f"{consumer} query {', '.join(queried)}, but {reason}",
            on_key=True,
            related=_related(ctx),
        )


def _reason(ctx: Context, host: Service | None) -> str:
    """Why the queried metrics never reach Prometheus, and what would fix it.

    With a runtime, its module exports every metric the emitters query (the premise
    tests/rules/test_metric_exported.py pins), so only its service can be at fault.
    """
    service = ctx.spec.runtime.service if ctx.spec.runtime else None
    if service is None or host is None:  # check() lets host be None only without a runtime
        return "there is no `runtime` section, so no generated module exports them"
    if not host.enabled:
        return (
            f"they come only from the runtime module in {service!r}, which is disabled: "
            "enable it, or point runtime.service at a service that runs"
        )
    return (
        f"Prometheus never scrapes {service!r}, the service that exports them: give it "
        "`metrics: {port: <container port>, path: /metrics}`"
    )


def _related(ctx: Context) -> tuple[tuple[Path, str], ...]:
    if ctx.spec.runtime is None:
        return ()
    return ((("runtime", "service"), "the service that imports the runtime module"),)
