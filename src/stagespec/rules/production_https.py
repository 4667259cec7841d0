"""In production, `runtime.security.force_https` and `hsts` are on.

Staging may run over plain HTTP; an environment named `production` (or `prod`) redirects
to HTTPS and sends Strict-Transport-Security.

Failing:

    environments:
      production:
        runtime:
          security: {force_https: false}

Fixed: `security: {force_https: true, hsts: true}` in the production overlay.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding

CODE = "SS406"
NAME = "production-https"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("runtime.security",)


def check(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_production or ctx.spec.runtime is None:
        return
    security = ctx.spec.runtime.security
    for key in ("force_https", "hsts"):
        if not getattr(security, key):
            yield Finding(
                ("runtime", "security", key),
                f"runtime.security.{key} is off in {ctx.environment}; turn it on there",
            )
