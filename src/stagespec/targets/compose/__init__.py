"""docker-compose.yml: the services, networks, volumes and secrets of the stack.

Every generated file is valid for the compose-spec schema (compose v2, the authority);
one that uses nothing newer (the reference stack's) is also valid for docker-compose
1.29, which CI runs. 1.29 rejects a top-level `name:`, so the project name is
`COMPOSE_PROJECT_NAME` in the generated `.env`, which both compose v1 and v2 read from
the project directory.

Every string taken from the spec goes through `compose.yaml.compose_text`: a `${NAME}`
reference to a declared variable becomes compose interpolation (`${NAME:-default}`, ...),
and every other `$` is doubled, so nothing else interpolates; the only other
interpolations are the `${VAR:?...}` of env-sourced secrets (compose_secrets).

Each key of a service is written as compose means it, and only when the spec sets it:
booleans (`privileged`, `read_only`, `init`, `stdin_open`, `tty`) only when true, and
`restart` not when it is `no`, compose's own default (stagespec's default is still
`unless-stopped`, written as before). `x-compose` of a service is merged last into its
entry, and the spec's `x-compose` last into the file: mappings merge key by key, any other
value replaces, and a null removes the key.

Networks: with `network:` (one network) every service joins it, as before; with
`networks:`, a service joins the networks it lists, and one that lists none joins
compose's `default` network, for which nothing is written. Prometheus joins every network
of a service it scrapes (and `default`, where Grafana is), so that it reaches each one.

The compose target's emitter; `target` is what `build --target compose` runs. May import
plan, model, the other targets and the bottom modules; never rules, engine or cli.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Any

from stagespec.model.spec import (
    Build,
    Healthcheck,
    NetworkDef,
    SecretRef,
    Service,
    ServiceNetwork,
    Spec,
    Volume,
)
from stagespec.model.values import REFERENCE, VolumeMount, references
from stagespec.plan import delivery
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
from stagespec.targets.compose.yaml import (
    Quoted,
    Raw,
    Variables,
    compose_text,
    dump,
    interpolation,
)
from stagespec.targets.source_path import with_printable_source

NAME = "compose"
FILENAME = "docker-compose.yml"
ENV_FILE = ".env"
DEFAULT_NETWORK = "default"
"""The network compose puts a service on when it lists none."""
_TEST_KINDS = ("CMD", "CMD-SHELL", "NONE")
_CONDITIONS = {
    "started": "service_started",
    "healthy": "service_healthy",
    "completed": "service_completed_successfully",
}
_FLAGS = ("privileged", "read_only", "init", "stdin_open", "tty")
_PLAIN = ("container_name", "hostname", "platform", "pull_policy")


def dropped_dependencies(spec: Spec) -> list[tuple[str, str]]:
    """(service, dependency) pairs left out of `depends_on` because the dependency is disabled."""
    return [
        (name, dep)
        for name in enabled(spec)
        for _, dep, _ in spec.services[name].dependencies()
        if dep in spec.services and not spec.services[dep].enabled
    ]


def merged(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`base` with `patch` merged in: mappings key by key, other values replace, null removes."""
    result = dict(base)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def _pairs(mapping: dict[str, str | None]) -> dict[str, str | None] | list[str]:
    """A mapping compose also takes as a `KEY=VALUE` list: the list when a key names a
    variable, since compose interpolates values and never keys."""
    if not any(references(key) for key in mapping):
        return dict(mapping)
    return [key if value is None else f"{key}={value}" for key, value in mapping.items()]


def _has_healthcheck(service: Service) -> bool:
    return service.healthcheck is not None and not service.healthcheck.disable


def _healthcheck(check: Healthcheck) -> dict[str, Any]:
    if check.test is None:
        return {"disable": True}
    test = ["CMD-SHELL", check.test] if isinstance(check.test, str) else list(check.test)
    if test and test[0] not in _TEST_KINDS:
        test.insert(0, "CMD")
    data: dict[str, Any] = {"test": test}
    for key in ("interval", "timeout", "start_period", "start_interval"):
        value = getattr(check, key)
        if value is not None:
            data[key] = value.render()
    if check.retries is not None:
        data["retries"] = check.retries
    return data


def _build(build: str | Build, spec_dir: str) -> dict[str, Any]:
    if isinstance(build, str):
        return {"context": _rebase(build, spec_dir)}
    data: dict[str, Any] = {"context": _rebase(build.context, spec_dir)}
    if build.dockerfile is not None:
        data["dockerfile"] = build.dockerfile
    if build.target is not None:
        data["target"] = build.target
    if build.args:
        data["args"] = _pairs(build.args)
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
    if (path := delivery.python_path(spec, name)) is not None:
        env[delivery.PYTHONPATH] = path
    return env, mounts


