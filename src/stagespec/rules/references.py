"""Every name that refers to something else resolves.

Checked references: `depends_on` entries name services (not the service itself); named
volumes in `volumes:` mounts are declared under the top-level `volumes:`; a breaker's
`service`, `runtime.service`, and `monitoring.*.volume` exist.

Failing:

    services:
      dashboard: {build: ., depends_on: [postgress]}

Fixed: `depends_on: [postgres]`, naming a service of the spec.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from stagespec.diagnostics import Severity
from stagespec.load.document import Path
from stagespec.rules.base import Context, Finding

CODE = "SS101"
NAME = "unresolved-reference"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = (
    "services",
    "volumes",
    "resilience.breakers.*",
    "runtime",
    "monitoring",
)


def _missing(path: Path, kind: str, name: str, known: Iterable[str]) -> Finding:
    hint = difflib.get_close_matches(name, list(known), n=1)
    suffix = f"; did you mean {hint[0]!r}?" if hint else ""
    return Finding(path, f"{kind} {name!r} is not declared{suffix}")


def check(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    services, volumes = spec.services, spec.volumes
    for name, service in services.items():
        for i, dep in enumerate(service.depends_on):
            path: Path = ("services", name, "depends_on", i)
            if dep == name:
                yield Finding(path, f"service {name!r} depends on itself")
            elif dep not in services:
                yield _missing(path, "service", dep, services)
        for i, mount in enumerate(service.volumes):
            if mount.is_named and mount.source not in volumes:
                yield _missing(("services", name, "volumes", i), "volume", mount.source, volumes)
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
