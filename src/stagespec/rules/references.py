"""Every name that refers to something else resolves.

Checked references: `depends_on` entries name services (not the service itself), in the
list and in the mapping form; named volumes in `volumes:` mounts are declared under the
top-level `volumes:`; every network a service joins is declared under `networks:` (or is
the one network of `network:`; compose's own `default` needs no declaration); a
`network_mode: service:NAME` and each of `links` (`NAME` or `NAME:ALIAS`) name another
service; a breaker's `service`, `runtime.service`, and `monitoring.*.volume` exist.
Secrets mounted as files are checked by `secret-undefined`.

Failing:

    services:
      dashboard: {build: ., depends_on: [postgress]}

Fixed: `depends_on: [postgres]`, naming a service of the spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from stagespec.diagnostics import Severity
from stagespec.load.document import Path
from stagespec.model.spec import Service, Spec
from stagespec.rules.base import Context, Finding, did_you_mean

CODE = "SS101"
NAME = "unresolved-reference"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = (
    "services",
    "volumes",
    "network",
    "networks",
    "resilience.breakers.*",
    "runtime",
    "monitoring",
)

COMPOSE_DEFAULT_NETWORK = "default"
"""The network compose creates for every project, which a service may join by name."""


def _missing(
    path: Path, kind: str, name: str, known: Iterable[str], *, on_key: bool = False
) -> Finding:
    message = f"{kind} {name!r} is not declared{did_you_mean(name, known)}"
    return Finding(path, message, on_key=on_key)


def _service_refs(name: str, service: Service) -> Iterator[tuple[Path, str]]:
    """Each reference of a service to another service: (where, the name it gives)."""
    for key, dep, _ in service.dependencies():
        yield ("services", name, "depends_on", key), dep
    for i, link in enumerate(service.links):
        yield ("services", name, "links", i), link.split(":", 1)[0]
    mode = service.network_mode
    if mode is not None and mode.startswith("service:"):
        yield ("services", name, "network_mode"), mode.removeprefix("service:")


def _networks(spec: Spec, name: str, service: Service) -> Iterator[Finding]:
    declared = list(spec.networks) or ([spec.network.name] if spec.network else [])
    for key in service.network_names():
        if key != COMPOSE_DEFAULT_NETWORK and key not in declared:
            index = key if isinstance(service.networks, dict) else service.networks.index(key)
            path: Path = ("services", name, "networks", index)
            yield _missing(path, "network", key, declared, on_key=isinstance(index, str))


def check(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    services, volumes = spec.services, spec.volumes
    for name, service in services.items():
        for path, other in _service_refs(name, service):
            on_key = isinstance(path[-1], str) and path[2] == "depends_on"
            if other == name:
                verb = "depends on" if path[2] == "depends_on" else "refers to"
                yield Finding(path, f"service {name!r} {verb} itself", on_key=on_key)
            elif other not in services:
                yield _missing(path, "service", other, services, on_key=on_key)
        for i, mount in enumerate(service.volumes):
            if mount.is_named and mount.source not in volumes:
                yield _missing(("services", name, "volumes", i), "volume", mount.source, volumes)
        yield from _networks(spec, name, service)
    breakers = spec.resilience.breakers if spec.resilience else {}
    for name, breaker in breakers.items():
        if breaker.service and breaker.service not in services:
            where: Path = ("resilience", "breakers", name, "service")
            yield _missing(where, "service", breaker.service, services)
    if spec.runtime and spec.runtime.service not in services:
        yield _missing(("runtime", "service"), "service", spec.runtime.service, services)
    monitoring = spec.monitoring
    for part in (monitoring.prometheus, monitoring.grafana) if monitoring else ():
        if part is not None and part.volume and part.volume not in volumes:
            kind = "prometheus" if part is monitoring.prometheus else "grafana"  # type: ignore[union-attr]
            yield _missing(("monitoring", kind, "volume"), "volume", part.volume, volumes)
