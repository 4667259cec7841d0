"""A declared variable is used by some string of the spec.

A variable nothing references still shows up in `.env.example` and in `env check`, so
every host is asked for a setting that changes nothing. A reference in an environment's
overlay counts as a use.

Failing:

    variables:
      WEB_PORT: {default: "8080"}
    services:
      web: {image: "nginx:1.27", ports: ["8080:80"]}

Fixed: `ports: ["${WEB_PORT}:80"]`, or remove the variable.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.rules.base import Context, Finding
from stagespec.rules.variable_undefined import declared, referencing_strings

CODE = "SS108"
NAME = "variable-unused"
SEVERITY: Severity = "warning"
READS: tuple[str, ...] = ()  # the raw document only: it runs on any spec that loads


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.environment is not None:
        # the base document holds every overlay, so the base spec's run decides for all
        return
    known = declared(ctx.doc.data)
    if not known:
        return
    used = {n for _, names in referencing_strings(ctx.doc.data, overlays=True) for n in names}
    for name in known:
        if name not in used:
            yield Finding(
                ("variables", name),
                f"variable {name!r} is declared but no string uses it",
                on_key=True,
            )
