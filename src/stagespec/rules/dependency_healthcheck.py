"""A service that others wait for to be healthy has a healthcheck.

A dependency written as a bare name (`depends_on: [db]`) or with `condition: healthy`
waits for the dependency's healthcheck to pass (compose's `service_healthy`). A
dependency without a healthcheck, or with `healthcheck: {disable: true}`, never becomes
healthy, so its dependents never start. `started` and `completed` need no healthcheck.

Failing:

    services:
      db:  {image: postgres:15-alpine}
      api: {image: api:1, depends_on: [db]}

Fixed: give `db` a healthcheck, e.g. `test: [CMD, pg_isready]`, or wait only for it to
start: `depends_on: {db: started}`.
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
        for key, dep, how in service.dependencies():
            target = services.get(dep)
            if target is None or how.condition != "healthy":
                continue
            health = target.healthcheck
            if health is None or health.disable:
                has = "no healthcheck" if health is None else "its healthcheck disabled"
                yield Finding(
                    ("services", name, "depends_on", key),
                    f"{name!r} waits for {dep!r} to be healthy, but {dep!r} has {has}",
                    on_key=isinstance(key, str),
                )