def _module_mount(spec: Spec, name: str) -> list[str]:
    """The runtime module, written next to the compose file, bound read-only into the
    runtime service at `<runtime.path>/<module>.py` (see `plan.delivery`)."""
    runtime = spec.runtime
    target = delivery.module_path(spec)
    if runtime is None or runtime.service != name or target is None:
        return []
    return [f"./{runtime.module}.py:{target}:ro"]


def _secrets(service: Service, mounts: list[str]) -> list[Any]:
    """The secrets mounted as files: by name alone, or in the long form with its options."""
    found: list[Any] = list(mounts)
    for mount in service.secrets:
        options = {
            key: getattr(mount, key)
            for key in ("target", "uid", "gid", "mode")
            if getattr(mount, key) is not None
        }
        if not options:
            if mount.secret not in found:
                found.append(mount.secret)
        else:
            found.append({"source": mount.secret, **options})
    return found


def _depends_on(spec: Spec, service: Service) -> dict[str, dict[str, Any]]:
    deps: dict[str, dict[str, Any]] = {}
    for _, name, dependency in service.dependencies():
        target = spec.services.get(name)
        if target is None or not target.enabled:
            continue
        condition = dependency.condition
        if condition == "healthy" and not _has_healthcheck(target):
            condition = "started"  # SS404 refuses it; compose could never start the service
        entry: dict[str, Any] = {"condition": _CONDITIONS[condition]}
        if dependency.restart:
            entry["restart"] = True
        if not dependency.required:
            entry["required"] = False
        deps[name] = entry
    return deps


def _service_network(network: ServiceNetwork | None) -> dict[str, Any] | None:
    if network is None:
        return None
    data: dict[str, Any] = {}
    if network.aliases:
        data["aliases"] = list(network.aliases)
    for key in ("ipv4_address", "ipv6_address"):
        if getattr(network, key) is not None:
            data[key] = getattr(network, key)
    return data


def _networks(service: Service) -> list[str] | dict[str, Any]:
    if isinstance(service.networks, list):
        return list(service.networks)
    return {name: _service_network(network) for name, network in service.networks.items()}


def _limits(service: Service, data: dict[str, Any]) -> None:
    if service.memory is not None:
        # mem_limit, not deploy.resources: 1.29 applies it without --compatibility.
        data["mem_limit"] = service.memory.render()
    if service.shm_size is not None:
        data["shm_size"] = service.shm_size.render()
    if service.pids_limit is not None:
        data["pids_limit"] = service.pids_limit
    if service.ulimits:
        data["ulimits"] = {
            name: limit if isinstance(limit, int) else {"soft": limit.soft, "hard": limit.hard}
            for name, limit in service.ulimits.items()
        }


