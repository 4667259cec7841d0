"""In production, no service that a breaker guards is disabled.

Staging may pause a dependency (the reference stack pauses `localstack`, and
`breaker-disabled-service` warns about it); in an environment named `production` (or
`prod`) a breaker that guards a disabled service is an error: the dependency is either
there, or the breaker no longer guards it (`service: null` in the overlay).

Failing:

    services:
      localstack: {image: localstack/localstack:3.8, enabled: false}
    resilience:
      breakers:
        s3: {weight: 1, failure_threshold: 4, recovery_timeout: 25s, service: localstack}
    environments:
      production: {}

Fixed: in the production overlay, enable the service or set `s3: {service: null}`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS407"
NAME = "production-breaker-service"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("resilience.breakers.*", "services")


def check(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_production or ctx.spec.resilience is None:
        return
    for name, breaker in ctx.spec.resilience.breakers.items():
        service = ctx.spec.services.get(breaker.service or "")
        if service is not None and not service.enabled:
            yield Finding(
                ("resilience", "breakers", name, "service"),
                f"breaker {name!r} guards {breaker.service!r}, which is disabled in "
                f"{ctx.environment}; enable it there or set `{name}: {{service: null}}`",
            )
