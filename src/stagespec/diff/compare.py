"""What a spec change means for the stack: sentences for a reviewer, then the files' diff.

`semantic_diff` says, one sentence per change, what a new spec changes compared with an
old one ("dashboard: host port 9000 → 9100", "tier degraded: loses export_to_s3"). Keys
without a sentence of their own fall back to "<subject>: <dotted.key> <old> → <new>".
Values that may be secrets or carry credentials are never shown, only that they were
added, removed or changed: environment variables, environment overlays (their values
may be any of those), commands and healthcheck tests. Secret names and sources are shown:
they are names, not values.

Order follows the spec: sections in the model's order, names in the old spec's order,
then names only the new spec has, in its order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeGuard, TypeVar

from pydantic import BaseModel

from stagespec.diff.revision import spec_at_revision as spec_at_revision  # the CLI's --git
from stagespec.engine.build import render_all
from stagespec.engine.validate import check_document
from stagespec.engine.writer import MANIFEST, unified_diff
from stagespec.errors import SpecLoadError
from stagespec.load.document import Document
from stagespec.model.spec import (
    Breaker,
    Degradation,
    Monitoring,
    Resilience,
    SecretRef,
    SecretSource,
    Service,
    Spec,
    Tier,
    Volume,
)

_HIDDEN = frozenset({"environment", "environments", "command", "test"})
"""Keys whose values are never shown: they may hold secrets or URLs with passwords."""

K = TypeVar("K")
V = TypeVar("V")


def _keys(old: Mapping[K, Any], new: Mapping[K, Any]) -> list[K]:
    """The old mapping's keys in order, then those only the new one has."""
    return [*old, *(k for k in new if k not in old)]


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_ref(value):
        return f"secret {value['secret']}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _is_ref(value: Any) -> bool:
    return isinstance(value, dict) and list(value) == ["secret"]


def _is_section(value: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict) and not _is_ref(value)


def _generic(
    subject: str, old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = ""
) -> Iterator[str]:
    """`subject: key old → new` for each changed leaf of two JSON-like mappings."""
    for key in _keys(old, new):
        a, b = old.get(key), new.get(key)
        name = prefix + key
        if a == b and type(a) is type(b):
            continue
        if key in _HIDDEN:
            yield f"{subject}: {name} changed"
        elif _is_section(a) and _is_section(b):
            yield from _generic(subject, a, b, name + ".")
        elif _is_section(a) and b is None:
            yield f"{subject}: {name} removed"
        elif a is None and _is_section(b):
            yield f"{subject}: {name} added"
        else:
            yield f"{subject}: {name} {_show(a)} → {_show(b)}"


def _dump(
    model: BaseModel | None, exclude: set[str] | None = None, include: set[str] | None = None
) -> dict[str, Any]:
    if model is None:
        return {}
    return model.model_dump(mode="json", exclude=exclude, include=include)


def _section(subject: str, old: BaseModel | None, new: BaseModel | None) -> Iterator[str]:
    """An optional part of the spec: added, removed, or its changed keys."""
    if old is None and new is not None:
        yield f"{subject}: added"
    elif new is None and old is not None:
        yield f"{subject}: removed"
    else:
        yield from _generic(subject, _dump(old), _dump(new))


def _keyed(
    kind: str,
    old: Mapping[str, V],
    new: Mapping[str, V],
    changed: Callable[[str, V, V], Iterator[str]],
    added: Callable[[V], str] = lambda _: "",
) -> Iterator[str]:
    """`<kind> <name>: added` or `removed`, else `changed(name, old, new)` when they differ."""
    for name in _keys(old, new):
        if name not in old:
            yield f"{kind} {name}: added{added(new[name])}"
        elif name not in new:
            yield f"{kind} {name}: removed"
        elif old[name] != new[name]:
            yield from changed(name, old[name], new[name])


def _members(subject: str, verb: str, old: list[Any], new: list[Any]) -> Iterator[str]:
    """`subject: no longer <verb> x` / `now <verb> y` for items of a list."""
    yield from (f"{subject}: no longer {verb} {item}" for item in old if item not in new)
    yield from (f"{subject}: now {verb} {item}" for item in new if item not in old)


# --- secrets, volumes, services ----------------------------------------------------------


def _source(source: SecretSource) -> str:
    return f"env {source.env}" if source.env is not None else f"file {source.file}"


def _secrets(old: Spec, new: Spec) -> Iterator[str]:
    def changed(name: str, a: SecretSource, b: SecretSource) -> Iterator[str]:
        yield f"secret {name}: source {_source(a)} → {_source(b)}"

    yield from _keyed("secret", old.secrets, new.secrets, changed, lambda b: f" ({_source(b)})")


def _volumes(old: Spec, new: Spec) -> Iterator[str]:
    def changed(name: str, a: Volume | None, b: Volume | None) -> Iterator[str]:
        yield from _generic(f"volume {name}", _dump(a), _dump(b))

    yield from _keyed("volume", old.volumes, new.volumes, changed)


