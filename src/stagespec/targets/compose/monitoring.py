"""The Prometheus and Grafana services of the compose file, from `spec.monitoring`.

Their config is generated next to docker-compose.yml (`./prometheus/`, `./grafana/`),
so the bind mounts are relative to the output directory and read-only.
Both images ship BusyBox `wget` (prom/prometheus is built `FROM quay.io/prometheus/busybox`;
grafana/grafana is Alpine-based, and `wget --spider .../api/health` healthchecks are
reported working in grafana/grafana#60915 and #82869). `-qO-` writes to stdout because
BusyBox wget otherwise saves a file in the working directory, which fails as non-root.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from stagespec.model.spec import Grafana, Prometheus, Spec
from stagespec.targets.compose.secrets import (
    GRAFANA_PASSWORD_VAR,
    SECRETS_DIR,
    metrics_keys,
    secret_env,
    source_of,
)
from stagespec.targets.compose.yaml import Quoted, required

PROMETHEUS = "prometheus"
GRAFANA = "grafana"
GRAFANA_PORT = 3000
PROMETHEUS_CONFIG = "/etc/prometheus/prometheus.yml"

# Grafana reads `GF_PLUGINS_PREINSTALL_SYNC` from 12.1 on (grafana/grafana#105292, merged
# May 2025; `GF_INSTALL_PLUGINS` is deprecated there). Older images, such as the
# reference stack's 11.3.0, only install plugins listed in `GF_INSTALL_PLUGINS`.
_PREINSTALL_SINCE = (12, 1)
_VERSION = re.compile(r"^v?(\d+)\.(\d+)")


def _healthcheck(url: str) -> dict[str, Any]:
    return {
        "test": ["CMD-SHELL", f"wget -qO- {url} > /dev/null || exit 1"],
        "interval": "15s",
        "timeout": "5s",
        "retries": 5,
    }


def prometheus_flags(prometheus: Prometheus) -> list[str]:
    """The server's flags; compose's `command:` and Kubernetes' `args` both use them."""
    # `command:` replaces the image's default flags, so the defaults are repeated.
    flags = [f"--config.file={PROMETHEUS_CONFIG}", "--storage.tsdb.path=/prometheus"]
    if prometheus.retention is not None:
        flags.append(f"--storage.tsdb.retention.time={prometheus.retention.render(days=True)}")
    if prometheus.port != 9090:
        flags.append(f"--web.listen-address=:{prometheus.port}")
    return flags


def _key_writer(variables: list[tuple[str, str]]) -> list[str]:
    """An entrypoint that writes env-sourced scrape keys to files, then starts Prometheus.

    Prometheus reads credentials only from its config or a file, and compose 1.29 cannot
    mount an environment variable as a file, so a shell (BusyBox, in the image) writes
    each one to a tmpfs and unsets the variable before `exec`.
    """
    lines = ["set -eu", "umask 077"]
    for var, secret in variables:
        target = shlex.quote(f"{SECRETS_DIR}/{secret}")
        lines.append(f'printf %s "${var}" > {target}')
        lines.append(f"unset {var}")
    lines.append('exec /bin/prometheus "$@"')
    return ["/bin/sh", "-c", "; ".join(lines), PROMETHEUS]


def prometheus_service(spec: Spec, prometheus: Prometheus) -> dict[str, Any]:
    """The Prometheus service: generated config and rules, data volume, internal port."""
    volumes = [
        f"./prometheus/prometheus.yml:{PROMETHEUS_CONFIG}:ro",
        "./prometheus/rules:/etc/prometheus/rules:ro",
    ]
    if prometheus.volume:
        volumes.append(f"{prometheus.volume}:/prometheus")
    service: dict[str, Any] = {"image": prometheus.image}
    mounts, env_keys = [], []
    for ref in metrics_keys(spec):
        var = source_of(spec, ref).env
        if var is None:
            mounts.append(ref.secret)
        else:
            env_keys.append((var, ref.secret))
    if env_keys:
        service["entrypoint"] = _key_writer(env_keys)
        service["tmpfs"] = [SECRETS_DIR]
        service["environment"] = {var: required(var) for var, _ in env_keys}
    service["command"] = prometheus_flags(prometheus)
    # Internal only, as in the staging report: reachable from Grafana, not from the host.
    service["expose"] = [str(prometheus.port)]
    service["volumes"] = volumes
    if mounts:
        service["secrets"] = mounts
    service["healthcheck"] = _healthcheck(f"http://localhost:{prometheus.port}/-/healthy")
    return service


def plugins_variable(image: str) -> str:
    """The variable this Grafana image reads its plugin list from."""
    tag = image.split("@", 1)[0].rsplit("/", 1)[-1].partition(":")[2]
    match = _VERSION.match(tag)
    if match and (int(match.group(1)), int(match.group(2))) < _PREINSTALL_SINCE:
        return "GF_INSTALL_PLUGINS"
    return "GF_PLUGINS_PREINSTALL_SYNC"


def grafana_service(spec: Spec, grafana: Grafana) -> dict[str, Any]:
    """The Grafana service: provisioning, dashboards, admin user and password, plugins."""
    password = secret_env(spec, grafana.image, GRAFANA_PASSWORD_VAR, grafana.admin_password)
    environment = {"GF_SECURITY_ADMIN_USER": grafana.admin_user, password.name: password.value}
    if grafana.plugins:
        environment[plugins_variable(grafana.image)] = ",".join(grafana.plugins)
    volumes = [
        "./grafana/provisioning:/etc/grafana/provisioning:ro",
        "./grafana/dashboards:/var/lib/grafana/dashboards:ro",
    ]
    if grafana.volume:
        volumes.insert(0, f"{grafana.volume}:/var/lib/grafana")
    service: dict[str, Any] = {
        "image": grafana.image,
        "ports": [Quoted(f"{grafana.port}:{GRAFANA_PORT}")],
        "environment": environment,
        "volumes": volumes,
    }
    if password.mount:
        service["secrets"] = [password.mount]
    service["healthcheck"] = _healthcheck(f"http://localhost:{GRAFANA_PORT}/api/health")
    if spec.monitoring and spec.monitoring.prometheus:
        service["depends_on"] = {PROMETHEUS: {"condition": "service_healthy"}}
    return service
