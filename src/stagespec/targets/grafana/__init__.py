"""Grafana provisioning: datasources, a dashboard provider, and the stack's dashboard.

Files are written only when the spec has `monitoring.grafana`. The compose emitter mounts
`grafana/provisioning/` at `PROVISIONING_DIR` and `grafana/dashboards/` at `DASHBOARDS_DIR`,
and sets the admin password from its secret file; nothing here holds a password.

May import plan, model, the other targets and the bottom modules; never rules, engine or
cli.
"""

from __future__ import annotations

import json
from typing import Any

from stagespec.model.spec import Spec
from stagespec.plan.inputs import BuildInput
from stagespec.plan.panels import DATASOURCE_UID, PROMETHEUS_REF
from stagespec.targets.base import dump_yaml
from stagespec.targets.grafana.model import dashboard
from stagespec.targets.prometheus import url as prometheus_url
from stagespec.targets.source_path import with_printable_source

NAME = "grafana"

REDIS_DATASOURCE_UID = "stagespec-redis"
REDIS_PLUGIN = "redis-datasource"

DATASOURCES_PATH = "grafana/provisioning/datasources/datasources.yml"
PROVIDERS_PATH = "grafana/provisioning/dashboards/dashboards.yml"
PROVISIONING_DIR = "/etc/grafana/provisioning"
DASHBOARDS_DIR = "/var/lib/grafana/dashboards"

_REDIS_PORT = 6379


def render(build: BuildInput) -> dict[str, bytes]:
    """Datasources, and the dashboard (with its provider) whose panels query each of them."""
    build = with_printable_source(build)
    spec = build.spec
    if spec.monitoring is None or spec.monitoring.grafana is None:
        return {}
    files: dict[str, bytes] = {}
    sources = datasources(spec, spec.monitoring.grafana.plugins)
    if not sources:
        return files
    files[DATASOURCES_PATH] = dump_yaml(build, {"apiVersion": 1, "datasources": sources})
    # Every provisioned datasource is queried by a panel of the dashboard.
    refs = {source["type"]: {"type": source["type"], "uid": source["uid"]} for source in sources}
    files[PROVIDERS_PATH] = dump_yaml(build, providers(spec))
    model = dashboard(build, refs.get(PROMETHEUS_REF["type"]), refs.get(REDIS_PLUGIN))
    text = json.dumps(model, indent=2, ensure_ascii=False) + "\n"
    files[dashboard_path(spec)] = text.encode()
    return files


def dashboard_path(spec: Spec) -> str:
    """Where the dashboard JSON is written, relative to the build folder."""
    return f"grafana/dashboards/{spec.project}.json"


def datasources(spec: Spec, plugins: list[str]) -> list[dict[str, Any]]:
    """Prometheus (the default) when configured; Redis when its plugin and a redis service are."""
    found: list[dict[str, Any]] = []
    server = spec.monitoring.prometheus if spec.monitoring else None
    if server is not None:
        found.append(
            {
                "name": "Prometheus",
                "type": "prometheus",
                "uid": DATASOURCE_UID,
                "access": "proxy",
                "url": prometheus_url(server),
                "isDefault": True,
                "editable": False,
            }
        )
    redis = redis_service(spec)
    if REDIS_PLUGIN in plugins and redis is not None:
        found.append(
            {
                "name": "Redis",
                "type": REDIS_PLUGIN,
                "uid": REDIS_DATASOURCE_UID,
                "access": "proxy",
                "url": f"redis://{redis}:{_REDIS_PORT}",
                "isDefault": False,
                "editable": False,
                "jsonData": {"client": "standalone"},
            }
        )
    return found


def redis_service(spec: Spec) -> str | None:
    """The first enabled service running a Redis image (`redis:7`, `bitnami/redis`, ...)."""
    for name, service in spec.services.items():
        if service.enabled and service.image and _image_name(service.image).startswith("redis"):
            return name
    return None


def _image_name(image: str) -> str:
    """`docker.io/bitnami/redis:7@sha256:...` -> `redis`: the last path part, untagged."""
    last = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return last.split(":", 1)[0]


def providers(spec: Spec) -> dict[str, Any]:
    """The file provider that loads the generated dashboards into the project's folder."""
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "stagespec",
                "folder": spec.project,
                "type": "file",
                "disableDeletion": True,
                "allowUiUpdates": False,
                "options": {"path": DASHBOARDS_DIR},
            }
        ],
    }
