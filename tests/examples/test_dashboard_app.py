"""The example dashboard, in process, against runtime modules generated from the reference spec.

One test (or a few) per rule the app enforces: the `/health` contract, the API key in the
scrape job's form and as `X-API-Key`, the rate limit, HSTS, CSP, the request id, the JSON
access log, the redirect to https, and the dependencies' switches.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from example_dashboard.accesslog import AccessLog
from example_dashboard.app import Dashboard, create_app
from example_dashboard.dependencies import Dependencies
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from conftest import API_KEY
from stagespec.model.spec import HeaderAuth
from stagespec.plan import metrics

BEARER = {"services.dashboard.metrics.auth": "bearer"}
HEADER = {"services.dashboard.metrics.auth": HeaderAuth(header="X-API-Key")}
OTHER_HEADER = {"services.dashboard.metrics.auth": HeaderAuth(header="X-Scrape-Token")}
SMALL_LIMIT = 3


class Clock:
    """A monotonic clock that only moves when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Client:
    """A TestClient on a fresh dashboard, with its access log and clock at hand."""

    def __init__(self, runtime: Any, api_key: str | None = API_KEY) -> None:
        self.runtime = runtime
        self.clock = Clock()
        self.log = io.StringIO()
        self.dashboard = Dashboard(
            runtime,
            Dependencies(runtime.BREAKERS.values(), self.clock),
            api_key,
            clock=self.clock,
            log=AccessLog(runtime, self.log),
        )
        self.app = create_app(self.dashboard)

    def http(self, address: str = "testclient") -> TestClient:
        return TestClient(self.app, client=(address, 50000), follow_redirects=False)

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.getvalue().splitlines()]


@pytest.fixture
def make_client(make_runtime: Callable[..., Any]) -> Callable[..., Client]:
    def make(changes: dict[str, Any] | None = None, api_key: str | None = API_KEY) -> Client:
        return Client(make_runtime(changes), api_key)

    return make


@pytest.fixture
def client(runtime: Any) -> Client:
    return Client(runtime)


def scrape_headers(runtime: Any, key: str = API_KEY) -> dict[str, str]:
    """The key as the generated scrape job sends it."""
    scheme = runtime.SCRAPE_AUTH_SCHEME
    return {runtime.SCRAPE_AUTH_HEADER: f"{scheme} {key}" if scheme else key}


# --- /health -------------------------------------------------------------------------------


def test_health_is_the_contract(client: Client, runtime: Any) -> None:
    answer = client.http().get("/health")
    assert answer.status_code == 200
    body = answer.json()
    tier = runtime.TIERS[0]
    assert body["status"] == "ok"
    assert (body["score"], body["tier"], body["level"]) == (100, tier.name, 0)
    assert body["features"] == list(runtime.FEATURES)
    assert (body["cache"], body["read_only"], body["status_page_only"]) == (
        tier.cache,
        tier.read_only,
        tier.status_page_only,
    )
    assert set(body["breakers"]) == set(runtime.BREAKERS) == {"openai", "database", "redis", "s3"}
    assert body["breakers"]["database"] == {
        "state": "closed",
        "failure_threshold": 3,
        "recovery_timeout_s": 20.0,
        "half_open_requests": 1,
        "weight": 0.3,
    }
    assert [(t["name"], t["min_score"], t["features"]) for t in body["tiers"]] == [
        ("optimal", 90, 16),
        ("degraded", 70, 12),
        ("limited", 60, 8),
        ("minimal", 40, 4),
        ("emergency", 0, 0),
    ]


def test_health_follows_an_open_breaker(client: Client, runtime: Any) -> None:
    http = client.http()
    headers = {"X-API-Key": API_KEY}
    assert http.post("/dependencies/database/fail", headers=headers).status_code == 200
    for _ in range(runtime.BREAKERS["database"].failure_threshold):
        assert http.post("/dependencies/database/call", headers=headers).status_code == 502
    assert http.post("/dependencies/database/call", headers=headers).status_code == 503
    body = http.get("/health").json()
    score = runtime.health_score({"database": "open"})
    assert (body["status"], body["score"], body["level"]) == ("degraded", score, 1)
    assert body["tier"] == runtime.tier_for(score).name == "degraded"
    assert len(body["features"]) == 12
    assert body["breakers"]["database"]["state"] == "open"


