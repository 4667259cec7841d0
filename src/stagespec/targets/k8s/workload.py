"""Deployments, StatefulSets and Services: one workload per enabled service of the spec.

- A service that mounts a named volume is a StatefulSet with one `volumeClaimTemplates`
  entry per named volume (ReadWriteOnce, `STORAGE_REQUEST` each: the spec has no size)
  and `serviceName` set to its own ClusterIP Service; any other service is a Deployment.
  Both run one replica, as compose does.
- The Service has the container ports under the same numbers, so `postgres:5432` and
  the other addresses written for compose keep working; a StatefulSet without ports gets
  a headless Service, which it needs as its governing Service.
- `command` becomes the container's `args`: compose's command replaces the image's CMD
  and keeps its ENTRYPOINT, as `args` does (`entrypoint` is `command`; see `container`
  for every other key of a service). Every `$` of a command or env value is written `$$`:
  the kubelet expands `$(NAME)` there, and `$$` is its literal `$`.
- The healthcheck becomes both the readiness and the liveness probe (`exec`), with
  compose's defaults (30s interval and timeout, 3 retries) where the spec sets none.
  Unlike compose, Kubernetes restarts a container whose liveness probe keeps failing.
- `memory` is the memory limit and the request: a request equal to the limit keeps the
  scheduler from placing more than the node holds.
- Secrets reach variables by `secretKeyRef` to a Secret named after the spec secret;
  values are never written. The runtime service gets its API key as compose gives it
  (`plan.delivery`): an env-sourced secret as `API_KEY`, a file-sourced one as a file at
  `/run/secrets/<secret>` (a Secret volume) named by `API_KEY_FILE`; and `PYTHONPATH` is
  `runtime.path` unless its `environment` sets it. Pods get no service-account token and
  no service links (compose sets neither; service links would add variables such as
  `REDIS_PORT`).
- A secret variable (`variables.NAME.secret`) comes to the container as env `NAME` from
  the Secret named after it (`plan.secretvars`), first in `env`, and is referenced as
  `$(NAME)` in the command, args and env values that use it (the kubelet expands a
  reference to an earlier env entry) and as `${NAME}` in a shell healthcheck. An exec-form
  healthcheck cannot expand it: that is an error.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stagespec.model.spec import Healthcheck, SecretRef, Service, Spec
from stagespec.plan import delivery, secretvars
from stagespec.targets.compose.secrets import image_repository
from stagespec.targets.k8s.config import ConfigMap, mounted
from stagespec.targets.k8s.container import (
    container_head,
    container_tail,
    escaped,
    extra_volumes,
    pod_fields,
    pod_metadata,
    secret_target,
)
from stagespec.targets.k8s.names import (
    SECRET_KEY,
    ContainerPort,
    K8sError,
    app_name,
    labels,
    memory_quantity,
    metadata,
    object_name,
    secret_name,
    selector,
    variable_secret_name,
    whole_seconds,
)

STORAGE_REQUEST = "1Gi"
PLACEHOLDER_TAG = "unset"
"""Tag of a `build:` service's image until an overlay sets it (kustomize `images:`)."""

_COMPOSE_DEFAULTS = {"interval": 30, "timeout": 30, "retries": 3}  # docker's own defaults
# An ext4 volume's root holds `lost+found`, and initdb refuses a non-empty directory:
# the postgres image's documentation asks for PGDATA in a subdirectory of the mount.
_POSTGRES_DATA = "/var/lib/postgresql/data"


@dataclass(frozen=True)
class Workload:
    """One component's pod, before it becomes a Deployment or StatefulSet and a Service."""

    component: str
    app: str
    container: dict[str, Any]
    ports: tuple[ContainerPort, ...] = ()
    claims: tuple[str, ...] = ()
    volumes: tuple[dict[str, Any], ...] = ()
    pod: Mapping[str, Any] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    """The pod template's labels besides the generated ones (from the spec's `labels`)."""


def build_image(project: str, component: str) -> str:
    """The placeholder image name of a `build:` service: compose v2's name for the build."""
    return f"{object_name(project, 'project')}-{component}"