def _ports(name: str, old: Service, new: Service) -> Iterator[str]:
    """Published ports, matched by container port: a new host port, or published/not."""
    by_target = {(p.container, p.protocol): p for p in new.ports}
    matched = set()
    for a in old.ports:
        b = by_target.get((a.container, a.protocol))
        if b is None:
            yield f"{name}: no longer publishes {a}"
            continue
        matched.add((b.container, b.protocol))
        if a.host != b.host and a.host_ip == b.host_ip:
            yield f"{name}: host port {_show(a.host)} → {_show(b.host)}"
        elif a != b:
            yield f"{name}: port {a} → {b}"
    for b in new.ports:
        if (b.container, b.protocol) not in matched:
            yield f"{name}: publishes {b}"


def _env_value(value: Any) -> str:
    return f"secret {value.secret}" if isinstance(value, SecretRef) else "a value"


def _environment(name: str, old: Service, new: Service) -> Iterator[str]:
    """Variables added, removed or changed, by name only: a value may be a secret."""
    for var in _keys(old.environment, new.environment):
        a, b = old.environment.get(var), new.environment.get(var)
        if var not in old.environment:
            extra = f" ({_env_value(b)})" if isinstance(b, SecretRef) else ""
            yield f"{name}: environment {var} added{extra}"
        elif var not in new.environment:
            yield f"{name}: environment {var} removed"
        elif repr(a) != repr(b):  # repr: True, 1, "1" and Decimal("1") all differ
            refs = isinstance(a, SecretRef) or isinstance(b, SecretRef)
            extra = f" ({_env_value(a)} → {_env_value(b)})" if refs else ""
            yield f"{name}: environment {var} changed{extra}"


_SERVICE_OWN = {"enabled", "ports", "environment", "volumes", "depends_on"}


def _waits(service: Service) -> list[str]:
    """Each dependency as `name`, or `name (condition ...)` when it waits otherwise."""
    waits = []
    for _, dep, how in service.dependencies():
        extra: list[str] = [how.condition] if how.condition != "healthy" else []
        extra += ["restart"] if how.restart else []
        extra += ["optional"] if not how.required else []
        waits.append(f"{dep} ({', '.join(extra)})" if extra else dep)
    return waits


def _service(name: str, old: Service, new: Service) -> Iterator[str]:
    if old.enabled != new.enabled:
        yield f"{name}: {'enabled' if new.enabled else 'disabled'}"
    yield from _ports(name, old, new)
    yield from _environment(name, old, new)
    yield from _members(
        name, "mounts", [str(v) for v in old.volumes], [str(v) for v in new.volumes]
    )
    yield from _members(name, "depends on", _waits(old), _waits(new))
    yield from _generic(name, _dump(old, _SERVICE_OWN), _dump(new, _SERVICE_OWN))


def _services(old: Spec, new: Spec) -> Iterator[str]:
    def added(b: Service) -> str:
        return "" if b.enabled else " (disabled)"

    yield from _keyed("service", old.services, new.services, _service, added)


# --- monitoring, resilience, runtime, environments ---------------------------------------


def _monitoring(old: Spec, new: Spec) -> Iterator[str]:
    a, b = old.monitoring or Monitoring(), new.monitoring or Monitoring()
    yield from _section("monitoring.prometheus", a.prometheus, b.prometheus)
    yield from _section("monitoring.grafana", a.grafana, b.grafana)


def _breaker(name: str, a: Breaker, b: Breaker) -> Iterator[str]:
    if a.weight != b.weight:  # compared as numbers: 0.5 is 0.50
        yield f"breaker {name}: weight {a.weight} → {b.weight}"
    yield from _generic(f"breaker {name}", _dump(a, {"weight"}), _dump(b, {"weight"}))


def _features(tier: Tier, degradation: Degradation) -> list[str]:
    return list(degradation.features) if tier.features == "all" else list(tier.features)


def _tier(old: Tier, new: Tier, old_all: Degradation, new_all: Degradation) -> Iterator[str]:
    subject = f"tier {new.name}"
    yield from _generic(subject, _dump(old, {"features"}), _dump(new, {"features"}))
    a, b = _features(old, old_all), _features(new, new_all)
    if lost := [f for f in a if f not in b]:
        yield f"{subject}: loses {', '.join(lost)}"
    if gained := [f for f in b if f not in a]:
        yield f"{subject}: gains {', '.join(gained)}"


def _degradation(old: Degradation | None, new: Degradation | None) -> Iterator[str]:
    if old is None or new is None:
        yield from _section("resilience.degradation", old, new)
        return
    yield from (f"feature {f}: removed" for f in old.features if f not in new.features)
    yield from (f"feature {f}: added" for f in new.features if f not in old.features)
    old_tiers = {t.name: t for t in old.tiers}
    new_tiers = {t.name: t for t in new.tiers}

    def changed(name: str, a: Tier, b: Tier) -> Iterator[str]:
        return _tier(a, b, old, new)

    def added(b: Tier) -> str:
        return f" (min_score {b.min_score})"

    yield from _keyed("tier", old_tiers, new_tiers, changed, added)
    kept_old = [n for n in old_tiers if n in new_tiers]
    kept_new = [n for n in new_tiers if n in old_tiers]
    if kept_old != kept_new:
        yield f"tiers: order {', '.join(kept_old)} → {', '.join(kept_new)}"


