"""No service has the name of a service that `monitoring` adds.

`monitoring.prometheus` and `monitoring.grafana` become the compose services (and
Kubernetes workloads) `prometheus` and `grafana`. A service of the same name under
`services`, enabled or not, would be replaced by them or replace them.

Failing:

    services:
      prometheus: {image: prom/prometheus:v2.53.0}
    monitoring:
      prometheus: {image: prom/prometheus:v2.53.0}

Fixed: rename the service, or drop it and configure Prometheus under `monitoring`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS104"
NAME = "monitoring-name"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services", "monitoring")

MONITORING_SERVICES = ("prometheus", "grafana")
"""The services `monitoring` adds, named after its keys (the emitters use these names)."""


def check(ctx: Context) -> Iterator[Finding]:
    monitoring = ctx.spec.monitoring
    if monitoring is None:
        return
    for name in MONITORING_SERVICES:
        if getattr(monitoring, name) is not None and name in ctx.spec.services:
            yield Finding(
                ("services", name),
                f"service {name!r} has the name of the {name} service that `monitoring` "
                "adds; rename it",
                on_key=True,
                related=((("monitoring", name), f"the {name} of `monitoring`"),),
            )