# --- the API key ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", [BEARER, HEADER, OTHER_HEADER], ids=["bearer", "x-api-key", "own"])
def test_metrics_take_the_key_only_as_the_scrape_job_sends_it(
    make_client: Callable[..., Client], form: dict[str, Any]
) -> None:
    client = make_client(form)
    runtime = client.runtime
    http = client.http()
    good = scrape_headers(runtime)
    answer = http.get("/metrics", headers=good)
    assert answer.status_code == 200
    families = {f.name for f in text_string_to_metric_families(answer.text)}
    assert families == set(metrics.ALL)
    assert http.get("/metrics").status_code == 401
    assert http.get("/metrics", headers=scrape_headers(runtime, "wrong")).status_code == 401
    others = [{"X-API-Key": API_KEY}, {"Authorization": f"Bearer {API_KEY}"}]
    for other in others:
        status = http.get("/metrics", headers=other).status_code
        assert status == (200 if other == good else 401), other
    refused = http.get("/metrics")
    assert refused.headers["WWW-Authenticate"]
    assert API_KEY not in refused.text


def test_the_scrape_form_is_what_the_spec_says(make_client: Callable[..., Client]) -> None:
    bearer = make_client(BEARER).runtime
    header = make_client(HEADER).runtime
    assert (bearer.SCRAPE_AUTH_HEADER, bearer.SCRAPE_AUTH_SCHEME) == ("Authorization", "Bearer")
    assert (header.SCRAPE_AUTH_HEADER, header.SCRAPE_AUTH_SCHEME) == ("X-API-Key", None)


def test_metrics_are_open_when_the_scrape_job_sends_no_key(
    make_client: Callable[..., Client],
) -> None:
    client = make_client({"services.dashboard.metrics.api_key": None})
    assert client.runtime.SCRAPE_AUTH_HEADER is None
    http = client.http()
    assert http.get("/metrics").status_code == 200
    assert http.get("/api/features").status_code == 401  # the API key still guards the rest


@pytest.mark.parametrize("form", [BEARER, HEADER], ids=["bearer", "x-api-key"])
def test_features_need_the_key_as_x_api_key_or_as_the_scrape_job_sends_it(
    make_client: Callable[..., Client], form: dict[str, Any]
) -> None:
    client = make_client(form)
    runtime = client.runtime
    http = client.http()
    for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}):
        answer = http.get("/api/features", headers=headers)
        assert answer.status_code == 401, headers
        assert "WWW-Authenticate" in answer.headers
    for headers in ({"X-API-Key": API_KEY}, scrape_headers(runtime)):
        answer = http.get("/api/features", headers=headers)
        assert answer.status_code == 200, headers
        assert answer.json() == {
            "score": 100,
            "tier": "optimal",
            "features": list(runtime.FEATURES),
        }
    assert http.get("/api/features", headers={"X-API-Key": f" {API_KEY}x"}).status_code == 401


def test_the_switches_need_the_key(client: Client) -> None:
    http = client.http()
    assert http.post("/dependencies/openai/fail").status_code == 401
    assert http.get("/health").json()["breakers"]["openai"]["state"] == "closed"
    answer = http.post("/dependencies/openai/fail", headers={"X-API-Key": API_KEY})
    assert answer.json() == {"dependency": "openai", "failing": True, "breaker": "closed"}
    answer = http.post("/dependencies/openai/recover", headers={"X-API-Key": API_KEY})
    assert answer.json() == {"dependency": "openai", "failing": False, "breaker": "closed"}
    answer = http.post("/dependencies/openai/call", headers={"X-API-Key": API_KEY})
    assert (answer.status_code, answer.json()["result"]) == (200, "openai answered")


