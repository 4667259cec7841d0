"""A healthcheck does not call `curl` or `wget` in an image known not to ship it.

The healthcheck runs inside the service's own container. When the command is missing
there, the check always fails, the service never becomes healthy, and every service that
depends on it never starts (stagespec waits with `condition: service_healthy`).

This rule only lists images whose Dockerfiles show what they ship. These are the official
Docker Hub images (`postgres`, `library/postgres`, `docker.io/library/postgres`, ...):

| image      | variant                          | curl | wget                   |
|------------|----------------------------------|------|------------------------|
| `postgres` | Debian (`16`, `16-bookworm`, ...) | no   | no                     |
| `postgres` | Alpine (`16-alpine`, ...)         | no   | yes (BusyBox's applet) |
| `redis`    | Debian (`7`, `7-bookworm`, ...)   | no   | no                     |
| `redis`    | Alpine (`7-alpine`, ...)          | no   | yes (BusyBox's applet) |

Their Debian Dockerfiles install `wget` only to fetch gosu or the sources, then purge
it; none installs `curl`. The Alpine ones never add `curl`, and use the base image's
BusyBox `wget`. Other images (`mysql`, `mongo`, `bitnami/*`, your own) are not checked.

Failing:

    services:
      db:
        image: postgres:16-alpine
        healthcheck: {test: "curl -f http://localhost:5432 || exit 1"}

Fixed: use the image's own client, `test: [CMD, pg_isready]` (redis: `[CMD, redis-cli, ping]`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.model.spec import Service
from stagespec.rules.base import Context, Finding

CODE = "SS503"
NAME = "healthcheck-tool"
SEVERITY: Severity = "warning"
READS: tuple[str, ...] = ("services.*",)

_TOOLS = ("curl", "wget")
_SHELLS = ("sh", "bash", "ash", "dash")
_DOCKER_HUB = ("docker.io", "index.docker.io", "registry-1.docker.io")

_MISSING: dict[tuple[str, bool], tuple[str, ...]] = {
    # (official image, is an Alpine variant) -> tools the image is known not to ship
    ("postgres", False): ("curl", "wget"),
    ("postgres", True): ("curl",),
    ("redis", False): ("curl", "wget"),
    ("redis", True): ("curl",),
}
_NATIVE = {"postgres": "[CMD, pg_isready]", "redis": "[CMD, redis-cli, ping]"}

_SHELL_WORD = re.compile(r"[^\s;&|()`'\"<>]+")


def check(ctx: Context) -> Iterator[Finding]:
    services = ctx.spec.services
    for name, service in services.items():
        health = service.healthcheck
        if not service.enabled or health is None or health.test is None or service.image is None:
            continue
        family = official_family(service.image)
        missing = _MISSING.get(family, ()) if family else ()
        for tool in (t for t in called_tools(health.test) if t in missing):
            waiting = [n for n, s in services.items() if s.enabled and _waits_healthy(s, name)]
            yield Finding(
                ("services", name, "healthcheck", "test"),
                _message(name, service.image, tool, waiting),
            )
            break


def _waits_healthy(service: Service, name: str) -> bool:
    return any(dep == name and how.condition == "healthy" for _, dep, how in service.dependencies())


def official_family(image: str) -> tuple[str, bool] | None:
    """`(name, is_alpine)` for an official Docker Hub image, e.g. `("postgres", True)`."""
    parts = image.split("@", 1)[0].split("/")
    if len(parts) > 1 and parts[0] in _DOCKER_HUB:
        parts = parts[1:]
    if len(parts) == 2 and parts[0] == "library":
        parts = parts[1:]
    if len(parts) != 1:
        return None
    name, _, tag = parts[0].partition(":")
    return name, "alpine" in tag


def called_tools(test: str | list[str]) -> list[str]:
    """The `curl`/`wget` commands a healthcheck test runs, in order."""
    if isinstance(test, str):
        return _shell_tools(test)
    words = list(test)
    kind = words.pop(0) if words and words[0] in ("CMD", "CMD-SHELL", "NONE") else "CMD"
    if kind == "NONE" or not words:
        return []
    if kind == "CMD-SHELL":
        return _shell_tools(" ".join(words))
    program = _basename(words[0])
    if program in _SHELLS and "-c" in words[1:-1]:
        return _shell_tools(words[words.index("-c", 1) + 1])
    return [program] if program in _TOOLS else []


def _shell_tools(command: str) -> list[str]:
    # Any word that is the tool itself or a path to it; URLs that merely contain the name
    # (https://example.com/curl) are not commands.
    words = (w for w in _SHELL_WORD.findall(command) if "://" not in w)
    return [tool for tool in map(_basename, words) if tool in _TOOLS]


def _basename(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _message(name: str, image: str, tool: str, waiting: list[str]) -> str:
    family = official_family(image)
    native = _NATIVE.get(family[0], "") if family else ""
    blocked = ""
    if waiting:
        who = ", ".join(repr(w) for w in waiting)
        verbs = ("waits", "starts") if len(waiting) == 1 else ("wait", "start")
        blocked = f", and {who}, which {verbs[0]} for it, never {verbs[1]}"
    return (
        f"the healthcheck of {name!r} calls {tool}, which the image {image!r} is known not "
        f"to ship: the check always fails, so {name!r} never becomes healthy{blocked}; "
        f"use `test: {native}`"
    )