def probe_command(test: str | list[str]) -> list[str] | None:
    """A compose healthcheck test as an exec probe's command; None for `NONE` or empty."""
    if isinstance(test, str):
        return ["sh", "-c", test]
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD-SHELL":
        return ["sh", "-c", " ".join(test[1:])]
    return list(test[1:]) if test[0] == "CMD" else list(test)


def probes(check: Healthcheck | None) -> dict[str, Any]:
    """`readinessProbe` and `livenessProbe` from a healthcheck; nothing without a command."""
    test = check.test if check is not None else None
    command = probe_command(test) if test is not None else None
    if check is None or command is None:
        return {}
    probe: dict[str, Any] = {"exec": {"command": command}}
    if check.start_period is not None:
        probe["initialDelaySeconds"] = whole_seconds(check.start_period, minimum=0)
    interval, timeout = check.interval, check.timeout
    probe["periodSeconds"] = whole_seconds(interval) if interval else _COMPOSE_DEFAULTS["interval"]
    probe["timeoutSeconds"] = whole_seconds(timeout) if timeout else _COMPOSE_DEFAULTS["timeout"]
    probe["failureThreshold"] = check.retries or _COMPOSE_DEFAULTS["retries"]
    liveness = {**probe, "exec": {"command": list(command)}}  # nothing shared between them
    return {"readinessProbe": probe, "livenessProbe": liveness}


def secret_variable(var: str, secret: str) -> dict[str, Any]:
    """An env entry that reads spec secret `secret` from its Secret, by name only."""
    ref = {"name": secret_name(secret), "key": SECRET_KEY}
    return {"name": var, "valueFrom": {"secretKeyRef": ref}}


def _text(value: str | int | bool | Decimal) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def env_entries(spec: Spec, name: str, service: Service) -> list[dict[str, Any]]:
    """The container's `env`: plain values, and secrets by reference; null values are left out."""
    entries: dict[str, dict[str, Any]] = {}
    for var, value in service.environment.items():
        if isinstance(value, SecretRef):
            entries[var] = secret_variable(var, value.secret)
        elif value is not None:  # null passes a host variable through: no such thing here
            entries[var] = {"name": var, "value": escaped(_text(value))}
    runtime = spec.runtime
    key = runtime.security.api_key if runtime and runtime.service == name else None
    if key is not None and (key_var := delivery.api_key_variable(spec)) is not None:
        entries[key_var] = secret_variable(key_var, key.secret)
    if key is not None and (key_file := delivery.api_key_file(spec)) is not None:
        file_var = delivery.RUNTIME_API_KEY_FILE_VAR
        entries[file_var] = {"name": file_var, "value": escaped(key_file)}
    if (folder := delivery.python_path(spec, name)) is not None:
        entries[delivery.PYTHONPATH] = {"name": delivery.PYTHONPATH, "value": escaped(folder)}
    if _needs_pgdata(service) and "PGDATA" not in entries:
        entries["PGDATA"] = {"name": "PGDATA", "value": f"{_POSTGRES_DATA}/pgdata"}
    return list(entries.values())


def _needs_pgdata(service: Service) -> bool:
    if service.image is None or image_repository(service.image) != "postgres":
        return False
    return any(m.is_named and m.target.rstrip("/") == _POSTGRES_DATA for m in service.volumes)


def volume_mounts(service: Service) -> list[dict[str, Any]]:
    """Mounts of the service's named volumes; bind mounts have no equivalent (see notes)."""
    mounts = []
    for mount in service.volumes:
        if mount.is_named:
            entry: dict[str, Any] = {"name": object_name(mount.source, "volume")}
            entry["mountPath"] = mount.target
            if mount.read_only:
                entry["readOnly"] = True
            mounts.append(entry)
    return mounts


def resources(service: Service) -> dict[str, Any]:
    """`resources` from `memory`: the limit, and an equal request."""
    if service.memory is None:
        return {}
    quantity = memory_quantity(service.memory)
    return {"resources": {"limits": {"memory": quantity}, "requests": {"memory": quantity}}}


API_KEY_VOLUME = "runtime-api-key"