def _resilience(old: Spec, new: Spec) -> Iterator[str]:
    a, b = old.resilience or Resilience(), new.resilience or Resilience()
    yield from _keyed("breaker", a.breakers, b.breakers, _breaker)
    yield from _degradation(a.degradation, b.degradation)


def _runtime(old: Spec, new: Spec) -> Iterator[str]:
    a, b = old.runtime, new.runtime
    if a is None or b is None:
        yield from _section("runtime", a, b)
        return
    parts = {"security", "logging"}
    yield from _generic("runtime", _dump(a, parts), _dump(b, parts))
    yield from _generic("runtime.security", _dump(a.security), _dump(b.security))
    yield from _generic("runtime.logging", _dump(a.logging), _dump(b.logging))


_NULL = repr(None)


def _leaves(data: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(dotted path, repr of the value) of every non-mapping value of an overlay."""
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from _leaves(value, (*path, str(key)))
    elif path:
        yield ".".join(path), repr(data)


def _overlay(name: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> Iterator[str]:
    """An overlay's changes, by the paths it overrides: its values may be environment values."""
    a, b = dict(_leaves(old or {})), dict(_leaves(new or {}))
    for path in _keys(a, b):
        if path not in b:
            verb = "removes" if a[path] == _NULL else "overrides"
            yield f"environment {name}: no longer {verb} {path}"
        elif a.get(path) == b[path]:
            continue
        elif b[path] == _NULL:  # null in an overlay removes the key
            yield f"environment {name}: now removes {path}"
        elif path not in a:
            yield f"environment {name}: now overrides {path}"
        else:
            yield f"environment {name}: changes its override of {path}"


def _environments(old: Spec, new: Spec) -> Iterator[str]:
    yield from _keyed("environment", old.environments, new.environments, _overlay)


_SECTIONS = {
    "secrets": _secrets,
    "volumes": _volumes,
    "services": _services,
    "monitoring": _monitoring,
    "resilience": _resilience,
    "runtime": _runtime,
    "environments": _environments,
}


def semantic_diff(old: Spec, new: Spec) -> list[str]:
    """One sentence per change from `old` to `new`, in spec order; no value that may be secret."""
    changes: list[str] = []
    for key in Spec.model_fields:
        if key in _SECTIONS:
            changes += _SECTIONS[key](old, new)
        else:
            changes += _top(key, old, new)
    return changes


def _top(key: str, old: Spec, new: Spec) -> Iterator[str]:
    """A top-level key without a sentence of its own: `project: a → b`, or its sections."""
    a, b = getattr(old, key), getattr(new, key)
    if isinstance(a, BaseModel | None) and isinstance(b, BaseModel | None):
        yield from _section(key, a, b)
        return
    a, b = _dump(old, include={key})[key], _dump(new, include={key})[key]
    if a != b:
        yield f"{key}: changed" if key in _HIDDEN else f"{key}: {_show(a)} → {_show(b)}"


# --- generated files ---------------------------------------------------------------------


def generated_diff(old_files: dict[str, bytes], new_files: dict[str, bytes]) -> str:
    """A unified diff from the old spec's generated files to the new one's ("" when none).

    Manifests are left out: their hashes change whenever another file does.
    """
    chunks = []
    for name in sorted({*old_files, *new_files}):
        old, new = old_files.get(name), new_files.get(name)
        if old == new or PurePosixPath(name).name == MANIFEST:
            continue
        if new is None:
            chunks.append(f"removed: {name} (the new spec no longer produces it)\n")
        else:
            chunks.append(
                unified_diff(name, old or b"", new, name if old is not None else "(absent)")
            )
    return "".join(chunks)


@dataclass(frozen=True)
class SpecDiff:
    """What the CLI prints: the sentences, then the generated files' diff."""

    summary: list[str]
    files: str


def checked_spec(doc: Document) -> Spec:
    """The Spec of a document that validates, or SpecLoadError with its errors."""
    spec, diagnostics = check_document(doc)
    errors = [d for d in diagnostics if d.severity == "error"]
    if spec is None or errors:
        raise SpecLoadError(errors)
    return spec


def diff_documents(old: Document, new: Document, spec_path: Path, out: Path) -> SpecDiff:
    """Compare two versions of a spec; both render as if at `spec_path`, written to `out`."""
    old_spec, new_spec = checked_spec(old), checked_spec(new)
    old_files = render_all(old, spec_path, out)
    new_files = render_all(new, spec_path, out)
    return SpecDiff(semantic_diff(old_spec, new_spec), generated_diff(old_files, new_files))
