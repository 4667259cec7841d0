"""No two volume mounts of a service share a container path.

Compose refuses a service with two mounts at the same path in the container ("duplicate
mount points"), and Kubernetes a pod with two volume mounts at one `mountPath`; one of
them could only hide the other.

Failing:

    services:
      db:
        image: postgres:16-alpine
        volumes: ["pgdata:/var/lib/postgresql/data", "./seed:/var/lib/postgresql/data"]

Fixed: mount the second one elsewhere, e.g. `./seed:/docker-entrypoint-initdb.d:ro`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS106"
NAME = "duplicate-mount"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services.*",)


def check(ctx: Context) -> Iterator[Finding]:
    for name, service in ctx.spec.services.items():
        first: dict[str, int] = {}
        for index, mount in enumerate(service.volumes):
            target = mount.target.rstrip("/") or "/"
            if target not in first:
                first[target] = index
                continue
            yield Finding(
                ("services", name, "volumes", index),
                f"service {name!r} mounts two volumes at {target}",
                related=((("services", name, "volumes", first[target]), "the first mount"),),
            )
