"""A free-text setting can be written to `.env` so that it reads back unchanged.

`.env` is read by compose v2 and by docker-compose 1.29, which quote, escape and
interpolate differently (`stagespec.plan.envquote` has the details). A value with a line
break or control character, a backslash, `${`, or both a `'` and one of `"`, `$` or a
backtick has no spelling that both read as written, so `build` could not write it.
The settings checked are the free-text ones: `runtime.security.csp`.

Failing:

    runtime:
      security: {csp: "default-src 'self'; report-uri ${REPORT_URL}"}

Fixed: write the value out in full, without `${`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.plan.envquote import EnvValueError, quote
from stagespec.rules.base import Context, Finding

CODE = "SS105"
NAME = "env-value"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("runtime.security",)


def check(ctx: Context) -> Iterator[Finding]:
    csp = ctx.spec.runtime.security.csp if ctx.spec.runtime else None
    if csp is None:
        return
    try:
        quote("CSP_POLICY", csp)  # the key `.env` holds it under (targets/envfile)
    except EnvValueError as e:
        yield Finding(("runtime", "security", "csp"), f"cannot be written to .env unchanged: {e}")
