"""ConfigMaps: the runtime service's settings and module, and the Prometheus and Grafana files.

- The settings are those `.env` gives the runtime service under compose
  (`envfile.sections`), without the compose-only `COMPOSE_PROJECT_NAME`; the container
  reads them with `envFrom`. Values go through the YAML emitter, so any text is data.
- The runtime module is one ConfigMap, mounted read-only by `subPath` at
  `<runtime.path>/<module>.py` (`plan.delivery`), so the rest of that folder (the image's
  own code) stays visible. A `subPath` mount is not updated in a running pod; the pod's
  checksum annotation covers the module, so a changed module rolls the pods.
- The Prometheus and Grafana files are what their emitters render, one ConfigMap per
  folder, mounted read-only where compose binds that folder. `prometheus.yml` alone is
  mounted by `subPath`: the rules folder is mounted inside /etc/prometheus, and a
  ConfigMap volume cannot hold another mount. promtool's unit tests are not needed in
  the cluster and are left out.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stagespec.model.spec import Spec
from stagespec.plan import delivery
from stagespec.targets import envfile, grafana, prometheus
from stagespec.targets.k8s.names import labels, metadata

_COMPOSE_ONLY = "compose"  # the section of `.env` only compose reads


@dataclass(frozen=True)
class ConfigFolder:
    """A generated folder (or single file) that becomes one ConfigMap, and its mount."""

    source: str
    name: str
    mount: str
    single_file: bool = False


PROMETHEUS_FOLDERS = (
    ConfigFolder(prometheus.CONFIG_PATH, "prometheus-config", prometheus.CONFIG_FILE, True),
    ConfigFolder(
        posixpath.dirname(prometheus.RULES_PATH), "prometheus-rules", prometheus.RULES_DIR
    ),
)
GRAFANA_FOLDERS = (
    ConfigFolder(
        posixpath.dirname(grafana.DATASOURCES_PATH),
        "grafana-datasources",
        f"{grafana.PROVISIONING_DIR}/datasources",
    ),
    ConfigFolder(
        posixpath.dirname(grafana.PROVIDERS_PATH),
        "grafana-dashboard-providers",
        f"{grafana.PROVISIONING_DIR}/dashboards",
    ),
    ConfigFolder("grafana/dashboards", "grafana-dashboards", grafana.DASHBOARDS_DIR),
)


@dataclass(frozen=True)
class ConfigMap:
    """One ConfigMap of a component; `mount` is None for settings read as variables."""

    name: str
    component: str
    data: Mapping[str, str]
    mount: str | None = None
    sub_path: str | None = None


def settings_map(spec: Spec, component: str) -> ConfigMap:
    """The runtime service's non-secret settings, as `.env` holds them for compose."""
    data = {
        key: value
        for title, settings in envfile.sections(spec)
        if title != _COMPOSE_ONLY
        for key, value in settings
    }
    return ConfigMap(f"{component}-settings", component, data)


def module_map(spec: Spec, component: str, module: Mapping[str, bytes]) -> list[ConfigMap]:
    """The runtime module's ConfigMap, mounted where `plan.delivery` says; none without one."""
    target = delivery.module_path(spec)
    if target is None or not module:
        return []
    data = {name: text.decode("utf-8") for name, text in module.items()}
    (name,) = data
    return [ConfigMap(f"{component}-runtime", component, data, target, name)]


def file_maps(
    files: Mapping[str, bytes], folders: tuple[ConfigFolder, ...], component: str
) -> list[ConfigMap]:
    """A ConfigMap per folder that has generated files, keyed by file name."""
    found = []
    for folder in folders:
        if folder.single_file:
            picked = [path for path in files if path == folder.source]
        else:
            picked = [path for path in files if posixpath.dirname(path) == folder.source]
        if not picked:
            continue
        data = {posixpath.basename(path): files[path].decode("utf-8") for path in picked}
        sub_path = posixpath.basename(folder.source) if folder.single_file else None
        found.append(ConfigMap(folder.name, component, data, folder.mount, sub_path))
    return found


def config_map_object(project: str, config: ConfigMap, app: str) -> dict[str, Any]:
    """The ConfigMap object."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(config.name, labels(project, config.component, app)),
        "data": dict(config.data),
    }


def mounted(configs: list[ConfigMap]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pod `volumes` and container `volumeMounts` for the ConfigMaps that are files."""
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    for config in configs:
        if config.mount is None:
            continue
        volumes.append({"name": config.name, "configMap": {"name": config.name}})
        mount: dict[str, Any] = {"name": config.name, "mountPath": config.mount}
        if config.sub_path is not None:
            mount["subPath"] = config.sub_path
        mount["readOnly"] = True
        mounts.append(mount)
    return volumes, mounts
