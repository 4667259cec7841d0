"""The scrape job can send the key the way the service checks it.

`metrics.auth` says how Prometheus sends a service's `metrics.api_key`: `bearer` (the
default) as `authorization: {type: Bearer, credentials_file: ...}`, or `{header: NAME}`
as `http_headers: {NAME: {files: [...]}}`, the key alone in that header. The runtime
module exports the same header and scheme (`SCRAPE_AUTH_HEADER`, `SCRAPE_AUTH_SCHEME`)
for the service to check. Reported, as each would leave the target down and its alert
firing for ever:

- header auth with a Prometheus image older than v2.55.0: `http_headers` came in
  v2.55.0 (prometheus/prometheus#14817), and an older release refuses the whole config;
- a header that Prometheus sets itself and refuses in `http_headers` (`Authorization`,
  `Host`, `User-Agent`, `Content-Type`, `Accept-Encoding`, ...): use `bearer` for
  `Authorization`;
- on the runtime service, a `metrics.api_key` other than `runtime.security.api_key`: the
  service checks the one key, so the scrape must send that one.

A Prometheus tag that names no release (`latest`, a digest) is SS506's to report.

Failing:

    services:
      dashboard:
        build: .
        metrics: {port: 8080, api_key: {secret: api_key}, auth: {header: X-API-Key}}
    monitoring:
      prometheus: {image: "prom/prometheus:v2.54.1"}

Fixed: `image: prom/prometheus:v3.5.0` (any v2.55.0 or later).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.model.spec import HeaderAuth, Spec
from stagespec.rules.base import Context, Finding
from stagespec.rules.image_reference import with_defaults

CODE = "SS505"
NAME = "scrape-auth"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services.*", "monitoring", "runtime")

HEADERS_SINCE = (2, 55, 0)
"""The first Prometheus release whose scrape config reads `http_headers`."""

RESERVED = frozenset(
    {
        "authorization",
        "host",
        "content-encoding",
        "content-length",
        "content-type",
        "user-agent",
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "www-authenticate",
        "accept-encoding",
        "x-prometheus-remote-write-version",
        "x-prometheus-remote-read-version",
        "x-prometheus-scrape-timeout-seconds",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
    }
)
"""Headers Prometheus refuses in `http_headers` (prometheus/common, config/headers.go)."""

_RELEASE = re.compile(r"^v?([0-9]{1,4})\.([0-9]{1,4})(?:\.([0-9]{1,4}))?(?![0-9.])")


def release(image: str) -> tuple[int, int, int] | None:
    """The release a Prometheus image's tag names (`v2.54.1`, `2.55.0-debian-12`), or None."""
    if "@" in image:
        return None
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return None
    match = _RELEASE.match(tag)
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


def header_services(spec: Spec) -> list[tuple[str, HeaderAuth]]:
    """Enabled services scraped with a key sent in a header of its own."""
    return [
        (name, service.metrics.auth)
        for name, service in spec.services.items()
        if service.enabled
        and service.metrics is not None
        and service.metrics.api_key is not None
        and isinstance(service.metrics.auth, HeaderAuth)
    ]


def check(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    prometheus = spec.monitoring.prometheus if spec.monitoring else None
    if prometheus is None:
        return
    image = with_defaults(spec, prometheus.image)
    found = release(image) if image is not None else None
    for name, auth in header_services(spec):
        path = ("services", name, "metrics", "auth", "header")
        if auth.header.lower() in RESERVED:
            yield Finding(
                path,
                f"Prometheus sets {auth.header!r} itself and refuses it in `http_headers`; "
                + (
                    "use `auth: bearer` to send `Authorization: Bearer KEY`"
                    if auth.header.lower() == "authorization"
                    else "send the key in a header of the service's own, such as X-API-Key"
                ),
            )
        elif found is not None and found < HEADERS_SINCE:
            yield Finding(
                path,
                f"{name!r} is scraped with the key in {auth.header!r}, which needs "
                f"`http_headers`, read from Prometheus v2.55.0 on; the image "
                f"{prometheus.image!r} is v{'.'.join(map(str, found))} and would refuse "
                "the config: pin prom/prometheus:v2.55.0 or later",
                related=((("monitoring", "prometheus", "image"), "the Prometheus image"),),
            )
    yield from _runtime_key(spec)


def _runtime_key(spec: Spec) -> Iterator[Finding]:
    runtime = spec.runtime
    service = spec.services.get(runtime.service) if runtime else None
    if runtime is None or service is None or service.metrics is None or not service.enabled:
        return
    scraped, checked = service.metrics.api_key, runtime.security.api_key
    if scraped is not None and checked is not None and scraped.secret != checked.secret:
        yield Finding(
            ("services", runtime.service, "metrics", "api_key", "secret"),
            f"Prometheus scrapes {runtime.service!r} with secret {scraped.secret!r}, but "
            f"the service checks secret {checked.secret!r} (runtime.security.api_key): "
            "scrape with the key the service checks",
            related=((("runtime", "security", "api_key", "secret"), "the key it checks"),),
        )
