"""The Prometheus image names a release, when a scrape sends its key in a header.

A key sent in a header of its own (`metrics.auth: {header: X-API-Key}`) needs the scrape
config's `http_headers`, which Prometheus reads from v2.55.0 on (SS505 reports an older
release). When the Prometheus image's tag names no release (`latest`, `main`, a digest
only, a variable without a default), nobody can tell from the spec whether the server
will accept the config.

Failing:

    services:
      dashboard:
        build: .
        metrics: {port: 8080, api_key: {secret: api_key}, auth: {header: X-API-Key}}
    monitoring:
      prometheus: {image: "prom/prometheus:latest"}

Fixed: `image: prom/prometheus:v3.5.0`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding
from stagespec.rules.image_reference import with_defaults
from stagespec.rules.scrape_auth import RESERVED, header_services, release

CODE = "SS506"
NAME = "scrape-auth-release-unknown"
SEVERITY: Severity = "warning"
READS: tuple[str, ...] = ("services.*", "monitoring")


def check(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    prometheus = spec.monitoring.prometheus if spec.monitoring else None
    if prometheus is None:
        return
    image = with_defaults(spec, prometheus.image)
    if image is not None and release(image) is not None:
        return
    users = [name for name, auth in header_services(spec) if auth.header.lower() not in RESERVED]
    if users:
        yield Finding(
            ("monitoring", "prometheus", "image"),
            f"cannot tell the Prometheus release from {prometheus.image!r}; "
            f"{', '.join(map(repr, users))} is scraped with its key in a header of its own, "
            "which needs v2.55.0 or later: pin a version tag such as v3.5.0",
        )
