"""Each file a generated file names is mounted in the container that reads it.

The build delivers three kinds of file (`plan.delivery`): the runtime module, at
`<runtime.path>/<runtime.module>.py` in `runtime.service`, on its import path through
`PYTHONPATH`; a file-sourced runtime API key, at `/run/secrets/<secret>` in the same
service (the module names it); and each scrape key, at `/run/secrets/<secret>` in
Prometheus (prometheus.yml names it). The spec can undo that delivery, and then the file
that names the path points at nothing:

- the service mounts something else at that very path (compose and Kubernetes refuse two
  mounts at one path);
- its `x-compose` (or the top-level `x-compose` under `services`) replaces or removes the
  list that holds the mount (`volumes` for the module, `secrets` for a file-sourced key,
  `entrypoint` or `tmpfs` for Prometheus's env-sourced keys) without a mount at the path;
- its `environment` sets `PYTHONPATH` without `runtime.path` (the build sets `PYTHONPATH`
  only when the spec does not), so the mounted module cannot be imported;
- its `environment` sets `API_KEY` or `API_KEY_FILE`, the variables the build sets from
  `runtime.security.api_key`, so the service would read a key other than the one the
  module and Prometheus use.

Not checked: `x-kubernetes` patches of the pod's `volumes` or `containers`.

Failing:

    services:
      dashboard:
        build: .
        environment: {PYTHONPATH: /srv/lib}
    runtime: {service: dashboard, module: app_runtime, path: /app}

Fixed: put `runtime.path` on the import path (or leave `PYTHONPATH` to the build):

    services:
      dashboard:
        build: .
        environment: {PYTHONPATH: "/app:/srv/lib"}
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from stagespec.diagnostics import Severity
from stagespec.load.document import Path
from stagespec.model.spec import Service, Spec
from stagespec.model.values import references
from stagespec.plan import delivery
from stagespec.rules.base import Context, Finding

CODE = "SS510"
NAME = "file-mounted"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services", "secrets", "monitoring", "runtime")  # and `x-compose`

_KEYS_OF_FILES = {
    "the runtime module": ("volumes",),
    "the API key": ("secrets",),
}


def check(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    module_file = f"{spec.runtime.module}.py" if spec.runtime else ""
    for named in delivery.named_files(spec, module_file):
        yield from _same_path(spec, named)
        yield from _patched_away(spec, named)
    yield from _variables(spec)


def _secret_target(target: str | None, secret: str) -> str:
    if target is None:
        return delivery.secret_file(secret)
    return target if target.startswith("/") else f"{delivery.SECRETS_DIR}/{target}"


def _same_path(spec: Spec, named: delivery.NamedFile) -> Iterator[Finding]:
    """A mount of the spec's own at the path where the build mounts `named`."""
    service = spec.services.get(named.reader)
    if service is None:
        return
    wanted = named.path
    own: list[tuple[Path, str, str | None]] = []
    for index, volume in enumerate(service.volumes):
        own.append((("services", named.reader, "volumes", index), volume.target, None))
    for index, entry in enumerate(service.tmpfs):
        own.append((("services", named.reader, "tmpfs", index), entry.split(":", 1)[0], None))
    for index, mount in enumerate(service.secrets):
        target = _secret_target(mount.target, mount.secret)
        own.append((("services", named.reader, "secrets", index), target, mount.secret))
    key = spec.runtime.security.api_key if spec.runtime else None
    for path, target, secret in own:
        if posixpath.normpath(target) != wanted:
            continue
        if named.what == "the API key" and key is not None and secret == key.secret:
            continue  # the same secret at the same path: one file
        yield Finding(
            path,
            f"service {named.reader!r} mounts something else at {wanted}, where the build "
            f"mounts {named.what} (named in {named.named_by}): mount it elsewhere"
            + (", or change runtime.path" if named.what == "the runtime module" else ""),
            related=((named.spec_path, f"where {named.what} comes from"),),
        )


