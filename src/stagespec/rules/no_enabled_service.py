"""The stack starts at least one service.

A stack whose services are all disabled (`enabled: false`), in the base spec or in an
environment's overlay, and whose `monitoring` adds neither Prometheus nor Grafana, gives a
compose file with no service: docker-compose 1.29 refuses `services: {}` with a
misleading message, and a stack that starts nothing is rarely meant.

Failing:

    services:
      api: {image: example/api:1.4, enabled: false}

Fixed: enable a service (in the overlay of the environment that disables them all).
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS103"
NAME = "no-enabled-service"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services", "monitoring")


def check(ctx: Context) -> Iterator[Finding]:
    if any(service.enabled for service in ctx.spec.services.values()):
        return
    monitoring = ctx.spec.monitoring
    if monitoring is not None and (monitoring.prometheus or monitoring.grafana):
        return
    yield Finding(
        ("services",),
        "no service is enabled: the stack would start nothing",
        on_key=True,
    )
