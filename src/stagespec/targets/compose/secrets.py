"""How secrets reach compose services without their values ever being written.

docker-compose 1.29 (Debian's, which CI runs) rejects compose-spec's
`secrets: {name: {environment: VAR}}` and has no other way to turn an environment
variable into a file, so the representation depends on where the secret comes from:

- `{file: path}`: a top-level compose secret, mounted at `/run/secrets/<name>`; the
  variable becomes its `_FILE` variant (`POSTGRES_PASSWORD_FILE`, `GF_..__FILE`).
- `{env: VAR}`: the variable is set by interpolation, `${VAR:?VAR is required}`, so
  compose refuses to start when VAR is unset or empty and the file holds only the name.

A secret a service mounts as a file (its `secrets:` list) is a top-level compose secret:
`{file: path}`, or `{environment: VAR}` for an env-sourced one (compose-spec; a file that
uses it is for compose v2 only).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from stagespec.model.spec import SecretRef, SecretSource, Spec
from stagespec.plan import delivery
from stagespec.targets.compose.yaml import ComposeError as ComposeError
from stagespec.targets.compose.yaml import required

SECRETS_DIR = delivery.SECRETS_DIR

RUNTIME_API_KEY_VAR = delivery.RUNTIME_API_KEY_VAR
"""The variable that gives the runtime service its `runtime.security.api_key`: `API_KEY`,
or `API_KEY_FILE` naming its file for a file-sourced secret (`plan.delivery`)."""

GRAFANA_PASSWORD_VAR = "GF_SECURITY_ADMIN_PASSWORD"

# Images whose entrypoint reads a variable's value from the file named by a `_FILE`
# variant. Keyed by repository without registry or tag; a name ending in `*` is a prefix.
# postgres, mysql, mariadb: `file_env` in the docker-library entrypoints.
# grafana: its run.sh reads every `GF_<X>__FILE` (two underscores).
# Images not listed still get `VAR_FILE` for file-sourced secrets: the service has to
# read it (the generated runtime module does); compose cannot inject the value otherwise.
_FILE_VARIANTS: dict[str, tuple[tuple[str, ...], str]] = {
    "postgres": (("POSTGRES_PASSWORD", "POSTGRES_USER", "POSTGRES_DB"), "_FILE"),
    "mysql": (("MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD", "MYSQL_USER", "MYSQL_DATABASE"), "_FILE"),
    "mariadb": (("MARIADB_*", "MYSQL_ROOT_PASSWORD", "MYSQL_PASSWORD", "MYSQL_USER"), "_FILE"),
    "grafana/grafana": (("GF_*",), "__FILE"),
    "grafana/grafana-oss": (("GF_*",), "__FILE"),
    "grafana/grafana-enterprise": (("GF_*",), "__FILE"),
}


def image_repository(image: str) -> str:
    """`docker.io/library/postgres:15@sha256:..` -> `postgres`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last) + last.index(":")]
    for prefix in ("docker.io/", "index.docker.io/", "library/"):
        name = name.removeprefix(prefix)
    return name


def file_variant(image: str | None, var: str) -> str:
    """The variable that names the file holding `var`'s value for this image."""
    names, suffix = _FILE_VARIANTS.get(image_repository(image or ""), ((), "_FILE"))
    for name in names:
        if var == name or (name.endswith("*") and var.startswith(name[:-1])):
            return var + suffix
    return var + "_FILE"


def source_of(spec: Spec, ref: SecretRef) -> SecretSource:
    """The declared source of a referenced secret."""
    source = spec.secrets.get(ref.secret)
    if source is None:
        raise ComposeError(f"secret {ref.secret!r} is used but not declared under `secrets`")
    return source


@dataclass(frozen=True)
class SecretEnv:
    """One secret-valued variable as compose sets it."""

    name: str
    value: str
    mount: str | None = None
    """The compose secret to mount, for file-sourced secrets."""


def secret_env(spec: Spec, image: str | None, var: str, ref: SecretRef) -> SecretEnv:
    """`var: {secret: ref}` as a `_FILE` path (file source) or an interpolation (env source)."""
    source = source_of(spec, ref)
    if source.env is not None:
        return SecretEnv(var, required(source.env))
    return SecretEnv(file_variant(image, var), delivery.secret_file(ref.secret), ref.secret)


def enabled(spec: Spec) -> Iterator[str]:
    """Names of the services compose runs, in spec order."""
    return (name for name, service in spec.services.items() if service.enabled)


def metrics_keys(spec: Spec) -> list[SecretRef]:
    """The secrets Prometheus needs as files to scrape protected `/metrics` endpoints."""
    if spec.monitoring is None or spec.monitoring.prometheus is None:
        return []
    refs: list[SecretRef] = []
    for name in enabled(spec):
        metrics = spec.services[name].metrics
        if metrics and metrics.api_key and metrics.api_key not in refs:
            refs.append(metrics.api_key)
    return refs


def _mounted(spec: Spec) -> Iterator[SecretRef]:
    """The secrets services mount as files under `secrets:`."""
    for name in enabled(spec):
        for mount in spec.services[name].secrets:
            yield SecretRef.model_construct(secret=mount.secret)


def _used_refs(spec: Spec) -> Iterator[SecretRef]:
    for name in enabled(spec):
        service = spec.services[name]
        for value in service.environment.values():
            if isinstance(value, SecretRef):
                yield value
        if spec.runtime and spec.runtime.service == name and spec.runtime.security.api_key:
            yield spec.runtime.security.api_key
        for mount in service.secrets:
            yield SecretRef.model_construct(secret=mount.secret)
    if spec.monitoring and spec.monitoring.grafana:
        yield spec.monitoring.grafana.admin_password
    yield from metrics_keys(spec)


def required_variables(spec: Spec) -> list[tuple[str, str]]:
    """(host variable, secret) for every env-sourced secret the compose file interpolates."""
    found: dict[str, str] = {}
    for ref in _used_refs(spec):
        source = source_of(spec, ref)
        if source.env is not None:
            found.setdefault(source.env, ref.secret)
    return list(found.items())


def file_secrets(spec: Spec) -> dict[str, dict[str, str]]:
    """Top-level compose `secrets:`: the file-sourced secrets some service mounts, and the
    env-sourced ones a service mounts as a file (`secrets:` of the service), which compose
    v2 reads from the variable (`environment: VAR`; docker-compose 1.29 has no such key)."""
    mounted = {ref.secret for ref in _mounted(spec)}
    declared: dict[str, dict[str, str]] = {}
    for ref in _used_refs(spec):
        source = source_of(spec, ref)
        if source.file is not None:
            declared.setdefault(ref.secret, {"file": source.file})
        elif source.env is not None and ref.secret in mounted:
            declared.setdefault(ref.secret, {"environment": source.env})
    return declared
