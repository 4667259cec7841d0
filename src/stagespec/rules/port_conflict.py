"""Host ports are unique per host address.

Two services publishing the same host port on the same address (or one of them on every
address) cannot both start. Grafana's published port counts too.

Failing:

    services:
      postgres: {image: postgres:15-alpine, ports: ["5433:5432"]}
      replica:  {image: postgres:15-alpine, ports: ["5433:5432"]}

Fixed: give one of them another host port, e.g. `"5434:5432"`.

A host port or address written as a variable (`"${PG_PORT}:5432"`) is compared with the
variable's default, and the message says so: the host may set another value.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity, dotted_path
from stagespec.load.document import Path
from stagespec.model.values import PortMapping
from stagespec.rules.base import Context, Finding

CODE = "SS401"
NAME = "port-conflict"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services", "monitoring.grafana")

_ANY = ("", "0.0.0.0", "[::]")


def _from_variable(port: PortMapping) -> bool:
    """Whether the host side (address or port) of a mapping is written as a variable."""
    if port.template is None:
        return False
    parts = port.template.split("/", 1)[0].rsplit(":", 2)
    return any("${" in part for part in (parts[:-1] or parts))


def _published(ctx: Context) -> Iterator[tuple[Path, str, int, str, bool]]:
    for name, service in ctx.spec.services.items():
        if not service.enabled:
            continue
        for i, port in enumerate(service.ports):
            if port.host is not None:
                path: Path = ("services", name, "ports", i)
                yield path, port.host_ip, port.host, port.protocol, _from_variable(port)
    grafana = ctx.spec.monitoring.grafana if ctx.spec.monitoring else None
    if grafana is not None:
        yield ("monitoring", "grafana", "port"), "", grafana.port, "tcp", False


def check(ctx: Context) -> Iterator[Finding]:
    # Grouped by port and protocol, so a stack of thousands of services stays linear.
    taken: dict[tuple[int, str], list[tuple[Path, str, bool]]] = {}
    for path, ip, port, protocol, variable in _published(ctx):
        earlier = taken.setdefault((port, protocol), [])
        for other, other_ip, other_variable in earlier:
            if ip == other_ip or ip in _ANY or other_ip in _ANY:
                where = dotted_path(other[:2])
                defaults = " (with the defaults of their variables)"
                yield Finding(
                    path,
                    f"host port {port}/{protocol} is already published by {where}"
                    + (defaults if variable or other_variable else ""),
                    related=((other, "first published here"),),
                )
                break
        earlier.append((path, ip, variable))
