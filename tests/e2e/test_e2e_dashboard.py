"""The example dashboard, run as a server on the generated runtime module and driven over HTTP."""

from __future__ import annotations

import re
from types import ModuleType

import pytest
from e2e_support import Built, Dashboard, http, wait_until

from stagespec.plan import metrics

pytestmark = [pytest.mark.e2e, pytest.mark.tools]

WAIT = 10.0


def exported(body: bytes) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Each metric family of an exposition: its samples' labels and values."""
    from prometheus_client.parser import text_string_to_metric_families

    return {
        family.name: [(sample.labels, sample.value) for sample in family.samples]
        for family in text_string_to_metric_families(body.decode())
    }


def test_health_is_the_runtime_modules_computation(
    idle_dashboard: Dashboard, runtime: ModuleType
) -> None:
    health = idle_dashboard.health()
    score = runtime.health_score({})
    assert health["status"] == "ok"
    assert health["score"] == score == 100
    assert health["tier"] == runtime.tier_for(score).name == runtime.TIERS[0].name
    assert health["level"] == 0
    assert health["features"] == list(runtime.FEATURES)
    assert {n: b["state"] for n, b in health["breakers"].items()} == dict.fromkeys(
        runtime.BREAKERS, "closed"
    )
    assert [tier["features"] for tier in health["tiers"]] == [16, 12, 8, 4, 0]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"X-API-Key": "wrong"}, {"Authorization": "Basic x"}],
    ids=["none", "wrong-bearer", "wrong-x-api-key", "other-scheme"],
)
def test_metrics_refuse_a_request_without_the_key(
    idle_dashboard: Dashboard, headers: dict[str, str]
) -> None:
    status, answer_headers, _ = idle_dashboard.get("/metrics", **headers)
    assert status == 401
    assert {name.lower() for name in answer_headers} >= {"www-authenticate"}


def scrape_headers(runtime: ModuleType, key: str) -> dict[str, str]:
    """The key as the generated scrape job sends it (the module's SCRAPE_AUTH_*)."""
    scheme = runtime.SCRAPE_AUTH_SCHEME
    return {runtime.SCRAPE_AUTH_HEADER: f"{scheme} {key}" if scheme else key}


@pytest.mark.parametrize("header", ["Authorization", "X-API-Key"])
def test_metrics_accept_the_key_only_as_the_scrape_job_sends_it(
    idle_dashboard: Dashboard, runtime: ModuleType, header: str
) -> None:
    key = idle_dashboard.api_key
    value = f"Bearer {key}" if header == "Authorization" else key
    status, _, body = idle_dashboard.get("/metrics", **{header: value})
    if {header: value} == scrape_headers(runtime, key):
        assert status == 200
        assert metrics.HEALTH_SCORE in exported(body)
    else:
        assert status == 401


def test_metrics_are_what_the_generated_rules_and_panels_query(
    idle_dashboard: Dashboard, built: Built, runtime: ModuleType
) -> None:
    queried: set[str] = set()
    for path in [*built.out.glob("prometheus/rules/*.yml"), *built.out.glob("grafana/**/*.json")]:
        queried |= set(re.findall(r"\bstack_[a-z_]+", path.read_text()))
    _, _, body = idle_dashboard.get("/metrics", **scrape_headers(runtime, idle_dashboard.api_key))
    families = exported(body)
    assert set(families) == set(metrics.ALL)
    assert queried and queried <= set(families)
    breakers = {labels["breaker"] for labels, _ in families[metrics.BREAKER_STATE]}
    assert breakers == set(runtime.BREAKERS)
    tiers = [labels["tier"] for labels, _ in families[metrics.DEGRADATION_TIER]]
    assert tiers == [tier.name for tier in runtime.TIERS]


def test_a_failing_dependency_opens_its_breaker_and_lowers_the_tier(
    dashboard: Dashboard, runtime: ModuleType
) -> None:
    answer = dashboard.post("/dependencies/database/fail")
    assert answer == {"dependency": "database", "failing": True, "breaker": "closed"}
    # The background probe calls it until its failure_threshold is reached.
    wait_until(lambda: dashboard.health()["breakers"]["database"]["state"] == "open", "open", WAIT)
    health = dashboard.health()
    score = runtime.health_score({"database": "open"})
    tier = runtime.tier_for(score)
    assert health["score"] == score == 70
    assert (health["status"], health["tier"], health["level"]) == ("degraded", tier.name, 1)
    assert health["features"] == [f for f in runtime.FEATURES if f in tier.features]
    families = exported(dashboard.get("/metrics", **scrape_headers(runtime, dashboard.api_key))[2])
    assert ({"breaker": "database", "state": "open"}, 1.0) in families[metrics.BREAKER_STATE]
    assert families[metrics.HEALTH_SCORE] == [({}, score)]


def test_a_call_through_an_open_breaker_is_refused(dashboard: Dashboard) -> None:
    dashboard.post("/dependencies/redis/fail")
    breakers = dashboard.health
    wait_until(lambda: breakers()["breakers"]["redis"]["state"] == "open", "redis open", WAIT)
    call = dashboard.url + "/dependencies/redis/call"
    status, _, body = http("POST", call, {"X-API-Key": dashboard.api_key})
    assert status == 503
    assert b"circuit breaker 'redis' is open" in body


@pytest.mark.parametrize("path", ["/dependencies/ldap/fail", "/nothing"])
def test_unknown_routes_and_dependencies_answer_404(idle_dashboard: Dashboard, path: str) -> None:
    status, _, _ = http("POST", idle_dashboard.url + path, {"X-API-Key": idle_dashboard.api_key})
    assert status == 404


def test_the_fail_switch_needs_the_key(idle_dashboard: Dashboard) -> None:
    status, _, _ = http("POST", idle_dashboard.url + "/dependencies/openai/fail")
    assert status == 401
    assert idle_dashboard.health()["breakers"]["openai"]["state"] == "closed"
