"""A declared secret is used somewhere.

An unused secret still has to be provided at deploy time (`stagespec env check` asks for
it), so it costs every host a variable nobody reads.

Failing:

    secrets:
      old_token: {env: OLD_TOKEN}

Fixed: remove the declaration, or refer to it with `{secret: old_token}`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.model.spec import secret_refs
from stagespec.rules.base import Context, Finding

CODE = "SS303"
NAME = "secret-unused"
SEVERITY: Severity = "warning"
READS: tuple[str, ...] = ("secrets.*", "services", "monitoring.grafana", "runtime.security")


def check(ctx: Context) -> Iterator[Finding]:
    used = {ref.secret for _, ref in secret_refs(ctx.spec)}
    for name in ctx.spec.secrets:
        if name not in used:
            yield Finding(
                ("secrets", name), f"secret {name!r} is declared but never used", on_key=True
            )