@pytest.mark.parametrize("path", ["/dependencies/ldap/fail", "/dependencies/openai/jump", "/x"])
def test_unknown_routes_and_dependencies_answer_404(client: Client, path: str) -> None:
    answer = client.http().post(path, headers={"X-API-Key": API_KEY})
    assert answer.status_code == 404


def test_no_key_configured_opens_every_route(make_client: Callable[..., Client]) -> None:
    http = make_client(api_key=None).http()
    assert http.get("/metrics").status_code == 200
    assert http.get("/api/features").status_code == 200


# --- the rate limit ------------------------------------------------------------------------

LIMITED = {"runtime.security.rate_limit.requests": SMALL_LIMIT}


def test_the_request_after_the_limit_gets_429_with_retry_after(
    make_client: Callable[..., Client],
) -> None:
    client = make_client(LIMITED)
    window = client.runtime.RATE_LIMIT_WINDOW_SECONDS
    assert (client.runtime.RATE_LIMIT_REQUESTS, window) == (SMALL_LIMIT, 60)
    http = client.http()
    key = {"X-API-Key": API_KEY}
    for _ in range(SMALL_LIMIT):
        assert http.get("/api/features", headers=key).status_code == 200
    refused = http.get("/api/features", headers=key)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(math.ceil(window))
    client.clock.now += 20.5
    assert http.get("/api/features", headers=key).headers["Retry-After"] == "40"
    # A refused request takes no slot: once the window has passed, the limit is whole again.
    client.clock.now += window
    for _ in range(SMALL_LIMIT):
        assert http.get("/api/features", headers=key).status_code == 200
    assert http.get("/api/features", headers=key).status_code == 429


def test_the_window_slides(make_client: Callable[..., Client]) -> None:
    client = make_client(LIMITED)
    http = client.http()
    assert http.get("/x").status_code == 404
    client.clock.now += 30
    assert http.get("/x").status_code == 404
    assert http.get("/x").status_code == 404
    assert http.get("/x").status_code == 429  # unknown routes count too
    client.clock.now += 30  # the first request leaves the window, the others stay
    assert http.get("/x").status_code == 404
    assert http.get("/x").status_code == 429


def test_the_limit_is_per_client(make_client: Callable[..., Client]) -> None:
    client = make_client(LIMITED)
    first, second = client.http("192.0.2.1"), client.http("192.0.2.2")
    for _ in range(SMALL_LIMIT):
        first.post("/dependencies/openai/call")
    assert first.post("/dependencies/openai/call").status_code == 429
    assert second.post("/dependencies/openai/call").status_code == 401


def test_health_and_metrics_are_not_limited(make_client: Callable[..., Client]) -> None:
    client = make_client(LIMITED)
    http = client.http()
    for _ in range(SMALL_LIMIT * 3):
        assert http.get("/health").status_code == 200
        assert http.get("/metrics", headers=scrape_headers(client.runtime)).status_code == 200
    assert http.get("/api/features", headers={"X-API-Key": API_KEY}).status_code == 200


def test_no_rate_limit_in_the_spec_means_none(make_client: Callable[..., Client]) -> None:
    client = make_client({"runtime.security.rate_limit": None})
    assert client.runtime.RATE_LIMIT_REQUESTS is None
    http = client.http()
    assert all(http.get("/x").status_code == 404 for _ in range(150))


# --- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/health", "/metrics", "/api/features", "/dependencies/s3/call", "/nothing"]
)
def test_every_answer_carries_hsts_and_the_csp(client: Client, path: str) -> None:
    answer = client.http().request("POST" if "/dependencies/" in path else "GET", path)
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert answer.headers["Content-Security-Policy"] == client.runtime.CSP == "default-src 'self'"


