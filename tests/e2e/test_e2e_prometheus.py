"""A real Prometheus, on the generated config and rules, scraping the example dashboard.

What the test changes in the generated files, and why (the same rewrite as in
examples/dashboard/README.md):
- every scrape target is rewritten to loopback: the `dashboard:8080` target (a host name
  on the compose network) becomes the dashboard's `127.0.0.1:<free port>`, and
  Prometheus's own `localhost:9090` becomes its `127.0.0.1:<free port>`; job names,
  `metrics_path`, the `authorization` or `http_headers` block and the target labels are
  kept;
- the key file they name (`credentials_file`, or each header's `files`, at
  `/run/secrets/dashboard_api_key`) points at a temporary file that holds the key the
  dashboard was started with;
- `rule_files` points at the generated rules, copied to a temporary folder;
- `scrape_interval`, `scrape_timeout` and `evaluation_interval` become 1s, and every
  alert's `for:` becomes 1s (the generated ones are a breaker's recovery timeout, 15-30s,
  and 1m for the degradation tiers), so that the alerts fire within seconds.
Nothing else changes: the alert expressions and labels are the generated ones.
"""

from __future__ import annotations

import shutil
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from e2e_support import Built, Dashboard, answers, free_port, http_json, running, wait_until

from stagespec.plan import metrics

pytestmark = [pytest.mark.e2e, pytest.mark.tools]

PROMETHEUS = shutil.which("prometheus")
TEST_INTERVAL = "1s"
TEST_FOR = "1s"
WAIT = 30.0
"""Seconds an alert gets to fire: scrape (1s) + evaluation (1s) + `for` (1s), with room."""


@dataclass(frozen=True)
class Prometheus:
    """A running Prometheus, queried through its HTTP API."""

    url: str

    def api(self, path: str, **params: str) -> Any:
        """The `data` of an API answer, which must be a success."""
        query = urllib.parse.urlencode(params)
        answer = http_json("GET", f"{self.url}/api/v1/{path}?{query}")
        assert answer["status"] == "success", answer
        return answer["data"]

    def firing(self) -> set[str]:
        """The names of the alerts firing now."""
        alerts = self.api("alerts")["alerts"]
        return {a["labels"]["alertname"] for a in alerts if a["state"] == "firing"}

    def query(self, expr: str, at: float) -> list[tuple[dict[str, str], float]]:
        """An instant query at one time: each series' labels and value."""
        result = self.api("query", query=expr, time=f"{at:.3f}")["result"]
        return [(series["metric"], float(series["value"][1])) for series in result]


def loopback_config(
    generated: dict[str, Any], targets: dict[str, str], rules_dir: Path, key_file: Path
) -> dict[str, Any]:
    """The generated prometheus.yml with the rewrite in this module's docstring.

    `targets` gives each job's new target by job name.
    """
    config = dict(generated)
    config["global"] = {
        **generated["global"],
        "scrape_interval": TEST_INTERVAL,
        "scrape_timeout": TEST_INTERVAL,
        "evaluation_interval": TEST_INTERVAL,
    }
    config["rule_files"] = [str(rules_dir / "*.yml")]
    jobs = []
    for job in generated["scrape_configs"]:
        job = {**job, "static_configs": [dict(s) for s in job["static_configs"]]}
        for static in job["static_configs"]:
            static["targets"] = [targets[job["job_name"]]]
        if "authorization" in job:
            job["authorization"] = {**job["authorization"], "credentials_file": str(key_file)}
        if "http_headers" in job:
            job["http_headers"] = {
                name: {**header, "files": [str(key_file)]}
                for name, header in job["http_headers"].items()
            }
        jobs.append(job)
    config["scrape_configs"] = jobs
    return config


def fast_rules(generated: dict[str, Any]) -> dict[str, Any]:
    """The generated rules with every alert's `for:` shortened to TEST_FOR."""
    groups = []
    for group in generated["groups"]:
        rules = [{**r, "for": TEST_FOR} if "for" in r else r for r in group["rules"]]
        groups.append({**group, "rules": rules})
    return {"groups": groups}


