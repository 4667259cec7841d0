"""An `x-compose` block sets nothing that has a typed home in stagespec.

`x-compose` is for what stagespec has no key for. A setting that has one is checked,
written for Kubernetes too, and formatted and compared by `diff` when written there;
in `x-compose` it is compose-only text that silently overrides the typed key. The warning
names the key to use. Keys without a typed home (`deploy`, `dns`, `sysctls`, ...),
sub-keys without one (`build.cache_from`), and `ports` or `volumes` lists that hold a
long-form entry (a mapping, which the typed keys do not take) are not reported.

Failing:

    services:
      api:
        image: "api:1.4"
        x-compose: {mem_limit: 512m, build: {target: prod}}

Fixed:

    services:
      api:
        image: "api:1.4"
        memory: 512m
        build: {context: ., target: prod}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stagespec.diagnostics import Severity, dotted_path
from stagespec.load.document import Path
from stagespec.rules.base import Context, Finding
from stagespec.rules.compose_key_unknown import blocks
from stagespec.rules.compose_keys import SERVICE_HOMES, SHORT_FORM_ONLY, TOP_LEVEL_HOMES, Home

CODE = "SS111"
NAME = "compose-key-typed"
SEVERITY: Severity = "warning"
READS: tuple[str, ...] = ("services.*",)  # and `x-compose`, a mapping of anything


def _typed(value: Any, home: Home, at: Path) -> Iterator[tuple[Path, str]]:
    """(the relative path, the spec key to use) of each part of `value` with a typed home."""
    if isinstance(home, str):
        yield at, home
    elif not isinstance(value, dict):
        # a list or scalar replaces the typed value as a whole
        yield at, _where(home)
    elif isinstance(home, tuple):
        for name, entry in value.items():
            if entry is not None:
                yield from _typed(entry, home[1], (*at, name))
    else:
        for key, entry in value.items():
            if key in home:
                yield from _typed(entry, home[key], (*at, key))


def _where(home: Home) -> str:
    if isinstance(home, str):
        return home
    if isinstance(home, tuple):
        return _where(home[1])
    return _where(next(iter(home.values()))).rsplit(".", 1)[0]


def check(ctx: Context) -> Iterator[Finding]:
    for path, block, of_service in blocks(ctx):
        homes = SERVICE_HOMES if of_service else TOP_LEVEL_HOMES
        for key, value in block.items():
            if key not in homes:
                continue
            long_form = isinstance(value, list) and any(isinstance(v, dict) for v in value)
            if of_service and key in SHORT_FORM_ONLY and long_form:
                continue
            for at, spec_key in _typed(value, homes[key], (key,)):
                yield Finding(
                    (*path, *at),
                    f"`x-compose` sets {dotted_path(at)!r}, which has a typed home: "
                    f"write `{spec_key}` instead",
                    on_key=True,
                )
