"""The Prometheus and Grafana workloads of the Kubernetes target, from `spec.monitoring`.

They run the same images with the same flags and variables as the compose services
(`targets.compose.monitoring`), read their generated files from ConfigMaps (`config`), and
keep their data on a claim when `volume` is set (so they become StatefulSets).
- Probes are `httpGet` on the servers' own health endpoints, so they need no tool in
  the image (compose needs BusyBox `wget` for the same checks).
- The scrape credentials Prometheus reads (`/run/secrets/<secret>`, as prometheus.yml
  names them) come from one projected volume of the Secrets, by name only.
- `fsGroup` lets each image's non-root user write its claim: prom/prometheus runs as
  `nobody` (65534), grafana/grafana as uid 472 (Grafana's Kubernetes guide sets 472).
"""

from __future__ import annotations

from typing import Any

from stagespec.model.spec import Grafana, Prometheus, Spec
from stagespec.targets.compose.monitoring import (
    GRAFANA,
    GRAFANA_PORT,
    PROMETHEUS,
    plugins_variable,
    prometheus_flags,
)
from stagespec.targets.compose.secrets import GRAFANA_PASSWORD_VAR, metrics_keys
from stagespec.targets.k8s.config import ConfigMap, mounted
from stagespec.targets.k8s.names import (
    CHECKSUM_ANNOTATION,
    SECRET_KEY,
    ContainerPort,
    app_name,
    checksum,
    object_name,
    secret_name,
)
from stagespec.targets.k8s.workload import Workload, secret_variable
from stagespec.targets.prometheus import SECRETS_DIR

PROMETHEUS_USER = 65534
GRAFANA_USER = 472
SCRAPE_CREDENTIALS = "scrape-credentials"


def _http_probe(path: str, port: ContainerPort) -> dict[str, Any]:
    # The same rhythm as compose_monitoring's healthchecks.
    return {
        "httpGet": {"path": path, "port": port.name},
        "periodSeconds": 15,
        "timeoutSeconds": 5,
        "failureThreshold": 5,
    }


def _data(volume: str | None, target: str) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    if volume is None:
        return (), []
    claim = object_name(volume, "volume")
    return (claim,), [{"name": claim, "mountPath": target}]


def _scrape_credentials(spec: Spec) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A projected volume with each scrape key at `/run/secrets/<secret>` for prometheus.yml."""
    refs = metrics_keys(spec)
    if not refs:
        return [], []
    sources = [
        {
            "secret": {
                "name": secret_name(ref.secret),
                "items": [{"key": SECRET_KEY, "path": ref.secret}],
            }
        }
        for ref in refs
    ]
    volume = {"name": SCRAPE_CREDENTIALS, "projected": {"sources": sources}}
    mount = {"name": SCRAPE_CREDENTIALS, "mountPath": SECRETS_DIR, "readOnly": True}
    return [volume], [mount]


def prometheus_workload(spec: Spec, server: Prometheus, configs: list[ConfigMap]) -> Workload:
    """Prometheus: generated config and rules, scrape credentials, data claim, internal port."""
    port = ContainerPort(server.port)
    volumes, mounts = mounted(configs)
    secret_volumes, secret_mounts = _scrape_credentials(spec)
    claims, data_mounts = _data(server.volume, "/prometheus")
    container: dict[str, Any] = {
        "name": PROMETHEUS,
        "image": server.image,
        "args": prometheus_flags(server),
        "ports": [port.container()],
        "volumeMounts": data_mounts + mounts + secret_mounts,
        "readinessProbe": _http_probe("/-/ready", port),
        "livenessProbe": _http_probe("/-/healthy", port),
    }
    return Workload(
        PROMETHEUS,
        app_name(server.image, PROMETHEUS),
        container,
        (port,),
        claims,
        tuple(volumes + secret_volumes),
        {"securityContext": {"fsGroup": PROMETHEUS_USER}},
        {CHECKSUM_ANNOTATION: checksum(config.data for config in configs)},
    )


def _grafana_env(server: Grafana) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        {"name": "GF_SECURITY_ADMIN_USER", "value": server.admin_user},
        secret_variable(GRAFANA_PASSWORD_VAR, server.admin_password.secret),
    ]
    if server.plugins:
        env.append({"name": plugins_variable(server.image), "value": ",".join(server.plugins)})
    return env


def grafana_workload(server: Grafana, configs: list[ConfigMap]) -> Workload:
    """Grafana: provisioning and dashboards, admin user and password, plugins, data claim."""
    port = ContainerPort(GRAFANA_PORT)
    volumes, mounts = mounted(configs)
    claims, data_mounts = _data(server.volume, "/var/lib/grafana")
    container: dict[str, Any] = {
        "name": GRAFANA,
        "image": server.image,
        "ports": [port.container()],
        "env": _grafana_env(server),
        # The data claim first: the dashboards folder is mounted inside it.
        "volumeMounts": data_mounts + mounts,
        "readinessProbe": _http_probe("/api/health", port),
        "livenessProbe": _http_probe("/api/health", port),
    }
    return Workload(
        GRAFANA,
        app_name(server.image, GRAFANA),
        container,
        (port,),
        claims,
        tuple(volumes),
        {"securityContext": {"fsGroup": GRAFANA_USER}},
        {CHECKSUM_ANNOTATION: checksum(config.data for config in configs)},
    )
