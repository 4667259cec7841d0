"""A variable named like a secret is marked `secret: true`.

A Kubernetes build substitutes each variable's value into its manifests: a default, or a
value given with `build --var`. For `DB_PASSWORD` that writes the password into a file
that is applied, reviewed and often committed. A variable marked `secret: true` is never
substituted: the manifests read it from a Secret at run time, `--var` refuses it, and it
can have no default. The names are judged as the secret scan judges a key (`PASSWORD`,
`TOKEN`, `SECRET`, `API_KEY`, `AUTH`...; `DB_PASSWORD_FILE`, a path, is not a secret).

Failing:

    variables:
      REDIS_PASSWORD: {required: true}
    services:
      cache: {image: "redis:7", command: "redis-server --requirepass ${REDIS_PASSWORD}"}

Fixed: `REDIS_PASSWORD: {required: true, secret: true}`.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding
from stagespec.rules.variable_undefined import declared
from stagespec.secretscan.scanner import is_sensitive_key

CODE = "SS112"
NAME = "variable-secret"
SEVERITY: Severity = "warning"
READS: tuple[str, ...] = ()  # the raw document only: it runs on any spec that loads


def check(ctx: Context) -> Iterator[Finding]:
    for name, variable in declared(ctx.doc.data).items():
        if not isinstance(name, str) or not is_sensitive_key(name):
            continue
        if isinstance(variable, dict) and variable.get("secret") is True:
            continue
        yield Finding(
            ("variables", name),
            f"variable {name!r} is named like a secret but not marked `secret: true`, so a "
            "Kubernetes build writes its value (a default, or `--var`) into its manifests; "
            "mark it, and set it on the host",
            on_key=True,
        )
