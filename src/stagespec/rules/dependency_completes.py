"""A dependency waited for to complete is one that stops.

`depends_on: {init: completed}` starts the dependent once `init` has exited with code 0
(compose's `service_completed_successfully`). A dependency whose restart policy is
`always` or `unless-stopped` (the default) is started again each time it exits, so it
never stays completed and the dependent may never start. Give the one-off job
`restart: "no"` or `restart: on-failure`.

Failing:

    services:
      migrate: {image: "api:1.4", command: [migrate]}
      api:
        image: "api:1.4"
        depends_on: {migrate: completed}

Fixed: `migrate: {image: "api:1.4", command: [migrate], restart: "no"}`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS409"
NAME = "dependency-never-completes"
SEVERITY: Severity = "warning"
READS: tuple[str, ...] = ("services",)

FOREVER = frozenset({"always", "unless-stopped"})
"""Restart policies that start a container again whatever its exit code."""


def check(ctx: Context) -> Iterator[Finding]:
    services = ctx.spec.services
    for name, service in services.items():
        if not service.enabled:
            continue
        for key, dep, how in service.dependencies():
            target = services.get(dep)
            if target is None or how.condition != "completed" or target.restart not in FOREVER:
                continue
            default = "" if "restart" in target.model_fields_set else " (the default)"
            yield Finding(
                ("services", name, "depends_on", key),
                f"{name!r} waits for {dep!r} to complete, but {dep!r} has restart "
                f"{target.restart!r}{default}, so it is started again each time it exits; "
                f'give {dep!r} `restart: "no"` or `restart: on-failure`',
                on_key=isinstance(key, str),
            )