def test_a_429_carries_them_too(make_client: Callable[..., Client]) -> None:
    client = make_client(LIMITED)
    http = client.http()
    answers = [http.get("/api/features") for _ in range(SMALL_LIMIT + 1)]
    assert answers[-1].status_code == 429
    assert "Strict-Transport-Security" in answers[-1].headers
    assert "Content-Security-Policy" in answers[-1].headers
    assert "X-Request-ID" in answers[-1].headers


def test_hsts_off_and_no_csp_send_neither(make_client: Callable[..., Client]) -> None:
    client = make_client({"runtime.security.hsts": False, "runtime.security.csp": None})
    answer = client.http().get("/health")
    assert "Strict-Transport-Security" not in answer.headers
    assert "Content-Security-Policy" not in answer.headers


def test_force_https_redirects_what_a_proxy_got_over_http(
    make_client: Callable[..., Client], client: Client
) -> None:
    forced = make_client({"runtime.security.force_https": True}).http()
    plain = {"X-Forwarded-Proto": "http"}
    answer = forced.get("/api/features?x=1", headers=plain)
    assert answer.status_code == 308
    assert answer.headers["Location"] == "https://testserver/api/features?x=1"
    # The healthcheck and the scrape call the container directly, over plain HTTP.
    assert forced.get("/health", headers=plain).status_code == 200
    assert forced.get("/api/features", headers={"X-Forwarded-Proto": "https"}).status_code == 401
    assert client.http().get("/api/features", headers=plain).status_code == 401


# --- the request id and the access log -----------------------------------------------------


def test_the_request_id_is_echoed_or_made(client: Client) -> None:
    http = client.http()
    assert http.get("/health", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == (
        "abc-123"
    )
    made = http.get("/health").headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    assert http.get("/health").headers["X-Request-ID"] != made
    odd = http.get("/health", headers={"X-Request-ID": "a b\tc"}).headers["X-Request-ID"]
    assert odd != "a b\tc" and len(odd) == 32


def test_one_json_log_line_per_request_with_its_request_id(client: Client) -> None:
    http = client.http()
    http.get("/health", headers={"X-Request-ID": "req-1"})
    refused = http.get("/api/features")
    http.post("/dependencies/ldap/call", headers={"X-API-Key": API_KEY})
    lines = client.lines()
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/health", 200),
        ("GET", "/api/features", 401),
        ("POST", "/dependencies/ldap/call", 404),
    ]
    assert lines[0]["request_id"] == "req-1"
    assert lines[1]["request_id"] == refused.headers["X-Request-ID"]
    assert {"time", "level", "message", "duration_ms", "client"} <= set(lines[0])
    assert API_KEY not in client.log.getvalue()


def test_text_logs_when_the_spec_says_text(make_client: Callable[..., Client]) -> None:
    client = make_client({"runtime.logging.format": "text"})
    client.http().get("/health", headers={"X-Request-ID": "req-2"})
    [line] = client.log.getvalue().splitlines()
    assert not line.startswith("{")
    assert "GET /health 200" in line and "request_id=req-2" in line
    # A decoded path may hold a line break: it is escaped, so one request stays one line.
    client.dashboard.access_log.request(
        method="GET", path="/a\nb", status=404, duration_ms=1, client="c", request_id="r"
    )
    assert client.log.getvalue().splitlines()[1].count("GET /a\\nb 404") == 1


def test_no_request_id_header_in_the_spec_means_none_sent(
    make_client: Callable[..., Client],
) -> None:
    client = make_client({"runtime.logging.request_id_header": None})
    answer = client.http().get("/health", headers={"X-Request-ID": "req-3"})
    assert "X-Request-ID" not in answer.headers
    [line] = client.lines()
    assert line["request_id"] != "req-3"  # made for the log line, still one per request


def test_a_failing_route_answers_500_and_is_logged(client: Client) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("boom")

    client.dashboard.health = broken  # type: ignore[method-assign]
    answer = client.http().get("/health")
    assert answer.status_code == 500
    assert answer.headers["Content-Security-Policy"]
    [line] = client.lines()
    assert (line["status"], line["level"]) == (500, "error")
