"""Every key of an `x-compose` block is one compose knows.

`x-compose` is merged last into the generated compose file: a service's into that
service's entry, the top level's into the file's top level. A key compose does not know
makes the whole file fail compose's schema, so a misspelt one is an error here, with a
did-you-mean. Compose's own extension keys (`x-...`) are allowed.

Failing:

    services:
      api:
        image: "api:1.4"
        x-compose: {mem_reservaton: 256m}

Fixed: `x-compose: {mem_reservation: 256m}`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stagespec.diagnostics import Severity
from stagespec.load.document import Path
from stagespec.rules.base import Context, Finding, did_you_mean
from stagespec.rules.compose_keys import SERVICE_KEYS, TOP_LEVEL_KEYS

CODE = "SS110"
NAME = "compose-key-unknown"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services.*",)  # and `x-compose`, a mapping of anything


def blocks(ctx: Context) -> Iterator[tuple[Path, Mapping[str, Any], bool]]:
    """Each `x-compose` block: where it is, its keys, and whether it is a service's."""
    for name, service in ctx.spec.services.items():
        if service.x_compose:
            yield ("services", name, "x-compose"), service.x_compose, True
    if ctx.spec.x_compose:
        yield ("x-compose",), ctx.spec.x_compose, False


def check(ctx: Context) -> Iterator[Finding]:
    for path, block, of_service in blocks(ctx):
        known = SERVICE_KEYS if of_service else TOP_LEVEL_KEYS
        kind = "a compose service key" if of_service else "a compose top-level key"
        for key in block:
            if key in known or key.startswith("x-"):
                continue
            suffix = did_you_mean(key, sorted(known))
            yield Finding((*path, key), f"{key!r} is not {kind}{suffix}", on_key=True)