@pytest.fixture
def prometheus(built: Built, dashboard: Dashboard, tmp_path: Path) -> Iterator[Prometheus]:
    """Prometheus on the rewritten generated config, scraping `dashboard`."""
    if PROMETHEUS is None:
        pytest.skip("prometheus is not installed (Debian: apt-get install prometheus)")
    port = free_port()
    generated_config = yaml.safe_load((built.out / "prometheus" / "prometheus.yml").read_text())
    assert built.spec.runtime is not None
    targets = {built.spec.runtime.service: dashboard.address, "prometheus": f"127.0.0.1:{port}"}
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    for rule_file in (built.out / "prometheus" / "rules").glob("*.yml"):
        fast = fast_rules(yaml.safe_load(rule_file.read_text()))
        (rules_dir / rule_file.name).write_text(yaml.safe_dump(fast, sort_keys=False))
    key_file = tmp_path / "dashboard_api_key"
    key_file.write_text(dashboard.api_key)
    config_file = tmp_path / "prometheus.yml"
    config = loopback_config(generated_config, targets, rules_dir, key_file)
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    url = f"http://127.0.0.1:{port}"
    argv = [PROMETHEUS, f"--config.file={config_file}", f"--web.listen-address=127.0.0.1:{port}"]
    argv += [f"--storage.tsdb.path={tmp_path / 'data'}"]
    with running(argv, tmp_path / "prometheus.log", lambda: answers(url + "/-/ready")):
        yield Prometheus(url)


STEPS = [
    # openai (0.50) and s3 (0.05) open: score 45, tier minimal
    (["openai", "s3"], {"BreakerOpenOpenai", "BreakerOpenS3", "DegradedBelowOptimal"}),
    # every breaker open: score 0, tier emergency, the last one
    (
        ["database", "redis"],
        {
            "BreakerOpenOpenai",
            "BreakerOpenDatabase",
            "BreakerOpenRedis",
            "BreakerOpenS3",
            "DegradedBelowOptimal",
            "DegradedToEmergency",
        },
    ),
]
"""Dependencies made to fail at each step, and every alert that fires after it."""


def test_failing_dependencies_fire_breaker_and_tier_alerts(
    prometheus: Prometheus, dashboard: Dashboard, runtime: ModuleType
) -> None:
    # Prometheus 2.x applies its scrape targets some seconds after it starts.
    up = 'up{job="dashboard"}'
    wait_until(lambda: [v for _, v in prometheus.query(up, time.time())] == [1.0], "scraped", WAIT)
    assert prometheus.firing() == set()
    failing: list[str] = []
    for step, alerts in STEPS:
        for name in step:
            dashboard.post(f"/dependencies/{name}/fail")
        failing += step

        def all_fire(alerts: set[str] = alerts) -> set[str] | None:
            firing = prometheus.firing()
            return firing if firing >= alerts else None

        firing = wait_until(all_fire, f"alerts {sorted(alerts)} firing", WAIT, interval=0.25)
        assert firing == alerts  # and no other: the target is up, the tiers' alerts are exact
        assert_series_match_runtime(prometheus, dashboard, runtime, failing)


def assert_series_match_runtime(
    prometheus: Prometheus, dashboard: Dashboard, runtime: ModuleType, failing: list[str]
) -> None:
    """The scraped score, level and tier are the runtime module's for the scraped states."""
    now = time.time()  # one evaluation time, so every series comes from the same scrape
    states = {
        labels["breaker"]: labels["state"]
        for labels, value in prometheus.query(metrics.BREAKER_STATE, now)
        if value == 1
    }
    assert states == {name: "open" if name in failing else "closed" for name in runtime.BREAKERS}
    [(_, score)] = prometheus.query(metrics.HEALTH_SCORE, now)
    assert score == runtime.health_score(states)
    [(_, level)] = prometheus.query(metrics.DEGRADATION_LEVEL, now)
    assert level == runtime.degradation_level(score)
    [(labels, _)] = prometheus.query(f"{metrics.DEGRADATION_TIER} == 1", now)
    assert labels["tier"] == runtime.tier_for(score).name
    health = dashboard.health()
    assert (health["score"], health["tier"]) == (score, labels["tier"])
