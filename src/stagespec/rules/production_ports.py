"""In production, databases and caches publish no host port.

A database or cache reachable on the host's network is reachable by anything that can
reach the host. In an environment named `production` (or `prod`), services whose image
is a known database or cache (postgres, mysql, mariadb, mongo, redis, valkey, memcached,
...) must be reached over the stack's network only.

Failing:

    environments:
      production:
        services:
          postgres: {ports: ["5433:5432"]}

Fixed: remove the ports in the production overlay: `postgres: {ports: null}`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS405"
NAME = "production-ports"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services.*",)

_STATEFUL = (
    "postgres",
    "postgis",
    "mysql",
    "mariadb",
    "mongo",
    "redis",
    "valkey",
    "memcached",
    "cassandra",
    "elasticsearch",
    "opensearch",
    "rabbitmq",
)


def _family(image: str) -> str:
    name = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return name.split(":", 1)[0]


def check(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_production:
        return
    for name, service in ctx.spec.services.items():
        if not service.enabled or service.image is None:
            continue
        family = _family(service.image)
        published = [i for i, port in enumerate(service.ports) if port.host is not None]
        if published and family in _STATEFUL:
            yield Finding(
                ("services", name, "ports", published[0]),
                f"{family} service {name!r} publishes a host port in {ctx.environment}; "
                f"reach it over the stack's network only (`{name}: {{ports: null}}`)",
            )
