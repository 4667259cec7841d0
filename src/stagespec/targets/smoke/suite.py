"""The smoke suite as data: what to check on the running stack, and the spec line of each.

Everything the generated program needs from the spec is here, as JSON values: names,
ports, the spec's own settings to compare with, and where each secret's value comes
from (never a value). The program reads it as data; no spec text becomes code.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from typing import Any

from stagespec.model.spec import SecretRef, Service, Spec
from stagespec.model.values import PortMapping
from stagespec.plan import alerts
from stagespec.plan.inputs import BuildInput
from stagespec.targets import compose
from stagespec.targets.compose.monitoring import GRAFANA, GRAFANA_PORT, PROMETHEUS
from stagespec.targets.compose.secrets import enabled, image_repository, required_variables
from stagespec.targets.grafana import datasources
from stagespec.targets.smoke.service import Check, check, runtime_checks

FORMAT = 1
"""The version of the data file's layout; the program refuses another."""

POSTGRES_PORT = 5432
REDIS_PORT = 6379
_POSTGRES_IMAGES = ("postgres", "postgis")
_REDIS_SETTINGS = ("maxmemory", "maxmemory-policy", "appendonly")


def suite(build: BuildInput) -> dict[str, Any]:
    """The data file of the smoke program for one environment."""
    spec = build.spec
    checks = [
        *_env_checks(build),
        *_port_checks(build),
        *_postgres_checks(build),
        *_redis_checks(build),
        *runtime_checks(build),
        *_prometheus_checks(build),
        *_grafana_checks(build),
    ]
    return {
        "format": FORMAT,
        "source": build.source,
        "project": spec.project,
        "environment": build.environment,
        "variables": {
            name: {
                "default": variable.default if variable else None,
                "required": bool(variable and variable.needs_value),
            }
            for name, variable in spec.variables.items()
        },
        "secrets": {
            name: {"env": source.env} if source.env is not None else {"file": _file(build, name)}
            for name, source in spec.secrets.items()
        },
        "targets": _targets(spec),
        "checks": checks,
    }


def _file(build: BuildInput, secret: str) -> str:
    """A file-sourced secret's path as compose mounts it: relative to the compose folder."""
    found = compose.compose_data(build.spec, build.spec_dir).get("secrets", {}).get(secret)
    if isinstance(found, dict) and isinstance(found.get("file"), str):
        return str(found["file"])
    return str(build.spec.secrets[secret].file)


def _value(value: object) -> dict[str, str] | None:
    """An environment value as the program resolves it: a secret's name, or text."""
    if isinstance(value, SecretRef):
        return {"secret": value.secret}
    if value is None:
        return None
    if isinstance(value, bool):
        return {"text": "true" if value else "false"}
    return {"text": str(value)}


# --- targets -----------------------------------------------------------------------------


def _host_port(port: PortMapping) -> int | str | None:
    """The host port of a port mapping (text when it names a variable; None: not published)."""
    return port.template if port.template is not None else port.host


def _published(service: Service, container: int) -> int | str | None:
    """The host port that publishes `container` (text when it names a variable)."""
    for port in service.ports:
        if port.container == container and port.protocol == "tcp":
            return _host_port(port)
    return None


def _primary_port(service: Service) -> int | None:
    if _is_postgres(service):
        return POSTGRES_PORT
    if _is_redis(service):
        return REDIS_PORT
    if service.metrics is not None:
        return service.metrics.port
    tcp = [port for port in service.ports if port.protocol == "tcp"]
    return tcp[0].container if tcp else None


def _targets(spec: Spec) -> dict[str, dict[str, Any]]:
    """Each service's host (its compose name) and the port the checks use, in the compose
    network and as published on the host (None: not published)."""
    found: dict[str, dict[str, Any]] = {}
    for name in enabled(spec):
        service = spec.services[name]
        port = _primary_port(service)
        if port is not None:
            found[name] = {"port": port, "published": _published(service, port)}
    monitoring = spec.monitoring
    if monitoring and monitoring.prometheus:
        found[PROMETHEUS] = {"port": monitoring.prometheus.port, "published": None}
    if monitoring and monitoring.grafana:
        found[GRAFANA] = {"port": GRAFANA_PORT, "published": monitoring.grafana.port}
    return found


# --- checks ------------------------------------------------------------------------------


def _env_checks(build: BuildInput) -> list[Check]:
    """What `env check` decides: each env-sourced secret compose interpolates, each secret
    file it mounts, each deploy-time variable that must have a value."""
    spec = build.spec
    checks: list[Check] = []
    for var, secret in required_variables(spec):
        line = build.line("secrets", secret, "env")
        checks.append(check(f"env.{var}", "env-variable", line, variable=var, secret=secret))
    for secret in compose.compose_data(spec, build.spec_dir).get("secrets", {}):
        source = spec.secrets.get(secret)
        if source is not None and source.file is not None:
            line = build.line("secrets", secret, "file")
            checks.append(check(f"file.{secret}", "secret-file", line, secret=secret))
    for name, variable in spec.variables.items():
        if variable is not None and variable.needs_value:
            line = build.line("variables", name)
            checks.append(check(f"variable.{name}", "env-variable", line, variable=name))
    return checks


