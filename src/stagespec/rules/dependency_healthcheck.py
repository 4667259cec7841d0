"""A service that others depend on has a healthcheck.

stagespec generates `depends_on` with `condition: service_healthy`, which waits for the
dependency's healthcheck to pass; a dependency without one can never become healthy, so
its dependents never start.

Failing:

    services:
      db:  {image: postgres:15-alpine}
      api: {image: api:1, depends_on: [db]}

Fixed: give `db` a healthcheck, e.g. `test: [CMD, pg_isready]`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS404"
NAME = "dependency-healthcheck"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services",)


def check(ctx: Context) -> Iterator[Finding]:
    services = ctx.spec.services
    for name, service in services.items():
        if not service.enabled:
            continue
        for i, dep in enumerate(service.depends_on):
            target = services.get(dep)
            if target is not None and target.healthcheck is None:
                yield Finding(
                    ("services", name, "depends_on", i),
                    f"{name!r} waits for {dep!r} to be healthy, but {dep!r} has no healthcheck",
                )
