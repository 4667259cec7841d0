"""Tests for the Grafana emitter: provisioning files and the dashboard's structure and queries.

The dashboard's schema is checked against Grafana's own in test_grafana_schema.py; here
its structure (ids, grid, targets, datasource uids), its PromQL by promtool, and the Redis
panel's query against the redis-datasource plugin's query model.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import yaml

import stagespec.targets.grafana as grafana
from stagespec.engine.validate import validate_file
from stagespec.model.spec import Breaker, Service, Spec
from stagespec.model.values import Duration
from stagespec.plan import metrics
from stagespec.plan import panels as dashboard_panels
from stagespec.plan.inputs import BuildInput
from stagespec.plan.panels import breaker_expr
from stagespec.plan.promql import selector
from stagespec.targets.base import header
from stagespec.targets.grafana.model import dashboard_uid

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
SOURCE = "specs/inventario-retail/stack.yaml"
DASHBOARD = "grafana/dashboards/inventario-retail.json"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed")


@pytest.fixture(scope="module")
def spec() -> Spec:
    result = validate_file(REFERENCE)
    assert result.spec is not None, result.diagnostics
    return result.spec


@pytest.fixture(scope="module")
def files(spec: Spec) -> dict[str, bytes]:
    return grafana.render(BuildInput(spec, SOURCE))


@pytest.fixture(scope="module")
def board(files: dict[str, bytes]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(files[DASHBOARD])
    return loaded


def _render(spec: Spec) -> dict[str, bytes]:
    return grafana.render(BuildInput(spec, SOURCE))


def _monitoring(spec: Spec, **update: Any) -> Spec:
    assert spec.monitoring is not None
    return spec.model_copy(update={"monitoring": spec.monitoring.model_copy(update=update)})


def _with_services(spec: Spec, **services: Service | None) -> Spec:
    merged = {**spec.services, **services}
    return spec.model_copy(update={"services": {k: v for k, v in merged.items() if v}})


def _sources(files: dict[str, bytes]) -> list[dict[str, Any]]:
    sources: list[dict[str, Any]] = yaml.safe_load(files[grafana.DATASOURCES_PATH])["datasources"]
    return sources


# --- provisioning files ----------------------------------------------------------------------


def test_writes_datasources_provider_and_dashboard(files: dict[str, bytes], spec: Spec) -> None:
    assert list(files) == [grafana.DATASOURCES_PATH, grafana.PROVIDERS_PATH, DASHBOARD]
    for path in (grafana.DATASOURCES_PATH, grafana.PROVIDERS_PATH):
        assert files[path].decode().startswith(header(BuildInput(spec, SOURCE)))


def test_nothing_without_grafana(spec: Spec) -> None:
    assert _render(_monitoring(spec, grafana=None)) == {}


def test_without_prometheus_the_dashboard_has_the_redis_panel_only(spec: Spec) -> None:
    files = _render(_monitoring(spec, prometheus=None))
    assert list(files) == [grafana.DATASOURCES_PATH, grafana.PROVIDERS_PATH, DASHBOARD]
    assert [s["type"] for s in _sources(files)] == ["redis-datasource"]
    board = json.loads(files[DASHBOARD])
    assert [p["title"] for p in board["panels"]] == ["Redis memory"]
    _check_dashboard(board)


def test_nothing_without_a_datasource(spec: Spec) -> None:
    assert spec.monitoring is not None and spec.monitoring.grafana is not None
    plain = spec.monitoring.grafana.model_copy(update={"plugins": []})
    assert _render(_monitoring(spec, prometheus=None, grafana=plain)) == {}


def _plain_grafana(spec: Spec) -> Spec:
    assert spec.monitoring is not None and spec.monitoring.grafana is not None
    return _monitoring(spec, grafana=spec.monitoring.grafana.model_copy(update={"plugins": []}))


@pytest.mark.parametrize(
    "variant",
    [
        lambda s: s,
        lambda s: _monitoring(s, prometheus=None),
        _plain_grafana,
        lambda s: _with_services(s, redis=None),
        lambda s: s.model_copy(update={"runtime": None}),
    ],
    ids=["reference", "no-prometheus", "no-redis-plugin", "no-redis-service", "no-runtime"],
)
def test_every_provisioned_datasource_is_queried_by_a_panel(spec: Spec, variant: Any) -> None:
    files = _render(variant(spec))
    provisioned = {(s["type"], s["uid"]) for s in _sources(files)}
    board = json.loads(files[DASHBOARD])
    queried = {
        (t["datasource"]["type"], t["datasource"]["uid"])
        for p in board["panels"]
        for t in p["targets"]
    }
    assert queried == provisioned


def test_output_is_stable(spec: Spec, files: dict[str, bytes]) -> None:
    assert _render(spec) == files


def test_prometheus_is_the_default_datasource(files: dict[str, bytes]) -> None:
    document = yaml.safe_load(files[grafana.DATASOURCES_PATH])
    assert document["apiVersion"] == 1
    first = document["datasources"][0]
    assert first == {
        "name": "Prometheus",
        "type": "prometheus",
        "uid": grafana.DATASOURCE_UID,
        "access": "proxy",
        "url": "http://prometheus:9090",
        "isDefault": True,
        "editable": False,
    }
    assert [s["isDefault"] for s in document["datasources"]] == [True, False]


def test_prometheus_url_follows_its_listen_port(spec: Spec) -> None:
    assert spec.monitoring is not None and spec.monitoring.prometheus is not None
    moved = spec.monitoring.prometheus.model_copy(update={"port": 9091})
    assert _sources(_render(_monitoring(spec, prometheus=moved)))[0]["url"] == (
        "http://prometheus:9091"
    )


def test_redis_datasource_points_at_the_redis_service(files: dict[str, bytes]) -> None:
    redis = _sources(files)[1]
    assert (redis["type"], redis["uid"]) == ("redis-datasource", grafana.REDIS_DATASOURCE_UID)
    assert redis["url"] == "redis://redis:6379"


def test_no_redis_datasource_without_the_plugin(spec: Spec) -> None:
    assert spec.monitoring is not None and spec.monitoring.grafana is not None
    plain = spec.monitoring.grafana.model_copy(update={"plugins": []})
    assert [s["type"] for s in _sources(_render(_monitoring(spec, grafana=plain)))] == [
        "prometheus"
    ]


def test_no_redis_datasource_without_a_redis_service(spec: Spec) -> None:
    files = _render(_with_services(spec, redis=None))
    assert [s["type"] for s in _sources(files)] == ["prometheus"]


def test_redis_service_is_found_by_its_image_not_its_name(spec: Spec) -> None:
    cache = spec.services["redis"].model_copy(update={"image": "docker.io/bitnami/redis:7.2"})
    files = _render(_with_services(spec, redis=None, cache=cache))
    assert _sources(files)[1]["url"] == "redis://cache:6379"


@pytest.mark.parametrize(
    ("image", "found"),
    [
        ("redis:7-alpine", True),
        ("redis/redis-stack:7.2.0-v10", True),
        ("docker.io/bitnami/redis@sha256:" + "0" * 64, True),
        ("registry.local:5000/redis:7", True),
        ("postgres:15-alpine", False),
        ("acme/not-redis:1", False),
    ],
)
def test_redis_image_detection(spec: Spec, image: str, found: bool) -> None:
    cache = spec.services["redis"].model_copy(update={"image": image})
    assert grafana.redis_service(_with_services(spec, redis=None, cache=cache)) == (
        "cache" if found else None
    )


def test_provider_loads_the_dashboards_folder_into_the_project_folder(
    files: dict[str, bytes],
) -> None:
    document = yaml.safe_load(files[grafana.PROVIDERS_PATH])
    assert document["apiVersion"] == 1
    [provider] = document["providers"]
    assert provider["type"] == "file"
    assert provider["folder"] == "inventario-retail"
    assert provider["options"] == {"path": "/var/lib/grafana/dashboards"}


def test_no_password_is_written(files: dict[str, bytes]) -> None:
    for content in files.values():
        text = content.decode().lower()
        assert "password" not in text
        assert "securejsondata" not in text


# --- dashboard structure ------------------------------------------------------------------


def test_dashboard_identity(board: dict[str, Any], files: dict[str, bytes]) -> None:
    assert board["uid"] == "stagespec-inventario-retail"
    assert board["title"] == "inventario-retail (staging)"
    assert board["description"] == f"generated by stagespec from {SOURCE} — do not edit"
    assert isinstance(board["schemaVersion"], int)
    assert files[DASHBOARD].endswith(b"}\n")


@pytest.mark.parametrize("project", ["a", "inventario-retail", "x" * 30, "y" * 63, "z" * 62])
def test_dashboard_uid_is_short_and_stable(project: str) -> None:
    uid = dashboard_uid(project)
    assert len(uid) <= 40
    assert uid == dashboard_uid(project)
    assert uid.startswith("stagespec-")


def test_long_project_names_keep_distinct_uids() -> None:
    assert dashboard_uid("p" * 62 + "a") != dashboard_uid("p" * 62 + "b")


def _check_dashboard(board: dict[str, Any]) -> None:
    """What Grafana needs of each panel, and what stagespec promises about the layout."""
    panels = board["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["y"] >= 0 and grid["h"] > 0
        assert grid["x"] + grid["w"] <= 24
        assert panel["datasource"] in (
            {"type": "prometheus", "uid": grafana.DATASOURCE_UID},
            {"type": grafana.REDIS_PLUGIN, "uid": grafana.REDIS_DATASOURCE_UID},
        )
        assert panel["type"] and panel["title"] and panel["targets"]
        for target in panel["targets"]:
            assert target["refId"]
            if panel["datasource"]["type"] == "prometheus":
                assert target["expr"]
            assert target["datasource"] == panel["datasource"]
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])
    for a, b in combinations(panels, 2):
        assert not _overlap(a["gridPos"], b["gridPos"]), (a["title"], b["title"])


def _overlap(a: dict[str, int], b: dict[str, int]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def test_reference_dashboard_is_well_formed(board: dict[str, Any]) -> None:
    _check_dashboard(board)


def test_many_breakers_wrap_onto_rows_without_overlap(spec: Spec) -> None:
    assert spec.resilience is not None
    breaker = Breaker(
        weight=Decimal("0.1"), failure_threshold=1, recovery_timeout=Duration.parse("10s")
    )
    many = spec.resilience.model_copy(update={"breakers": {f"b{i}": breaker for i in range(10)}})
    board = json.loads(_render(spec.model_copy(update={"resilience": many}))[DASHBOARD])
    _check_dashboard(board)
    # health, tier, targets; 10 breakers in rows of four (6 wide), the last row of two
    # leaving room for Redis memory (8 wide)
    assert len(board["panels"]) == 3 + 10 + 1
    assert max(p["gridPos"]["y"] for p in board["panels"]) == 8 + 2 * 4
    assert _panel(board, "Redis memory")["gridPos"] == {"h": 8, "w": 8, "x": 12, "y": 16}


def test_panel_datasource_uid_is_the_provisioned_one(
    board: dict[str, Any], files: dict[str, bytes]
) -> None:
    [prometheus] = [s for s in _sources(files) if s["type"] == "prometheus"]
    promql = [p for p in board["panels"] if p["title"] != "Redis memory"]
    uids = {p["datasource"]["uid"] for p in promql}
    uids |= {t["datasource"]["uid"] for p in promql for t in p["targets"]}
    assert uids == {prometheus["uid"]}


def _panel(board: dict[str, Any], title: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [p for p in board["panels"] if p["title"] == title]
    assert len(found) == 1, title
    return found[0]


def test_health_gauge_thresholds_follow_the_tiers(board: dict[str, Any]) -> None:
    panel = _panel(board, "Health score")
    defaults = panel["fieldConfig"]["defaults"]
    assert (panel["type"], defaults["min"], defaults["max"]) == ("gauge", 0, 100)
    steps = defaults["thresholds"]["steps"]
    assert [s["value"] for s in steps] == [None, 40, 60, 70, 90]
    assert (steps[0]["color"], steps[-1]["color"]) == ("red", "green")
    assert panel["targets"][0]["expr"] == metrics.HEALTH_SCORE


def test_tier_panel_maps_levels_to_tier_names(board: dict[str, Any], spec: Spec) -> None:
    assert spec.resilience is not None and spec.resilience.degradation is not None
    panel = _panel(board, "Degradation tier")
    assert panel["targets"][0]["expr"] == metrics.DEGRADATION_LEVEL
    [mapping] = panel["fieldConfig"]["defaults"]["mappings"]
    names = [tier.name for tier in spec.resilience.degradation.tiers]
    assert {k: v["text"] for k, v in mapping["options"].items()} == {
        str(i): name for i, name in enumerate(names)
    }


def test_one_panel_per_breaker(board: dict[str, Any], spec: Spec) -> None:
    assert spec.resilience is not None
    titles = [p["title"] for p in board["panels"] if p["title"].startswith("Breaker ")]
    assert titles == [f"Breaker {name}" for name in spec.resilience.breakers]
    panel = _panel(board, "Breaker redis")
    [mapping] = panel["fieldConfig"]["defaults"]["mappings"]
    assert {k: v["text"] for k, v in mapping["options"].items()} == {
        "0": "closed",
        "0.5": "half-open",
        "1": "open",
    }


def test_targets_panel_shows_up_by_job(board: dict[str, Any]) -> None:
    [target] = _panel(board, "Scrape targets")["targets"]
    assert (target["expr"], target["legendFormat"]) == ("up", "{{job}}")


def test_queried_metrics_are_runtime_metrics(spec: Spec) -> None:
    assert dashboard_panels.queried_metrics(BuildInput(spec, SOURCE)) == [
        metrics.HEALTH_SCORE,
        metrics.BREAKER_STATE,
        metrics.DEGRADATION_LEVEL,
    ]
    bare = BuildInput(_monitoring(spec, prometheus=None), SOURCE)
    assert dashboard_panels.queried_metrics(bare) == []


def test_no_runtime_panels_without_a_runtime(spec: Spec) -> None:
    board = json.loads(_render(spec.model_copy(update={"runtime": None}))[DASHBOARD])
    assert [p["title"] for p in board["panels"]] == ["Scrape targets", "Redis memory"]


# The redis-datasource plugin's query model (its RedisQuery type): Grafana's DataQuery
# fields, the query type, and the optional fields of each type.
_REDIS_QUERY_FIELDS = {
    "refId",
    "datasource",
    "hide",
    "queryType",
    "type",
    "query",
    "field",
    "filter",
    "command",
    "key",
    "value",
    "aggregation",
    "bucket",
    "fill",
    "legend",
    "section",
}
_REDIS_QUERY_TYPES = {"command", "timeSeries", "cli"}


def test_redis_panel_reads_info_memory_from_the_provisioned_redis(
    board: dict[str, Any], files: dict[str, bytes]
) -> None:
    [redis] = [s for s in _sources(files) if s["type"] == grafana.REDIS_PLUGIN]
    panel = _panel(board, "Redis memory")
    assert panel["datasource"] == {"type": redis["type"], "uid": redis["uid"]}
    [target] = panel["targets"]
    assert set(target) <= _REDIS_QUERY_FIELDS
    assert target["type"] in _REDIS_QUERY_TYPES
    assert (target["type"], target["command"], target["section"]) == ("command", "info", "memory")
    assert target["datasource"] == panel["datasource"]
    kept = panel["transformations"][0]
    assert kept["id"] == "filterFieldsByName"
    assert kept["options"]["include"]["names"] == ["used_memory", "maxmemory"]
    assert panel["fieldConfig"]["defaults"]["unit"] == "bytes"


def test_no_redis_panel_without_the_redis_datasource(spec: Spec) -> None:
    board = json.loads(_render(_with_services(spec, redis=None))[DASHBOARD])
    assert "Redis memory" not in [p["title"] for p in board["panels"]]
    assert grafana.REDIS_PLUGIN not in json.dumps(board)


# --- real tools: the panels' PromQL through promtool ------------------------------------------


def _promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.tools
@needs_promtool
def test_promtool_parses_every_panel_query(board: dict[str, Any], tmp_path: Path) -> None:
    # Each query as a recording rule: `promtool check rules` parses its PromQL.
    rules = [
        {"record": f"stagespec:panel_{p['id']}_{t['refId']}", "expr": t["expr"]}
        for p in board["panels"]
        for t in p["targets"]
        if p["datasource"]["type"] == "prometheus"
    ]
    document = {"groups": [{"name": "panels", "rules": rules}]}
    (tmp_path / "panels.yml").write_text(yaml.safe_dump(document, sort_keys=False))
    done = _promtool("check", "rules", "panels.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(rules)} rules found" in done.stdout


@pytest.mark.tools
@needs_promtool
def test_breaker_query_reads_0_closed_half_for_half_open_1_open(tmp_path: Path) -> None:
    states = {"closed": "1 0 0", "open": "0 1 0", "half_open": "0 0 1"}
    series = [
        {
            "series": selector(
                metrics.BREAKER_STATE, {"job": "dashboard", "breaker": "redis", "state": state}
            ),
            "values": values,
        }
        for state, values in states.items()
    ]
    cases = [
        {"expr": breaker_expr("redis"), "eval_time": f"{minute}m", "exp_samples": [sample]}
        for minute, sample in enumerate(
            {"labels": '{breaker="redis"}', "value": value} for value in (0, 1, 0.5)
        )
    ]
    unit = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": series, "promql_expr_test": cases}],
    }
    (tmp_path / "breaker.test.yml").write_text(yaml.safe_dump(unit, sort_keys=False))
    done = _promtool("test", "rules", "breaker.test.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
