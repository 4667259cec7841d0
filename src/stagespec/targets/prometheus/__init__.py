"""Prometheus: the server config, the alert rules, and promtool unit tests for those rules.

Files are written only when the spec has `monitoring.prometheus`. The compose emitter
mounts `prometheus/prometheus.yml` at `CONFIG_FILE`, `prometheus/rules/` at `RULES_DIR`
and each scraped service's `api_key` secret under `SECRETS_DIR`.

May import plan, model, the other targets and the bottom modules; never rules, engine or
cli.
"""

from __future__ import annotations

import posixpath
from typing import Any

from stagespec.model.spec import HeaderAuth, Metrics, Prometheus
from stagespec.model.values import Duration
from stagespec.plan.alerts import (
    Alert,
    alerts,
    duration,
    prometheus_of,
    scrape_labels,
    scraped_services,
)
from stagespec.plan.inputs import BuildInput
from stagespec.targets.base import dump_yaml
from stagespec.targets.prometheus.unittests import unit_tests
from stagespec.targets.source_path import with_printable_source

NAME = "prometheus"

CONFIG_PATH = "prometheus/prometheus.yml"
RULES_PATH = "prometheus/rules/stagespec-alerts.yml"
TESTS_PATH = "prometheus/tests/stagespec-alerts.test.yml"

CONFIG_FILE = "/etc/prometheus/prometheus.yml"
RULES_DIR = "/etc/prometheus/rules"
SECRETS_DIR = "/run/secrets"
SERVICE = "prometheus"
"""Prometheus's compose service name: its host name on the stack's network."""

_MAX_SCRAPE_TIMEOUT = Duration(10_000)  # Prometheus's own default


def render(build: BuildInput) -> dict[str, bytes]:
    """prometheus.yml, plus the rule file and its unit tests when there is anything to alert on."""
    build = with_printable_source(build)
    prometheus = prometheus_of(build)
    if prometheus is None:
        return {}
    files = {CONFIG_PATH: dump_yaml(build, config(build, prometheus))}
    found = alerts(build.spec, prometheus)
    if found:
        step = duration(prometheus.evaluation_interval)
        rule_file = posixpath.relpath(RULES_PATH, posixpath.dirname(TESTS_PATH))
        files[RULES_PATH] = dump_yaml(build, rules(found))
        files[TESTS_PATH] = dump_yaml(build, unit_tests(found, step, rule_file))
    return files


def url(prometheus: Prometheus) -> str:
    """Prometheus's address for the other services of the stack (Grafana's datasource)."""
    return f"http://{SERVICE}:{prometheus.port}"


def config(build: BuildInput, prometheus: Prometheus) -> dict[str, Any]:
    """The server config: intervals, rule files and one scrape job per scraped service."""
    interval = duration(prometheus.scrape_interval)
    return {
        "global": {
            "scrape_interval": interval.render(days=True),
            "scrape_timeout": min(interval, _MAX_SCRAPE_TIMEOUT).render(days=True),
            "evaluation_interval": duration(prometheus.evaluation_interval).render(days=True),
            "external_labels": {
                "project": build.spec.project,
                "environment": build.environment,
            },
        },
        "rule_files": [f"{RULES_DIR}/*.yml"],
        "scrape_configs": [
            {
                "job_name": "prometheus",
                # `port` is the port Prometheus listens on (compose passes it as
                # --web.listen-address when it is not 9090).
                "static_configs": [{"targets": [f"localhost:{prometheus.port}"]}],
            },
            *(_scrape_job(name, endpoint) for name, endpoint in scraped_services(build.spec)),
        ],
    }


def scrape_auth(endpoint: Metrics) -> tuple[str, str | None] | None:
    """The header the scrape sends its key in and the scheme before the key (None: the
    key alone), or None when the endpoint has no key. The runtime module exports the same."""
    if endpoint.api_key is None:
        return None
    if isinstance(endpoint.auth, HeaderAuth):
        return endpoint.auth.header, None
    return "Authorization", "Bearer"


def _scrape_job(name: str, endpoint: Metrics) -> dict[str, Any]:
    labels = scrape_labels(name, endpoint.port)
    job: dict[str, Any] = {"job_name": name, "metrics_path": endpoint.path}
    if endpoint.api_key is not None:
        key_file = f"{SECRETS_DIR}/{endpoint.api_key.secret}"
        if isinstance(endpoint.auth, HeaderAuth):
            # `http_headers` is read from Prometheus v2.55.0 on (rule SS505 checks the
            # pinned image); the file's content, trimmed, is the header's whole value.
            job["http_headers"] = {endpoint.auth.header: {"files": [key_file]}}
        else:
            job["authorization"] = {"type": "Bearer", "credentials_file": key_file}
    job["static_configs"] = [
        {"targets": [labels["instance"]], "labels": {"service": labels["service"]}}
    ]
    return job


def rules(found: list[Alert]) -> dict[str, Any]:
    """The rule file: one group per kind of alert, in first-seen order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for alert in found:
        groups.setdefault(alert.group, []).append(alert.rule())
    return {"groups": [{"name": name, "rules": listed} for name, listed in groups.items()]}
