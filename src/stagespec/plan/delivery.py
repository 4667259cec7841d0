"""What reaches the runtime service and Prometheus as files, and as which variables.

One place for what the generated files name, so that the compose and Kubernetes targets
mount it and rule SS505 checks it from the same source:

- the runtime module, `<runtime.path>/<runtime.module>.py` in `runtime.service`; its folder
  is on the import path through `PYTHONPATH`, set to `runtime.path` only when the
  service's `environment` does not set `PYTHONPATH` itself (the spec's value is kept as it
  is: compose and Kubernetes can only replace a variable, never add to it);
- the runtime API key (`runtime.security.api_key`): a file-sourced secret is a file at
  `/run/secrets/<secret>` (the module's `API_KEY_SECRET_FILE`, and `API_KEY_FILE` names it);
  an env-sourced one is the variable `API_KEY` (the module's `API_KEY_ENV`). An env-sourced
  secret is never turned into a file for the service: compose's `secrets: {environment:}`
  source is compose v2 only, and docker-compose 1.29 refuses the whole file with it;
- Prometheus's scrape keys, one file each at `/run/secrets/<secret>`.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from stagespec.model.spec import SecretSource, Spec

SECRETS_DIR = "/run/secrets"
RUNTIME_API_KEY_VAR = "API_KEY"
"""The variable that gives the runtime service an env-sourced `runtime.security.api_key`."""
RUNTIME_API_KEY_FILE_VAR = "API_KEY_FILE"
"""The variable naming the file of a file-sourced `runtime.security.api_key`."""
PYTHONPATH = "PYTHONPATH"
PROMETHEUS = "prometheus"
"""The container that reads the scrape keys (the Prometheus of `monitoring`)."""


@dataclass(frozen=True)
class NamedFile:
    """A file a generated file names, at `path` in the container of `reader`."""

    path: str
    reader: str
    """A spec service, or `prometheus` for the Prometheus of `monitoring`."""
    what: str
    named_by: str
    """The generated file that names it (for messages)."""
    spec_path: tuple[str | int, ...]
    """Where in the spec it comes from."""


def module_path(spec: Spec) -> str | None:
    """`<runtime.path>/<runtime.module>.py`, or None without `runtime`."""
    runtime = spec.runtime
    if runtime is None:
        return None
    return posixpath.join(runtime.path, f"{runtime.module}.py")


def secret_file(secret: str) -> str:
    """Where a secret delivered as a file is, in the container that reads it."""
    return f"{SECRETS_DIR}/{secret}"


def _api_key_source(spec: Spec) -> tuple[str, SecretSource] | None:
    """The runtime API key's secret and its declaration, when both exist."""
    key = spec.runtime.security.api_key if spec.runtime else None
    source = spec.secrets.get(key.secret) if key else None
    return None if key is None or source is None else (key.secret, source)


def api_key_file(spec: Spec) -> str | None:
    """The file holding the runtime API key, when its secret is file-sourced."""
    found = _api_key_source(spec)
    return secret_file(found[0]) if found and found[1].file is not None else None


def api_key_variable(spec: Spec) -> str | None:
    """`API_KEY` when the runtime API key arrives as a variable (an env-sourced secret)."""
    found = _api_key_source(spec)
    return RUNTIME_API_KEY_VAR if found and found[1].env is not None else None


def python_path(spec: Spec, service: str) -> str | None:
    """The `PYTHONPATH` the build sets on `service`: `runtime.path` for the runtime
    service, unless its `environment` sets `PYTHONPATH` (the spec's own value wins)."""
    runtime = spec.runtime
    own = spec.services.get(service)
    if runtime is None or runtime.service != service or own is None:
        return None
    return None if PYTHONPATH in own.environment else runtime.path


def _scrape_key_users(spec: Spec) -> dict[str, str]:
    """Each secret Prometheus reads as a file, with the first enabled service scraped with it."""
    if spec.monitoring is None or spec.monitoring.prometheus is None:
        return {}
    found: dict[str, str] = {}
    for name, service in spec.services.items():
        key = service.metrics.api_key if service.enabled and service.metrics else None
        if key is not None:
            found.setdefault(key.secret, name)
    return found


def scrape_keys(spec: Spec) -> list[str]:
    """The secrets Prometheus reads as files to scrape protected `/metrics` endpoints."""
    return list(_scrape_key_users(spec))


def named_files(spec: Spec, module_file: str) -> list[NamedFile]:
    """Every file a generated file names, with the container that must have it mounted.

    `module_file` is the runtime module's file name, as the output names it.
    """
    found: list[NamedFile] = []
    runtime = spec.runtime
    host = spec.services.get(runtime.service) if runtime else None
    if runtime is not None and host is not None and host.enabled:
        where = "the compose file and the manifests"
        path = module_path(spec) or ""
        found.append(NamedFile(path, runtime.service, "the runtime module", where, ("runtime",)))
        if key_file := api_key_file(spec):
            key_at = ("runtime", "security", "api_key")
            found.append(NamedFile(key_file, runtime.service, "the API key", module_file, key_at))
    for secret, name in _scrape_key_users(spec).items():  # one file per secret, at first use
        what = f"the scrape key of {name!r}"
        at = ("services", name, "metrics", "api_key")
        found.append(NamedFile(secret_file(secret), PROMETHEUS, what, "prometheus.yml", at))
    return found