def _lists(service: Service, data: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if value := getattr(service, key):
            data[key] = list(value)


def _service(spec: Spec, name: str, service: Service, spec_dir: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if service.image is not None:
        data["image"] = service.image
    if service.build is not None:
        data["build"] = _build(service.build, spec_dir)
    for key in _PLAIN:
        if getattr(service, key) is not None:
            data[key] = getattr(service, key)
    _lists(service, data, ("profiles",))
    if service.entrypoint is not None:
        data["entrypoint"] = service.entrypoint
    if service.command is not None:
        data["command"] = service.command
    for key in ("working_dir", "user"):
        if getattr(service, key) is not None:
            data[key] = getattr(service, key)
    if service.ports:
        data["ports"] = [Quoted(port.render()) for port in service.ports]
    _lists(service, data, ("expose",))
    env_files = [_rebase(path, spec_dir) for path in service.env_file]
    if spec.runtime and spec.runtime.service == name:
        # The runtime settings of the generated .env reach the service as variables.
        env_files.append(ENV_FILE)
    if env_files:
        data["env_file"] = list(dict.fromkeys(env_files))
    env, mounts = _environment(spec, name, service)
    if env:
        data["environment"] = env
    volumes = [_mount(m, spec_dir, spec.variables) for m in service.volumes]
    if volumes := volumes + _module_mount(spec, name):
        data["volumes"] = volumes
    _lists(service, data, ("tmpfs",))
    if secrets := _secrets(service, mounts):
        data["secrets"] = secrets
    if service.healthcheck is not None:
        data["healthcheck"] = _healthcheck(service.healthcheck)
    if deps := _depends_on(spec, service):
        data["depends_on"] = deps
    _lists(service, data, ("links",))
    if service.network_mode is not None:
        data["network_mode"] = service.network_mode
    _lists(service, data, ("extra_hosts",))
    _limits(service, data)
    _lists(service, data, ("cap_add", "cap_drop", "security_opt", "devices"))
    for key in _FLAGS:
        if getattr(service, key):
            data[key] = True
    if service.labels:
        data["labels"] = _pairs(dict(service.labels))
    if service.logging is not None:
        logging: dict[str, Any] = {}
        if service.logging.driver is not None:
            logging["driver"] = service.logging.driver
        if service.logging.options:
            logging["options"] = dict(service.logging.options)
        data["logging"] = logging
    if service.stop_signal is not None:
        data["stop_signal"] = service.stop_signal
    if service.stop_grace_period is not None:
        data["stop_grace_period"] = service.stop_grace_period.render()
    if service.restart != "no":  # compose's default: written only when it is another
        data["restart"] = service.restart
    if service.networks:
        data["networks"] = _networks(service)
    return data


def _prometheus_networks(spec: Spec) -> list[str]:
    """The networks Prometheus joins: each of a service it scrapes, and Grafana's default."""
    if not spec.networks:
        return []
    found = [DEFAULT_NETWORK]
    for name in enabled(spec):
        service = spec.services[name]
        if service.metrics is not None and service.network_mode is None:
            found.extend(service.network_names() or [DEFAULT_NETWORK])
    found = list(dict.fromkeys(found))
    return found if found != [DEFAULT_NETWORK] else []


def _services(spec: Spec, spec_dir: str) -> dict[str, dict[str, Any]]:
    services = {name: _service(spec, name, spec.services[name], spec_dir) for name in enabled(spec)}
    monitoring = spec.monitoring
    extra: dict[str, dict[str, Any]] = {}
    if monitoring and monitoring.prometheus:
        extra[PROMETHEUS] = prometheus_service(spec, monitoring.prometheus)
        if networks := _prometheus_networks(spec):
            extra[PROMETHEUS]["networks"] = networks
    if monitoring and monitoring.grafana:
        extra[GRAFANA] = grafana_service(spec, monitoring.grafana)
    for name, service in extra.items():
        if name in spec.services:
            raise ComposeError(
                f"service {name!r} clashes with the {name} of `monitoring`; rename the service"
            )
        networks = service.pop("networks", None)
        services[name] = service | {"restart": "unless-stopped"}
        if networks:
            services[name]["networks"] = networks
    if spec.network is not None:
        for name, service in services.items():
            own = spec.services.get(name)
            if own is None or (own.network_mode is None and not own.networks):
                service["networks"] = [spec.network.name]
    for name in enabled(spec):
        if extension := spec.services[name].x_compose:
            patch = _extension_paths(extension, spec_dir, spec.variables)
            services[name] = merged(services[name], patch)
    return services


def _extension_paths(
    extension: dict[str, Any], spec_dir: str, variables: Variables
) -> dict[str, Any]:
    """A service's x-compose with its bind-mount sources rebased as typed mounts are: a
    path in a spec is the spec's, wherever it is written. Other keys are left as written."""
    volumes = extension.get("volumes")
    if spec_dir == "." or not isinstance(volumes, list):
        return extension
    rebased: list[Any] = []
    for item in volumes:
        if isinstance(item, dict) and item.get("type") == "bind":
            source = item.get("source")
            if isinstance(source, str):
                mount = VolumeMount(source=source, target="/")
                text = _mount(mount, spec_dir, variables)
                rest = text.removesuffix(":/")
                item = {**item, "source": Raw(rest) if isinstance(text, Raw) else rest}
        rebased.append(item)
    return {**extension, "volumes": rebased}


def _volume_names(spec: Spec) -> list[str]:
    names = list(spec.volumes)
    for name in enabled(spec):
        for mount in spec.services[name].volumes:
            if mount.is_named:
                names.append(mount.source)
    monitoring = spec.monitoring
    for part in (monitoring.prometheus, monitoring.grafana) if monitoring else ():
        if part is not None and part.volume:
            names.append(part.volume)
    return list(dict.fromkeys(names))


def _volume(volume: Volume | None) -> dict[str, Any]:
    if volume is None:
        return {}
    data: dict[str, Any] = {}
    if volume.driver:
        data["driver"] = volume.driver
    if volume.driver_opts:
        data["driver_opts"] = dict(volume.driver_opts)
    if volume.external:
        data["external"] = True
    if volume.name is not None:
        data["name"] = volume.name
    if volume.labels:
        data["labels"] = _pairs(dict(volume.labels))
    return data


def _network(network: NetworkDef | None) -> dict[str, Any]:
    if network is None:
        return {}
    data: dict[str, Any] = {}
    for key in ("name", "driver"):
        if getattr(network, key) is not None:
            data[key] = getattr(network, key)
    if network.driver_opts:
        data["driver_opts"] = dict(network.driver_opts)
    for key in ("internal", "external", "attachable", "enable_ipv6"):
        if getattr(network, key):
            data[key] = True
    if network.ipam is not None:
        ipam: dict[str, Any] = {}
        if network.ipam.driver is not None:
            ipam["driver"] = network.ipam.driver
        if network.ipam.config:
            ipam["config"] = [
                pool.model_dump(exclude_defaults=True) for pool in network.ipam.config
            ]
        if network.ipam.options:
            ipam["options"] = dict(network.ipam.options)
        data["ipam"] = ipam
    if network.labels:
        data["labels"] = _pairs(dict(network.labels))
    return data


def compose_data(spec: Spec, spec_dir: str = ".") -> dict[str, Any]:
    """The compose file as data, before `$` escaping (`compose.yaml.dump` does that).

    `spec_dir` is the spec's folder seen from the output folder: build contexts, bind
    mounts, env files and secret files written relative to the spec are rebased onto it.
    """
    services = _services(spec, spec_dir)
    data: dict[str, Any] = {"services": services}
    if spec.network is not None:
        data["networks"] = {spec.network.name: {"driver": spec.network.driver}}
    elif spec.networks:
        data["networks"] = {name: _network(network) for name, network in spec.networks.items()}
    if names := _volume_names(spec):
        data["volumes"] = {name: _volume(spec.volumes.get(name)) for name in names}
    if secrets := file_secrets(spec):
        data["secrets"] = {
            name: {"file": _rebase(source["file"], spec_dir)} if "file" in source else source
            for name, source in secrets.items()
        }
    return merged(data, spec.x_compose) if spec.x_compose else data


def _rebase(path: str, spec_dir: str) -> str:
    """A spec-relative path as seen from the folder the compose file is written to.

    A path that starts with a variable (`${DATA_DIR}/x`) is the variable's to say, and
    is written as it is.
    """
    starts_with_variable = (match := REFERENCE.match(path)) is not None and match.group(1)
    if posixpath.isabs(path) or spec_dir == "." or starts_with_variable:
        return path
    joined = posixpath.normpath(posixpath.join(spec_dir, path))
    return joined if joined.startswith("../") else f"./{joined}"


def _mount(mount: VolumeMount, spec_dir: str, variables: Variables) -> str:
    if mount.is_named and references(mount.source):
        raise ComposeError(
            f"volume {mount.source!r} is named through a variable, but compose does not "
            "interpolate the keys of `volumes:`; give the volume a fixed name (and "
            "`volumes.<name>.name` the variable)"
        )
    if mount.is_named or mount.is_anonymous:
        return mount.render()
    first = REFERENCE.match(mount.source)
    if first is not None and first.group(1) and spec_dir != ".":
        return _variable_source(mount, first.group(1), spec_dir, variables)
    return replace(mount, source=_rebase(mount.source, spec_dir)).render()


def _variable_source(mount: VolumeMount, name: str, spec_dir: str, variables: Variables) -> str:
    """A mount whose source starts with `${NAME}`: a relative default, written relative to
    the spec as every path of it is, is rebased onto the output folder. A value set on the
    deploy host is compose's: relative to the compose file's folder."""
    variable = variables.get(name)
    default = variable.default if variable is not None else None
    if default is None or not default.startswith("."):  # a name, or a path from the root
        return mount.render()
    text = compose_text(mount.render(), variables)
    written = interpolation(name, variables)
    rebased = _rebase(default, spec_dir)
    return Raw(f"${{{name}:-{rebased.replace('$', '$$')}}}" + text.removeprefix(written))


def render(build: BuildInput) -> dict[str, bytes]:
    """docker-compose.yml for one environment."""
    build = with_printable_source(build)
    body = dump(compose_data(build.spec, build.spec_dir), build.spec.variables)
    note = "# project name: COMPOSE_PROJECT_NAME in .env (docker-compose 1.29 rejects `name:`)\n"
    return {FILENAME: (header(build) + note + body).encode("utf-8")}
