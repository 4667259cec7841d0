"""Integers and booleans are strict: no boolean for a number, no number for a boolean, no
quoted number, no fraction for an integer; each is an SS010 at the value that names the
type expected and the type written."""

from __future__ import annotations

import pytest

from stagespec.engine.validate import check_document
from stagespec.load.document import load_text

HEAD = "stagespec: 1\nproject: demo\nservices:\n  api:\n    image: api:1.0\n"
BREAKER = (
    "resilience:\n  breakers:\n    a: {weight: 1, failure_threshold: 1, recovery_timeout: 1s}\n"
)
TIERS = (
    "resilience:\n  degradation:\n    features: [x]\n"
    "    tiers: [{name: all, min_score: 0, features: all}]\n"
)
RUNTIME = "runtime:\n  service: api\n  module: api_runtime\n  security: {hsts: true}\n"

INT, BOOL = "expected an integer", "expected a boolean (true or false)"
CASES = [
    # (spec text, the text to replace, its replacement, where, what is expected, got)
    (
        HEAD + "    healthcheck: {test: [CMD, ping], retries: 3}\n",
        "3",
        "true",
        "services.api.healthcheck.retries",
        INT,
        "a boolean",
    ),
    (
        HEAD + "    healthcheck: {test: [CMD, ping], retries: 3}\n",
        "3",
        '"3"',
        "services.api.healthcheck.retries",
        INT,
        "a quoted number (write it without quotes)",
    ),
    (
        HEAD + "    healthcheck: {test: [CMD, ping], retries: 3}\n",
        "3",
        "2.5",
        "services.api.healthcheck.retries",
        INT,
        "a number with a fraction",
    ),
    (
        HEAD + "    healthcheck: {test: [CMD, ping], retries: 3}\n",
        "3",
        "2.0",
        "services.api.healthcheck.retries",
        INT,
        "a decimal number (write it without the point)",
    ),
    (HEAD + "    enabled: true\n", "true", "1", "services.api.enabled", BOOL, "an integer"),
    (HEAD + "    enabled: true\n", "true", '"true"', "services.api.enabled", BOOL, "a string"),
    (
        HEAD + "    metrics: {port: 8080}\n",
        "8080",
        "true",
        "services.api.metrics.port",
        INT,
        "a boolean",
    ),
    (
        HEAD + "    metrics: {port: 8080}\n",
        "8080",
        '"8080"',
        "services.api.metrics.port",
        INT,
        "a quoted number (write it without quotes)",
    ),
    (
        HEAD + BREAKER,
        "failure_threshold: 1",
        "failure_threshold: true",
        "resilience.breakers.a.failure_threshold",
        INT,
        "a boolean",
    ),
    (
        HEAD + BREAKER,
        "recovery_timeout: 1s",
        "recovery_timeout: 1s, half_open_requests: 1.5",
        "resilience.breakers.a.half_open_requests",
        INT,
        "a number with a fraction",
    ),
    (
        HEAD + TIERS,
        "min_score: 0",
        'min_score: "0"',
        "resilience.degradation.tiers.0.min_score",
        INT,
        "a quoted number (write it without quotes)",
    ),
    (
        HEAD + TIERS,
        "features: all}",
        "features: all, read_only: 0}",
        "resilience.degradation.tiers.0.read_only",
        BOOL,
        "an integer",
    ),
    (HEAD + RUNTIME, "hsts: true", "hsts: 1", "runtime.security.hsts", BOOL, "an integer"),
    (
        HEAD + RUNTIME,
        "hsts: true",
        "force_https: yes",
        "runtime.security.force_https",
        BOOL,
        "a string",
    ),
    (
        HEAD + RUNTIME,
        "hsts: true",
        "rate_limit: {window: 1s, requests: true}",
        "runtime.security.rate_limit.requests",
        INT,
        "a boolean",
    ),
    (
        HEAD + "monitoring:\n  grafana: {image: g:1, admin_password: {secret: x}, port: 3000}\n",
        "port: 3000",
        "port: false",
        "monitoring.grafana.port",
        INT,
        "a boolean",
    ),
]


@pytest.mark.parametrize(("text", "old", "new", "where", "expected", "got"), CASES)
def test_a_scalar_of_the_wrong_type_is_an_error_at_the_value(
    text: str, old: str, new: str, where: str, expected: str, got: str
) -> None:
    assert old in text
    spec, _ = check_document(load_text(text, "stack.yaml"))
    assert spec is not None, "the spec is valid before the change"
    bad = text.replace(old, new, 1)
    _, diagnostics = check_document(load_text(bad, "stack.yaml"))
    [found] = [d for d in diagnostics if d.code == "SS010"]
    assert found.message == f"{where}: {expected}, got {got}"
    at = text.index(old) + new.rindex(new.split()[-1].rstrip("}"))  # the value written
    line = bad[:at].count("\n") + 1
    assert (found.line, found.column) == (line, at - bad.rfind("\n", 0, at))


@pytest.mark.parametrize(
    "values",
    [
        "environment: {A: true, B: 5, C: 2.5, D: text, E: null}",
        "ports: [8080, '8081:80', '127.0.0.1:9000:9000/udp']",
        "command: [sleep, 5]",
    ],
)
def test_values_that_may_be_any_scalar_stay_accepted(values: str) -> None:
    spec, diagnostics = check_document(load_text(HEAD + f"    {values}\n", "stack.yaml"))
    assert spec is not None, diagnostics


def test_a_boolean_word_in_a_command_is_refused_not_turned_into_true() -> None:
    spec, diagnostics = check_document(load_text(HEAD + "    command: [test, true]\n"))
    assert spec is None
    [found] = [d for d in diagnostics if d.code == "SS010"]
    assert "quote `true` and `false`" in found.message