def delivered_files(
    spec: Spec, name: str, configs: list[ConfigMap]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pod `volumes` and container `volumeMounts` of the files the build delivers to
    service `name`: its ConfigMaps that are files (the runtime module) and a file-sourced
    runtime API key, each read-only and by `subPath`."""
    volumes, mounts = mounted(configs)
    key = spec.runtime.security.api_key if spec.runtime and spec.runtime.service == name else None
    path = delivery.api_key_file(spec) if key is not None else None
    own = [secret_target(m.target, m.secret) for m in spec.services[name].secrets]
    if key is not None and path is not None and path not in own:
        file = posixpath.basename(path)
        items = [{"key": SECRET_KEY, "path": file}]
        secret = {"secretName": secret_name(key.secret), "items": items}
        volumes.append({"name": API_KEY_VOLUME, "secret": secret})
        mount = {"name": API_KEY_VOLUME, "mountPath": path, "subPath": file, "readOnly": True}
        mounts.append(mount)
    return volumes, mounts


def service_workload(
    spec: Spec,
    name: str,
    component: str,
    ports: list[ContainerPort],
    settings: str | None,
    configs: list[ConfigMap] | None = None,
) -> Workload:
    """The workload of enabled spec service `name`; `settings` names its ConfigMap, if any,
    and `configs` are its ConfigMaps (those that are files are mounted)."""
    service = spec.services[name]
    image = service.image or f"{build_image(spec.project, component)}:{PLACEHOLDER_TAG}"
    container: dict[str, Any] = {"name": component, "image": image}
    container |= container_head(service)
    if ports:
        container["ports"] = [port.container() for port in ports]
    if env := env_entries(spec, name, service):
        container["env"] = env
    if settings is not None:
        container["envFrom"] = [{"configMapRef": {"name": settings}}]
    mounts = volume_mounts(service)
    volumes, more_mounts = extra_volumes(service)
    file_volumes, file_mounts = delivered_files(spec, name, configs or [])
    volumes, more_mounts = volumes + file_volumes, more_mounts + file_mounts
    if mounts or more_mounts:
        container["volumeMounts"] = mounts + more_mounts
    container |= resources(service) | probes(service.healthcheck) | container_tail(service)
    _secret_variables(spec, name, container)
    claims = tuple(dict.fromkeys(mount["name"] for mount in mounts))
    app = app_name(service.image, component)
    pod_labels, pod_annotations = pod_metadata(service, set(labels(spec.project, component, app)))
    return Workload(
        component,
        app,
        container,
        tuple(ports),
        claims,
        tuple(volumes),
        pod_fields(service),
        pod_annotations,
        pod_labels,
    )


def _secret_variables(spec: Spec, name: str, container: dict[str, Any]) -> None:
    """Each secret variable's marker in `container` as a run-time reference, and the env
    entry that reads the variable from its Secret, ahead of the entries that use it."""
    used: dict[str, None] = {}  # the variables referenced, in first-use order

    def reference(shape: str) -> Callable[[str], str]:
        def made(variable: str) -> str:
            used[variable] = None
            return shape.format(variable)

        return made

    kubelet = reference("$({})")
    for key in ("command", "args"):
        if key in container:
            container[key] = [secretvars.replaced(word, kubelet) for word in container[key]]
    env: list[dict[str, Any]] = container.get("env", [])
    for index, entry in enumerate(env):
        if "value" not in entry:  # a secret's, by reference
            continue
        whole = secretvars.MARKER.fullmatch(entry["value"])
        if whole:  # `KEY: ${NAME}` reads the Secret itself
            env[index] = _secret_variable_entry(whole.group(1), entry["name"])
        else:
            entry["value"] = secretvars.replaced(entry["value"], kubelet)
    _shell_references(name, container, reference("${{{}}}"))
    if used:
        first = [_variable_entry(spec, name, variable, env) for variable in used]
        env = first + [entry for entry in env if entry["name"] not in used]
        _put_env(container, env)


def _shell_references(name: str, container: dict[str, Any], shell: Callable[[str], str]) -> None:
    """The probes' markers as shell references; K8sError for an exec-form probe's."""
    for probe in ("readinessProbe", "livenessProbe"):
        command = container.get(probe, {}).get("exec", {}).get("command")
        if command is None:
            continue
        if command[:2] == ["sh", "-c"]:
            command[:] = [secretvars.replaced(word, shell) for word in command]
        elif found := [n for word in command for n in secretvars.names(word)]:
            raise K8sError(
                f"{name}: the healthcheck uses secret variable {found[0]} in exec form, and "
                "a Kubernetes probe expands no variable; write the test as CMD-SHELL"
            )


def _variable_entry(
    spec: Spec, name: str, variable: str, env: list[dict[str, Any]]
) -> dict[str, Any]:
    """The env entry that gives the container `variable`: its own, or the one `env`
    already has when it reads a spec secret sourced from the same host variable."""
    entry = _secret_variable_entry(variable)
    by_name = {e["name"]: e for e in env}
    if variable in by_name and _same_secret(spec, variable, by_name[variable]):
        return by_name[variable]
    if by_name.get(variable, entry) != entry:
        raise K8sError(
            f"{name}: `environment` sets {variable}, and the secret variable {variable} "
            "is read into the container under that name too; rename one"
        )
    return entry


_AFTER_ENV = ("envFrom", "volumeMounts", "resources", "readinessProbe", "livenessProbe")


def _put_env(container: dict[str, Any], env: list[dict[str, Any]]) -> None:
    """`env` into `container`, where it is when the service sets an environment."""
    items = [(key, value) for key, value in container.items() if key != "env"]
    at = next((i for i, (key, _) in enumerate(items) if key in _AFTER_ENV), len(items))
    container.clear()
    container.update(items[:at])
    container["env"] = env
    container.update(items[at:])


def _secret_variable_entry(variable: str, name: str | None = None) -> dict[str, Any]:
    """Env entry `name` (default: the variable's) read from secret variable `variable`."""
    ref = {"name": variable_secret_name(variable), "key": SECRET_KEY}
    return {"name": name or variable, "valueFrom": {"secretKeyRef": ref}}


def _same_secret(spec: Spec, variable: str, entry: Mapping[str, Any]) -> bool:
    """Whether env `entry` reads a spec secret sourced from host variable `variable`."""
    ref = entry.get("valueFrom", {}).get("secretKeyRef", {})
    return any(
        secret_name(secret) == ref.get("name") and source.env == variable
        for secret, source in spec.secrets.items()
    )


def objects(project: str, workload: Workload) -> list[dict[str, Any]]:
    """The Service (when there is one) and the Deployment or StatefulSet of a workload."""
    object_labels = labels(project, workload.component, workload.app)
    spec: dict[str, Any] = {
        "replicas": 1,
        "selector": {"matchLabels": selector(project, workload.component)},
        "template": _template(workload, object_labels),
    }
    if workload.claims:
        claims = [_claim(claim, object_labels) for claim in workload.claims]
        spec = {"serviceName": workload.component, **spec, "volumeClaimTemplates": claims}
    kind = "StatefulSet" if workload.claims else "Deployment"
    found = [_service(project, workload, object_labels)]
    found.append(
        {
            "apiVersion": "apps/v1",
            "kind": kind,
            "metadata": metadata(workload.component, object_labels),
            "spec": spec,
        }
    )
    return [item for item in found if item]


def _template(workload: Workload, object_labels: Mapping[str, str]) -> dict[str, Any]:
    pod: dict[str, Any] = {"automountServiceAccountToken": False, "enableServiceLinks": False}
    pod |= dict(workload.pod)
    pod["containers"] = [workload.container]
    if workload.volumes:
        pod["volumes"] = list(workload.volumes)
    meta: dict[str, Any] = {"labels": dict(object_labels) | dict(workload.labels)}
    if workload.annotations:
        meta["annotations"] = dict(workload.annotations)
    return {"metadata": meta, "spec": pod}


def _claim(name: str, object_labels: Mapping[str, str]) -> dict[str, Any]:
    return {
        "metadata": metadata(name, object_labels),
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": STORAGE_REQUEST}},
        },
    }


def _service(project: str, workload: Workload, object_labels: Mapping[str, str]) -> dict[str, Any]:
    if not workload.ports and not workload.claims:
        return {}
    spec: dict[str, Any] = {"type": "ClusterIP"}
    if workload.ports:
        spec["ports"] = [port.service() for port in workload.ports]
    else:  # a StatefulSet's governing Service, with nothing to balance
        spec["clusterIP"] = "None"
    spec["selector"] = selector(project, workload.component)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(workload.component, object_labels),
        "spec": spec,
    }