def _port_checks(build: BuildInput) -> list[Check]:
    spec = build.spec
    checks: list[Check] = []
    for name in enabled(spec):
        for index, port in enumerate(spec.services[name].ports):
            if port.protocol != "tcp":
                continue
            label = port.host if port.host is not None and port.template is None else index
            line = build.line("services", name, "ports", index)
            checks.append(
                check(
                    f"port.{name}.{label}",
                    "tcp",
                    line,
                    target=name,
                    port=port.container,
                    published=_host_port(port),
                )
            )
    grafana = spec.monitoring.grafana if spec.monitoring else None
    if grafana is not None:
        line = build.line("monitoring", "grafana", "port")
        checks.append(
            check(
                f"port.{GRAFANA}.{grafana.port}",
                "tcp",
                line,
                target=GRAFANA,
                port=GRAFANA_PORT,
                published=grafana.port,
            )
        )
    return checks


def _is_postgres(service: Service) -> bool:
    repository = image_repository(service.image or "").rsplit("/", 1)[-1]
    return repository in _POSTGRES_IMAGES


def _is_redis(service: Service) -> bool:
    return image_repository(service.image or "").rsplit("/", 1)[-1].startswith("redis")


def _services(spec: Spec, kind: Callable[[Service], bool]) -> Iterator[tuple[str, Service]]:
    """The enabled services of one kind (`_is_postgres`, `_is_redis`), in spec order."""
    for name in enabled(spec):
        if kind(spec.services[name]):
            yield name, spec.services[name]


def _postgres_checks(build: BuildInput) -> list[Check]:
    checks: list[Check] = []
    for name, service in _services(build.spec, _is_postgres):
        env = service.environment
        user = _value(env.get("POSTGRES_USER")) or {"text": "postgres"}
        database = _value(env.get("POSTGRES_DB")) or user
        key = "POSTGRES_USER" if "POSTGRES_USER" in env else "image"
        where = ("services", name, "environment", key) if key != "image" else ("services", name)
        checks.append(
            check(
                f"{name}.query",
                "postgres",
                build.line(*where),
                target=name,
                user=user,
                database=database,
                password=_value(env.get("POSTGRES_PASSWORD")),
            )
        )
    return checks


def _words(command: str | list[str] | None) -> list[str]:
    if command is None:
        return []
    if isinstance(command, str):
        try:
            return shlex.split(command)
        except ValueError:
            return []
    return list(command)


def _redis_checks(build: BuildInput) -> list[Check]:
    checks: list[Check] = []
    for name, service in _services(build.spec, _is_redis):
        words = _words(service.command)
        password = None
        if "--requirepass" in words[:-1]:
            password = {"text": words[words.index("--requirepass") + 1]}
        checks.append(
            check(
                f"{name}.ping",
                "redis-ping",
                build.line("services", name),
                target=name,
                password=password,
            )
        )
        for setting in _REDIS_SETTINGS:
            flag = f"--{setting}"
            if flag not in words[:-1]:
                continue
            index = words.index(flag) + 1
            line = build.line("services", name, "command", index)
            if isinstance(service.command, str):
                line = build.line("services", name, "command")
            checks.append(
                check(
                    f"{name}.{setting}",
                    "redis-config",
                    line,
                    target=name,
                    password=password,
                    setting=setting,
                    expected=words[index],
                )
            )
    return checks


def _prometheus_checks(build: BuildInput) -> list[Check]:
    spec = build.spec
    prometheus = alerts.prometheus_of(build)
    if prometheus is None:
        return []
    checks: list[Check] = []
    jobs = [("prometheus", build.line("monitoring", "prometheus"))]
    jobs += [
        (name, build.line("services", name, "metrics")) for name, _ in alerts.scraped_services(spec)
    ]
    interval = alerts.duration(prometheus.scrape_interval).seconds
    for job, line in jobs:
        checks.append(
            check(
                f"prometheus.target.{job}",
                "prometheus-target",
                line,
                target=PROMETHEUS,
                job=job,
                scrape_interval=interval,
            )
        )
    found = alerts.alerts(spec, prometheus)
    if found:
        checks.append(
            check(
                "prometheus.rules",
                "prometheus-rules",
                build.line("monitoring", "prometheus"),
                target=PROMETHEUS,
                alerts=[alert.name for alert in found],
                evaluation_interval=alerts.duration(prometheus.evaluation_interval).seconds,
            )
        )
    return checks


def _grafana_checks(build: BuildInput) -> list[Check]:
    grafana = build.spec.monitoring.grafana if build.spec.monitoring else None
    if grafana is None:
        return []
    checks: list[Check] = []
    for source in datasources(build.spec, grafana.plugins):
        plugin = source["type"] in grafana.plugins
        line = build.line("monitoring", "grafana", "plugins" if plugin else "image")
        if source["type"] == "prometheus":
            line = build.line("monitoring", "prometheus")
        checks.append(
            check(
                f"grafana.datasource.{source['uid']}",
                "grafana-datasource",
                line,
                target=GRAFANA,
                uid=source["uid"],
                type=source["type"],
                user={"text": grafana.admin_user},
                password={"secret": grafana.admin_password.secret},
            )
        )
    return checks
