"""Every `{secret: name}` reference names a declared secret.

Failing:

    secrets:
      db_password: {env: DB_PASSWORD}
    services:
      api:
        image: api:1
        environment:
          DB_PASSWORD: {secret: db_pasword}

Fixed: `{secret: db_password}`, or declare `db_pasword` under `secrets:`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.model.spec import secret_refs
from stagespec.rules.base import Context, Finding, did_you_mean

CODE = "SS302"
NAME = "secret-undefined"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("secrets", "services.*", "monitoring.grafana", "runtime.security")


def check(ctx: Context) -> Iterator[Finding]:
    declared = ctx.spec.secrets
    for path, ref in secret_refs(ctx.spec):
        if ref.secret not in declared:
            suffix = did_you_mean(ref.secret, declared)
            yield Finding(path, f"secret {ref.secret!r} is not declared under `secrets:`{suffix}")
