"""The smoke checks of the runtime service: what the example dashboard's contract promises
for the generated module's settings (`/health`, `/metrics`, the API key, headers, the
redirect to https behind a TLS-terminating proxy, the rate limit, JSON logs with the
request id)."""

from __future__ import annotations

from typing import Any

from stagespec.model.spec import Metrics, Runtime, Security
from stagespec.plan import alerts, panels
from stagespec.plan.inputs import BuildInput
from stagespec.targets import prometheus
from stagespec.targets.envfile import API_KEY_HEADER

Check = dict[str, Any]

HEALTH_PATH = "/health"
FEATURES_PATH = "/api/features"
"""A route behind the API key and the rate limit (the example dashboard's)."""


def check(name: str, kind: str, line: int | None, **params: Any) -> Check:
    """One check of the suite: its name, what the program does, the spec line, its data."""
    return {"name": name, "kind": kind, "line": line, **params}


def runtime_checks(build: BuildInput) -> list[Check]:
    """The checks of the runtime service, when it runs (enabled) and has a port to reach."""
    spec, runtime = build.spec, build.spec.runtime
    service = spec.services.get(runtime.service) if runtime else None
    if runtime is None or service is None or not service.enabled:
        return []
    if service.metrics is None and not any(p.protocol == "tcp" for p in service.ports):
        return []
    checks = [*_health(build, runtime.service)]
    if service.metrics is not None:
        checks += _metrics(build, runtime.service, service.metrics)
    checks += _security(build, runtime)
    checks += _logs(build, runtime)
    return checks


def _health(build: BuildInput, name: str) -> list[Check]:
    resilience = build.spec.resilience
    degradation = resilience.degradation if resilience else None
    tiers: list[dict[str, Any]] = []
    if degradation is not None:
        for tier in degradation.tiers:
            features = degradation.features if tier.features == "all" else tier.features
            tiers.append(
                {"name": tier.name, "min_score": tier.min_score, "features": list(features)}
            )
    checks = [
        check(
            "health",
            "health",
            build.line("runtime", "service"),
            target=name,
            path=HEALTH_PATH,
            tiers=tiers,
        )
    ]
    for index, listed in enumerate(tiers):
        checks.append(
            check(
                f"health.tier.{listed['name']}",
                "health-tier",
                build.line("resilience", "degradation", "tiers", index),
                target=name,
                path=HEALTH_PATH,
                tier=listed["name"],
                min_score=listed["min_score"],
                features=len(listed["features"]),
            )
        )
    for breaker_name, breaker in (resilience.breakers if resilience else {}).items():
        checks.append(
            check(
                f"health.breaker.{breaker_name}",
                "health-breaker",
                build.line("resilience", "breakers", breaker_name),
                target=name,
                path=HEALTH_PATH,
                breaker=breaker_name,
                expected={
                    "failure_threshold": breaker.failure_threshold,
                    "recovery_timeout_s": alerts.duration(breaker.recovery_timeout).seconds,
                    "half_open_requests": breaker.half_open_requests,
                    "weight": format(breaker.weight, "f"),
                },
            )
        )
    return checks


def scrape_auth(metrics: Metrics) -> dict[str, str] | None:
    """How Prometheus sends the key to `/metrics`: the header, the scheme, the secret."""
    found = prometheus.scrape_auth(metrics)
    if found is None or metrics.api_key is None:
        return None
    header, scheme = found
    return {"header": header, "scheme": scheme or "", "secret": metrics.api_key.secret}


def _key_auth(security: Security) -> dict[str, str] | None:
    """How a client sends the runtime's API key: the header, no scheme, the secret."""
    if security.api_key is None:
        return None
    return {"header": API_KEY_HEADER, "scheme": "", "secret": security.api_key.secret}


def _queried(build: BuildInput) -> list[tuple[str, str, tuple[str, ...]]]:
    """(metric, who queries it, spec path of that) for each runtime metric queried."""
    by_alerts = alerts.queried_metrics(build)
    by_panels = panels.queried_metrics(build)
    found: list[tuple[str, str, tuple[str, ...]]] = []
    for metric in dict.fromkeys([*by_alerts, *by_panels]):
        if metric in by_alerts:
            who = "an alert rule and a panel" if metric in by_panels else "an alert rule"
            found.append((metric, who, ("monitoring", "prometheus")))
        else:
            found.append((metric, "a panel", ("monitoring", "grafana")))
    return found


def _metrics(build: BuildInput, name: str, metrics: Metrics) -> list[Check]:
    where = ("services", name, "metrics")
    auth = scrape_auth(metrics)

    def endpoint_check(what: str, kind: str, line: int | None, **params: Any) -> Check:
        endpoint = {"path": metrics.path, "port": metrics.port, "auth": auth}
        return check(f"metrics.{what}", kind, line, target=name, **endpoint, **params)

    checks = [endpoint_check("format", "metrics-format", build.line(*where))]
    if auth is not None:
        checks.append(endpoint_check("auth", "metrics-auth", build.line(*where, "api_key")))
    for metric, who, path in _queried(build):
        line = build.line(*path)
        checks.append(endpoint_check(metric, "metric-present", line, metric=metric, queried_by=who))
    return checks


def _security(build: BuildInput, runtime: Runtime) -> list[Check]:
    security, name = runtime.security, runtime.service
    key = _key_auth(security)
    checks = []
    if key is not None:
        line = build.line("runtime", "security", "api_key")
        for case, expected in (("missing", 401), ("wrong", 401), ("valid", 200)):
            checks.append(
                check(
                    f"api-key.{case}",
                    "api-key",
                    line,
                    target=name,
                    path=FEATURES_PATH,
                    auth=key,
                    case=case,
                    status=expected,
                )
            )

    def header_check(what: str, *where: str, **params: Any) -> Check:
        line = build.line("runtime", *where)
        return check(
            f"headers.{what}", f"header-{what}", line, target=name, path=HEALTH_PATH, **params
        )

    def guarded_check(what: str, setting: str, **params: Any) -> Check:
        """A check of the route behind the key and the limit, at `runtime.security.<setting>`."""
        line = build.line("runtime", "security", setting)
        return check(what, what, line, target=name, path=FEATURES_PATH, auth=key, **params)

    checks.append(header_check("hsts", "security", "hsts", enabled=security.hsts))
    checks.append(guarded_check("https-redirect", "force_https", enabled=security.force_https))
    if security.csp is not None:
        checks.append(header_check("csp", "security", "csp", expected=security.csp))
    header = runtime.logging.request_id_header
    if header is not None:
        checks.append(header_check("request-id", "logging", "request_id_header", header=header))
    limit = security.rate_limit
    if limit is not None:
        window_s = alerts.duration(limit.window).seconds
        checks.append(
            guarded_check("rate-limit", "rate_limit", requests=limit.requests, window_s=window_s)
        )
    return checks


def _logs(build: BuildInput, runtime: Runtime) -> list[Check]:
    logging = runtime.logging
    if logging.format != "json" or logging.request_id_header is None:
        return []
    return [
        check(
            "logs.request-id",
            "json-log",
            build.line("runtime", "logging", "format"),
            target=runtime.service,
            path=HEALTH_PATH,
            header=logging.request_id_header,
            service=runtime.service,
        )
    ]
