"""A service's metrics port is a port the service listens on.

Prometheus scrapes `<service>:<metrics.port>` over the stack's network, so
`metrics.port` must be a port the container listens on. That is a container port, not
the host port it is published on. The spec records what a service listens on in two
places: the container side of its `ports` (`"9000:8080"` listens on 8080), and a
healthcheck that connects to `localhost:<port>`, since the healthcheck runs inside the
container.

Reported when a service lists TCP `ports` and its metrics port is none of these ports.
A service that publishes no ports is not reported. Many services sit on the internal
network only, and the spec has no other record of what they listen on. Publishing a port
just to satisfy this rule would make the host expose more than it needs to. A metrics port
that is deliberately left unpublished (a management port) passes when the healthcheck uses
it. Otherwise publish it on the loopback address only (`"127.0.0.1:9102:9102"`).

Failing (the host port instead of the container port):

    services:
      dashboard:
        build: .
        ports: ["9000:8080"]
        metrics: {port: 9000}

Fixed: `metrics: {port: 8080}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.model.spec import Service
from stagespec.rules.base import Context, Finding

CODE = "SS502"
NAME = "scrape-port"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services.*",)

_LOCAL_PORT = re.compile(r"(?:localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0):(\d{1,5})(?!\d)")


def check(ctx: Context) -> Iterator[Finding]:
    for name, service in ctx.spec.services.items():
        if not service.enabled or service.metrics is None:
            continue
        port = service.metrics.port
        container_ports = [p.container for p in service.ports if p.protocol == "tcp"]
        if not container_ports or port in container_ports or port in _healthcheck_ports(service):
            continue
        yield Finding(("services", name, "metrics", "port"), _message(name, service, port))


def _healthcheck_ports(service: Service) -> set[int]:
    """Ports the healthcheck connects to on the container's own loopback address."""
    if service.healthcheck is None or service.healthcheck.test is None:
        return set()
    test = service.healthcheck.test
    text = test if isinstance(test, str) else " ".join(test)
    return {int(port) for port in _LOCAL_PORT.findall(text)}


def _message(name: str, service: Service, port: int) -> str:
    for mapping in service.ports:
        if mapping.host == port and mapping.protocol == "tcp":
            return (
                f"metrics port {port} is the host port of {mapping.render()!r}; Prometheus "
                f"scrapes {name!r} over the stack's network, at the container port: "
                f"use {mapping.container}"
            )
    listening = ", ".join(str(p.container) for p in service.ports if p.protocol == "tcp")
    return (
        f"{name!r} listens on {listening} (its `ports`), not on metrics port {port}, so "
        f"Prometheus would scrape a closed port; use one of those, or publish {port} "
        f'(as "127.0.0.1:{port}:{port}" if it must stay private)'
    )
