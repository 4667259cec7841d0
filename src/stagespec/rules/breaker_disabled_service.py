"""A breaker that guards a disabled service is reported.

A breaker's `service` names the service it guards. When that service has
`enabled: false`, the breaker will open as soon as the dependency is called and the health
score drops by the breaker's weight, which is usually a sign the stack is not what was
meant (the reference stack's `s3` breaker guards the paused `localstack`, on purpose).
In production this is an error instead, reported by `production-breaker-service`.

Failing:

    services:
      localstack: {image: localstack/localstack:3.8, enabled: false}
    resilience:
      breakers:
        s3: {weight: 1, failure_threshold: 4, recovery_timeout: 25s, service: localstack}

Fixed: enable the service, or drop `service:` from the breaker where it does not apply.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS204"
NAME = "breaker-disabled-service"
SEVERITY: Severity = "warning"
READS: tuple[str, ...] = ("resilience.breakers.*", "services")


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.is_production:
        return  # production-breaker-service reports it there, as an error
    breakers = ctx.spec.resilience.breakers if ctx.spec.resilience else {}
    for name, breaker in breakers.items():
        service = ctx.spec.services.get(breaker.service or "")
        if service is not None and not service.enabled:
            yield Finding(
                ("resilience", "breakers", name, "service"),
                f"breaker {name!r} guards service {breaker.service!r}, which is disabled; "
                f"it will open on first use and cost the health score {breaker.weight}",
            )