def _patches(spec: Spec, reader: str) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The compose patches of a container: its service's `x-compose`, then the file's."""
    service = spec.services.get(reader)
    if service is not None and service.x_compose:
        yield ("services", reader, "x-compose"), service.x_compose
    top = spec.x_compose.get("services")
    patch = top.get(reader) if isinstance(top, dict) else None
    if isinstance(patch, dict):
        yield ("x-compose", "services", reader), patch


def _delivery_keys(spec: Spec, named: delivery.NamedFile) -> tuple[str, ...]:
    if named.reader != delivery.PROMETHEUS:
        return _KEYS_OF_FILES.get(named.what, ())
    secret = posixpath.basename(named.path)
    source = spec.secrets.get(secret)
    return (
        ("secrets",) if source is not None and source.file is not None else ("entrypoint", "tmpfs")
    )


def _kept(key: str, value: Any, named: delivery.NamedFile) -> bool:
    """Whether a replacing list of `key` still mounts something at the file's path."""
    if not isinstance(value, list):
        return False
    for item in value:
        target: object
        if key == "volumes" and isinstance(item, str):
            parts = item.split(":")
            target = parts[1] if len(parts) > 1 else parts[0]
        elif key == "secrets" and isinstance(item, str | dict):
            source = item if isinstance(item, str) else item.get("source")
            target_value = None if isinstance(item, str) else item.get("target")
            if not isinstance(source, str) or not isinstance(target_value, str | None):
                continue
            target = _secret_target(target_value, source)
        elif isinstance(item, dict):
            target = item.get("target")
        else:
            continue
        if isinstance(target, str) and posixpath.normpath(target) == named.path:
            return True
    return False


def _patched_away(spec: Spec, named: delivery.NamedFile) -> Iterator[Finding]:
    """An `x-compose` patch that replaces or removes the key holding the mount."""
    for at, patch in _patches(spec, named.reader):
        for key in _delivery_keys(spec, named):
            if key not in patch or isinstance(patch[key], dict) or _kept(key, patch[key], named):
                continue
            how = "removes" if patch[key] is None else "replaces"
            yield Finding(
                (*at, key),
                f"this x-compose {how} `{key}` of {named.reader!r}, and with it the mount of "
                f"{named.what} at {named.path} (named in {named.named_by}): leave `{key}` "
                "to the typed keys, or keep a mount at that path in it",
                on_key=True,
                related=((named.spec_path, f"where {named.what} comes from"),),
            )


def _variables(spec: Spec) -> Iterator[Finding]:
    """`PYTHONPATH` without `runtime.path`, and variables the build sets for the key."""
    runtime = spec.runtime
    service: Service | None = spec.services.get(runtime.service) if runtime else None
    if runtime is None or service is None or not service.enabled:
        return
    env = service.environment
    value = env.get(delivery.PYTHONPATH)
    at: Path = ("services", runtime.service, "environment")
    if isinstance(value, str | int) and not references(str(value)):
        folders = {posixpath.normpath(part) for part in str(value).split(":") if part}
        if posixpath.normpath(runtime.path) not in folders:
            yield Finding(
                (*at, delivery.PYTHONPATH),
                f"PYTHONPATH of {runtime.service!r} leaves out {runtime.path}, where the "
                f"runtime module {runtime.module} is mounted, so it cannot be imported: add "
                f"{runtime.path} to it, or leave PYTHONPATH to the build",
                related=((("runtime",), "the runtime module and its path"),),
            )
    if runtime.security.api_key is None:
        return
    for var in (delivery.RUNTIME_API_KEY_VAR, delivery.RUNTIME_API_KEY_FILE_VAR):
        if var in env:
            yield Finding(
                (*at, var),
                f"{var} of {runtime.service!r} is set by the build from "
                "runtime.security.api_key (the key the runtime module and Prometheus use): "
                "remove it here",
                on_key=True,
                related=((("runtime", "security", "api_key"), "the runtime API key"),),
            )
