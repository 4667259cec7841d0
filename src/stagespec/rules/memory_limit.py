"""A container's memory limit covers what its own settings ask for.

A service's `memory` is a hard limit: past it the kernel kills the container. Some
servers are told in their own settings how much memory to take, and when that, plus
what the process needs besides, is more than the limit, the server is killed before its
own limit ever acts (a Redis that should evict keys is killed instead). Reported when a
setting visible in the spec needs more than `memory`:

- Redis (and Valkey) `--maxmemory` in `command` or `entrypoint`. It caps the data set,
  not the process: Redis's docs say the allocator does not give freed memory back (so
  memory must be provisioned for the peak, fragmentation on top), that the output
  buffers of replicas and the replication backlog are not counted in maxmemory, and that
  a background save or an AOF rewrite forks, and copy-on-write can take up to twice the
  memory in a write-heavy load. Counted: maxmemory plus half of it, plus 32 MiB for the
  process itself and its clients' buffers. A maxmemory set in a redis.conf that the spec
  does not show is not checked.
- PostgreSQL `shared_buffers`, from `-c shared_buffers=...` (or `--shared_buffers=...`)
  in `command`, or from `POSTGRES_INITDB_ARGS`. It is allocated whole at start-up.
  Counted: shared_buffers plus 64 MiB for the server's other processes (each
  connection's own memory, WAL buffers, autovacuum).
- A JVM's `-Xmx` (or `-XX:MaxHeapSize=`) in `command`, `entrypoint` or one of the
  variables JVMs and their launchers read (`JAVA_OPTS`, `JAVA_TOOL_OPTIONS`,
  `JDK_JAVA_OPTIONS`, `_JAVA_OPTIONS`, `ES_JAVA_OPTS`, `OPENSEARCH_JAVA_OPTS`,
  `LS_JAVA_OPTS`, `CATALINA_OPTS`, `KAFKA_HEAP_OPTS`). The heap is not all a JVM uses:
  metaspace, the code cache, thread stacks, GC structures and direct buffers sit beside
  it. Counted: -Xmx plus a quarter of it, plus 64 MiB.

A service without `memory`, or whose `memory` or setting names a variable, is not checked.

Failing (the staging report's Redis: killed at about 200 MB, no key ever evicted):

    services:
      redis:
        image: redis:7-alpine
        command: [redis-server, --maxmemory, 512mb, --maxmemory-policy, allkeys-lru]
        memory: 128m

Fixed: `--maxmemory 64mb` within `memory: 128m` (64 MiB + 32 MiB + 32 MiB), or keep
512mb and give the container `memory: 800m`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from stagespec.diagnostics import Severity
from stagespec.load.document import Path
from stagespec.model.spec import Service
from stagespec.rules.base import Context, Finding

CODE = "SS410"
NAME = "memory-limit"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services.*",)

MIB = 1024**2

JAVA_VARIABLES = (
    "JAVA_OPTS",
    "JAVA_TOOL_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "_JAVA_OPTIONS",
    "ES_JAVA_OPTS",
    "OPENSEARCH_JAVA_OPTS",
    "LS_JAVA_OPTS",
    "CATALINA_OPTS",
    "KAFKA_HEAP_OPTS",
)


@dataclass(frozen=True)
class Need:
    """What one setting asks for, and how much the process needs around it."""

    setting: str
    """As the user wrote it, for the message (`--maxmemory 512mb`)."""
    size: int
    factor_quarters: int
    """The setting counts this many quarters of itself (6: itself plus a half)."""
    base: int
    why: str
    path: Path

    @property
    def required(self) -> int:
        return self.size * self.factor_quarters // 4 + self.base

    def largest_within(self, limit: int) -> int:
        """The largest setting, in whole MiB, whose need fits in `limit` bytes."""
        return max(0, (limit - self.base) * 4 // self.factor_quarters // MIB)


_REDIS_SIZE = re.compile(r"^([0-9]{1,15})(k|kb|m|mb|g|gb)?$", re.IGNORECASE)
_REDIS_UNITS = {"": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2}
_REDIS_UNITS |= {"g": 1000**3, "gb": 1024**3}
_PG_SIZE = re.compile(r"^([0-9]{1,15})\s*(b|kb|mb|gb|tb)?$", re.IGNORECASE)
_PG_UNITS = {"": 8192, "b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
_JVM_HEAP = re.compile(r"^(?:-Xmx|-XX:MaxHeapSize=)([0-9]{1,15})([kmgt]?)$", re.IGNORECASE)
_JVM_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def redis_bytes(text: str) -> int | None:
    """A Redis memory value in bytes (`1k` is 1000, `1kb` 1024), or None if it is not one."""
    match = _REDIS_SIZE.match(text)
    return None if match is None else int(match[1]) * _REDIS_UNITS[(match[2] or "").lower()]


def postgres_bytes(text: str) -> int | None:
    """A PostgreSQL memory value in bytes (a bare number counts 8 kB blocks)."""
    match = _PG_SIZE.match(text)
    return None if match is None else int(match[1]) * _PG_UNITS[(match[2] or "").lower()]


def _tokens(words: str | list[str] | None, path: Path) -> list[tuple[str, Path]]:
    """Each shell word of a command, with the path of the item it is in."""
    if words is None:
        return []
    items = (
        [(words, path)]
        if isinstance(words, str)
        else [(word, (*path, i)) for i, word in enumerate(words)]
    )
    found: list[tuple[str, Path]] = []
    for text, where in items:
        # twice: the script of `sh -c "redis-server --maxmemory 1gb"` is one word at first
        for part in _split(text):
            found += [(word, where) for word in (_split(part) if " " in part else [part])]
    return found


def _split(text: str) -> list[str]:
    import shlex  # only for a service with a memory limit and a command

    try:
        return shlex.split(text)
    except ValueError:  # an unclosed quote: words as they stand
        return text.split()


def _is_redis(service: Service, tokens: list[tuple[str, Path]]) -> bool:
    name = (service.image or "").split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    servers = ("redis-server", "valkey-server")
    return name.startswith(("redis", "valkey")) or any(
        token.rsplit("/", 1)[-1] in servers for token, _ in tokens
    )


def _redis(service: Service, tokens: list[tuple[str, Path]]) -> Iterator[Need]:
    if not _is_redis(service, tokens):
        return
    for (token, _), (value, where) in itertools.pairwise(tokens):
        size = redis_bytes(value) if token.lower() == "--maxmemory" else None
        if size:  # 0 is no limit
            why = "maxmemory plus half of it and 32 MiB for the process"
            yield Need(f"--maxmemory {value}", size, 6, 32 * MIB, why, where)


def _postgres(service: Service, tokens: list[tuple[str, Path]], name: str) -> Iterator[Need]:
    env = service.environment.get("POSTGRES_INITDB_ARGS")
    where_env = ("services", name, "environment", "POSTGRES_INITDB_ARGS")
    listed = tokens + _tokens(env, where_env) if isinstance(env, str) else tokens
    for i, (token, where) in enumerate(listed):
        after_c = i > 0 and listed[i - 1][0] == "-c" and token.startswith("shared_buffers=")
        if not (after_c or token.startswith(("--shared_buffers=", "-cshared_buffers="))):
            continue
        text = token.split("=", 1)[1]
        size = postgres_bytes(text)
        if size:
            why = "shared_buffers plus 64 MiB for the server's other processes"
            yield Need(f"shared_buffers={text}", size, 4, 64 * MIB, why, where)


def _jvm(service: Service, tokens: list[tuple[str, Path]], name: str) -> Iterator[Need]:
    found = list(tokens)
    for var in JAVA_VARIABLES:
        value = service.environment.get(var)
        if isinstance(value, str):
            found += _tokens(value, ("services", name, "environment", var))
    for token, where in found:
        match = _JVM_HEAP.match(token)
        if match:
            size = int(match[1]) * _JVM_UNITS[match[2].lower()]
            why = "the heap plus a quarter of it and 64 MiB for the JVM's other memory"
            yield Need(token, size, 5, 64 * MIB, why, where)


def _needs(name: str, service: Service) -> Iterator[Need]:
    tokens = _tokens(service.entrypoint, ("services", name, "entrypoint"))
    tokens += _tokens(service.command, ("services", name, "command"))
    yield from _redis(service, tokens)
    yield from _postgres(service, tokens, name)
    yield from _jvm(service, tokens, name)


def _mib(size: int) -> str:
    return f"{size / MIB:.0f} MiB" if size % MIB == 0 else f"{size / MIB:.1f} MiB"


def check(ctx: Context) -> Iterator[Finding]:
    for name, service in ctx.spec.services.items():
        if not service.enabled or service.memory is None or service.memory.template:
            continue
        limit = service.memory.bytes
        for need in _needs(name, service):
            if need.required <= limit:
                continue
            written = service.memory.render()
            fits = need.largest_within(limit)
            advice = f"lower it to at most {fits} MiB or " if fits else ""
            yield Finding(
                need.path,
                f"{need.setting} needs {_mib(need.required)} ({need.why}), more than the "
                f"memory limit of {name!r}, {written}: the kernel kills the container "
                f"first; {advice}raise `memory` to at least {-(-need.required // MIB)}m",
                related=((("services", name, "memory"), f"the memory limit, {written}"),),
            )
