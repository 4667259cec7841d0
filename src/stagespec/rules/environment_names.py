"""A production value names no other environment.

An overlay lists only what differs, so whatever it leaves out production takes from the
base spec, which is often written as staging. A database called
`inventario_retail_staging`, a network `staging-network` or an image tagged `staging` in
production means that production writes into staging's names, or that the two are one
thing on a host they share. In an environment named `production` (or `prod`), a string
value that has the name of another environment of the spec as a word of its own
(between letters and digits on neither side: `db_staging`, `staging-network`,
`app:staging`, not `backstaging`) is reported.

Every value is read but those of `resilience` (feature, breaker and tier names are the
application's own words) and the descriptions of `variables`. A value that names
another environment on purpose (a job that copies production into staging) is
suppressed on its line, with the reason.

The compose project name is not a value of the spec: `build` writes
`COMPOSE_PROJECT_NAME=<project>-<environment>` for each environment, so two environments
on one host never share containers, project networks or volumes.

Failing:

    services:
      postgres:
        image: postgres:16
        environment: {POSTGRES_DB: shop_staging}
    environments:
      staging: {}
      production: {}

Fixed, in the production overlay:
`production: {services: {postgres: {environment: {POSTGRES_DB: shop}}}}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from stagespec.diagnostics import Severity, dotted_path
from stagespec.load.document import Path
from stagespec.rules.base import PRODUCTION_NAMES, Context, Finding

CODE = "SS411"
NAME = "environment-names"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ()

_SKIPPED = frozenset({"environments", "resilience", "stagespec"})


def _strings(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if not (len(path) == 2 and path[0] == "variables" and key == "description"):
                yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i))


def _others(ctx: Context, declared: list[str]) -> list[str]:
    own = PRODUCTION_NAMES if ctx.is_production else {ctx.environment}
    others = {name for name in declared if name not in own}
    if others & PRODUCTION_NAMES:
        others |= PRODUCTION_NAMES - own
    return sorted(others)


def declared(ctx: Context) -> list[str]:
    """The spec's environment names. An environment's document has no `environments` of
    its own, but keeps the positions of the whole file, so they are read from those."""
    names = {str(p[1]) for p in ctx.doc.key_spans if len(p) == 2 and p[0] == "environments"}
    return sorted(names | set(ctx.spec.environments))


def check(ctx: Context) -> Iterator[Finding]:
    if not ctx.is_production:
        return
    others = _others(ctx, declared(ctx))
    if not others:
        return
    words = "|".join(re.escape(name) for name in others)
    pattern = re.compile(rf"(?<![a-z0-9])({words})(?![a-z0-9])", re.IGNORECASE)
    for key, value in ctx.doc.data.items():
        if key in _SKIPPED:
            continue
        for path, text in _strings(value, (key,)):
            match = pattern.search(text)
            if match:
                # The value is not quoted: it may be a secret written in plain text.
                yield Finding(
                    path,
                    f"{dotted_path(path)} names environment {match[1].lower()!r} in "
                    f"{ctx.environment}; give {ctx.environment} a value of its own in its "
                    "overlay",
                )
