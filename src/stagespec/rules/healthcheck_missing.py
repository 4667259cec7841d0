"""Every enabled service has a healthcheck.

Without one, compose reports the container as running as soon as its process starts, and
nothing notices a service that is up but not answering.

Failing:

    services:
      worker: {image: worker:1.2}

Fixed:

    services:
      worker:
        image: worker:1.2
        healthcheck: {test: [CMD, worker, --ping], interval: 10s}
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS403"
NAME = "healthcheck-missing"
SEVERITY: Severity = "warning"
READS: tuple[str, ...] = ("services.*",)


def check(ctx: Context) -> Iterator[Finding]:
    for name, service in ctx.spec.services.items():
        if service.enabled and service.healthcheck is None:
            yield Finding(("services", name), f"service {name!r} has no healthcheck", on_key=True)
