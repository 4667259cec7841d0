"""docker-compose.yml: the services, network, volumes and secrets of the stack.

The file is valid for both the compose-spec schema and docker-compose 1.29, which CI
runs. 1.29 rejects a top-level `name:`, so the project name is `COMPOSE_PROJECT_NAME`
in the generated `.env`, which both compose v1 and v2 read from the project directory.
Every string taken from the spec has its `$` doubled, so a value can never interpolate;
the only interpolations are the `${VAR:?...}` of env-sourced secrets (compose_secrets).

The compose target's emitter; `target` is what `build --target compose` runs. May import
plan, model, the other targets and the bottom modules; never rules, engine or cli.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Any

from stagespec.model.spec import Build, Healthcheck, SecretRef, Service, Spec
from stagespec.model.values import VolumeMount
from stagespec.plan.inputs import BuildInput
from stagespec.targets.base import header
from stagespec.targets.compose.monitoring import (
    GRAFANA,
    PROMETHEUS,
    grafana_service,
    prometheus_service,
)
from stagespec.targets.compose.secrets import (
    RUNTIME_API_KEY_VAR,
    ComposeError,
    enabled,
    file_secrets,
    secret_env,
)
from stagespec.targets.compose.yaml import Quoted, dump
from stagespec.targets.source_path import with_printable_source

NAME = "compose"
FILENAME = "docker-compose.yml"
ENV_FILE = ".env"
_TEST_KINDS = ("CMD", "CMD-SHELL", "NONE")


def dropped_dependencies(spec: Spec) -> list[tuple[str, str]]:
    """(service, dependency) pairs left out of `depends_on` because the dependency is disabled."""
    return [
        (name, dep)
        for name in enabled(spec)
        for dep in spec.services[name].depends_on
        if dep in spec.services and not spec.services[dep].enabled
    ]


def _healthcheck(check: Healthcheck) -> dict[str, Any]:
    test = ["CMD-SHELL", check.test] if isinstance(check.test, str) else list(check.test)
    if test and test[0] not in _TEST_KINDS:
        test.insert(0, "CMD")
    data: dict[str, Any] = {"test": test}
    for key in ("interval", "timeout", "start_period"):
        value = getattr(check, key)
        if value is not None:
            data[key] = value.render()
    if check.retries is not None:
        data["retries"] = check.retries
    return data


def _build(build: str | Build, spec_dir: str) -> dict[str, str]:
    if isinstance(build, str):
        return {"context": _rebase(build, spec_dir)}
    data = {"context": _rebase(build.context, spec_dir)}
    if build.dockerfile is not None:
        data["dockerfile"] = build.dockerfile
    return data


def _scalar(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    # null stays null: compose then passes the variable through from its own environment.
    return None if value is None else str(value)


def _environment(spec: Spec, name: str, service: Service) -> tuple[dict[str, Any], list[str]]:
    env: dict[str, Any] = {}
    mounts: list[str] = []
    refs: list[tuple[str, SecretRef]] = []
    for var, value in service.environment.items():
        if isinstance(value, SecretRef):
            refs.append((var, value))
        else:
            env[var] = _scalar(value)
    if spec.runtime and spec.runtime.service == name and spec.runtime.security.api_key:
        refs.append((RUNTIME_API_KEY_VAR, spec.runtime.security.api_key))
    for var, ref in refs:
        secret = secret_env(spec, service.image, var, ref)
        env[secret.name] = secret.value
        if secret.mount and secret.mount not in mounts:
            mounts.append(secret.mount)
    return env, mounts


def _depends_on(spec: Spec, service: Service) -> dict[str, dict[str, str]]:
    deps: dict[str, dict[str, str]] = {}
    for dep in service.depends_on:
        target = spec.services.get(dep)
        if target is None or not target.enabled:
            continue
        healthy = target.healthcheck is not None
        deps[dep] = {"condition": "service_healthy" if healthy else "service_started"}
    return deps


def _service(spec: Spec, name: str, service: Service, spec_dir: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if service.image is not None:
        data["image"] = service.image
    if service.build is not None:
        data["build"] = _build(service.build, spec_dir)
    if service.command is not None:
        data["command"] = service.command
    if service.ports:
        data["ports"] = [Quoted(port.render()) for port in service.ports]
    if spec.runtime and spec.runtime.service == name:
        # The runtime settings of the generated .env reach the service as variables.
        data["env_file"] = [ENV_FILE]
    env, mounts = _environment(spec, name, service)
    if env:
        data["environment"] = env
    if service.volumes:
        data["volumes"] = [_mount(mount, spec_dir) for mount in service.volumes]
    if mounts:
        data["secrets"] = mounts
    if service.healthcheck is not None:
        data["healthcheck"] = _healthcheck(service.healthcheck)
    if deps := _depends_on(spec, service):
        data["depends_on"] = deps
    if service.memory is not None:
        # mem_limit, not deploy.resources: 1.29 applies it without --compatibility.
        data["mem_limit"] = service.memory.render()
    data["restart"] = service.restart
    return data


def _services(spec: Spec, spec_dir: str) -> dict[str, dict[str, Any]]:
    services = {name: _service(spec, name, spec.services[name], spec_dir) for name in enabled(spec)}
    monitoring = spec.monitoring
    extra: dict[str, dict[str, Any]] = {}
    if monitoring and monitoring.prometheus:
        extra[PROMETHEUS] = prometheus_service(spec, monitoring.prometheus)
    if monitoring and monitoring.grafana:
        extra[GRAFANA] = grafana_service(spec, monitoring.grafana)
    for name, service in extra.items():
        if name in spec.services:
            raise ComposeError(
                f"service {name!r} clashes with the {name} of `monitoring`; rename the service"
            )
        services[name] = service | {"restart": "unless-stopped"}
    if spec.network is not None:
        for service in services.values():
            service["networks"] = [spec.network.name]
    return services


def _volumes(spec: Spec, services: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    names = list(spec.volumes)
    for service in services.values():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if not source.startswith((".", "/")) and source not in names:
                names.append(source)
    volumes: dict[str, dict[str, str]] = {}
    for name in names:
        volume = spec.volumes.get(name)
        volumes[name] = {"driver": volume.driver} if volume and volume.driver else {}
    return volumes


def compose_data(spec: Spec, spec_dir: str = ".") -> dict[str, Any]:
    """The compose file as data, before `$` escaping (`compose_yaml.dump` does that).

    `spec_dir` is the spec's folder seen from the output folder: build contexts, bind
    mounts and secret files written relative to the spec are rebased onto it.
    """
    services = _services(spec, spec_dir)
    data: dict[str, Any] = {"services": services}
    if spec.network is not None:
        data["networks"] = {spec.network.name: {"driver": spec.network.driver}}
    if volumes := _volumes(spec, services):
        data["volumes"] = volumes
    if secrets := file_secrets(spec):
        data["secrets"] = {
            name: {"file": _rebase(source["file"], spec_dir)} for name, source in secrets.items()
        }
    return data


def _rebase(path: str, spec_dir: str) -> str:
    """A spec-relative path as seen from the folder the compose file is written to."""
    if posixpath.isabs(path) or spec_dir == ".":
        return path
    joined = posixpath.normpath(posixpath.join(spec_dir, path))
    return joined if joined.startswith("../") else f"./{joined}"


def _mount(mount: VolumeMount, spec_dir: str) -> str:
    if mount.is_named:
        return mount.render()
    return replace(mount, source=_rebase(mount.source, spec_dir)).render()


def render(build: BuildInput) -> dict[str, bytes]:
    """docker-compose.yml for one environment."""
    build = with_printable_source(build)
    body = dump(compose_data(build.spec, build.spec_dir))
    note = "# project name: COMPOSE_PROJECT_NAME in .env (docker-compose 1.29 rejects `name:`)\n"
    return {FILENAME: (header(build) + note + body).encode("utf-8")}
