"""Tests for the Prometheus emitter: config, alert rules, their promtool unit tests, PromQL."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from stagespec.engine.validate import validate_file
from stagespec.model.spec import Metrics, Spec
from stagespec.plan import alerts, metrics
from stagespec.plan.inputs import BuildInput
from stagespec.plan.promql import (
    camel,
    expr_names,
    label_matcher,
    quote,
    selector,
)
from stagespec.targets import prometheus
from stagespec.targets.base import header

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
SOURCE = "specs/inventario-retail/stack.yaml"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed")


def _spec(path: Path = REFERENCE) -> Spec:
    result = validate_file(path)
    assert result.spec is not None, result.diagnostics
    return result.spec


def _edited_spec(tmp_path: Path, old: str, new: str) -> Spec:
    """The reference spec with one piece of its text replaced, validated like any spec."""
    text = REFERENCE.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "stack.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return _spec(path)


@pytest.fixture(scope="module")
def spec() -> Spec:
    return _spec()


@pytest.fixture(scope="module")
def files(spec: Spec) -> dict[str, bytes]:
    return prometheus.render(BuildInput(spec, SOURCE))


def _load(files: dict[str, bytes], path: str) -> Any:
    return yaml.safe_load(files[path].decode())


def _alerts(files: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    groups = _load(files, prometheus.RULES_PATH)["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


# --- structure ---------------------------------------------------------------------------


def test_writes_config_rules_and_their_tests(files: dict[str, bytes], spec: Spec) -> None:
    assert list(files) == [prometheus.CONFIG_PATH, prometheus.RULES_PATH, prometheus.TESTS_PATH]
    for content in files.values():
        assert content.decode().startswith(header(BuildInput(spec, SOURCE)))


def test_nothing_without_prometheus(spec: Spec) -> None:
    monitoring = spec.monitoring
    assert monitoring is not None
    bare = spec.model_copy(
        update={"monitoring": monitoring.model_copy(update={"prometheus": None})}
    )
    assert prometheus.render(BuildInput(bare, SOURCE)) == {}
    assert alerts.queried_metrics(BuildInput(bare, SOURCE)) == []


def test_output_is_stable(spec: Spec, files: dict[str, bytes]) -> None:
    assert prometheus.render(BuildInput(spec, SOURCE)) == files


def test_global_settings_come_from_the_spec(files: dict[str, bytes]) -> None:
    config = _load(files, prometheus.CONFIG_PATH)
    assert config["global"] == {
        "scrape_interval": "15s",
        "scrape_timeout": "10s",
        "evaluation_interval": "15s",
        "external_labels": {"project": "inventario-retail", "environment": "staging"},
    }
    assert config["rule_files"] == ["/etc/prometheus/rules/*.yml"]


def test_scrapes_itself_and_each_enabled_service_with_metrics(files: dict[str, bytes]) -> None:
    jobs = _load(files, prometheus.CONFIG_PATH)["scrape_configs"]
    assert [job["job_name"] for job in jobs] == ["prometheus", "dashboard"]
    assert jobs[0]["static_configs"] == [{"targets": ["localhost:9090"]}]
    assert jobs[1]["metrics_path"] == "/metrics"
    assert jobs[1]["static_configs"] == [
        {"targets": ["dashboard:8080"], "labels": {"service": "dashboard"}}
    ]


def test_self_scrape_uses_the_listen_port(spec: Spec) -> None:
    server = _prometheus(spec).model_copy(update={"port": 9091})
    config = prometheus.config(BuildInput(spec, SOURCE), server)
    assert config["scrape_configs"][0]["static_configs"] == [{"targets": ["localhost:9091"]}]


def test_api_key_is_sent_in_the_spec_header_from_the_mounted_secret_file(
    files: dict[str, bytes],
) -> None:
    dashboard = _load(files, prometheus.CONFIG_PATH)["scrape_configs"][1]
    assert dashboard["http_headers"] == {"X-API-Key": {"files": ["/run/secrets/dashboard_api_key"]}}
    assert "authorization" not in dashboard
    assert "credentials:" not in files[prometheus.CONFIG_PATH].decode()


def test_bearer_auth_reads_the_key_as_credentials_file(spec: Spec) -> None:
    dashboard = spec.services["dashboard"]
    assert dashboard.metrics is not None
    bearer = dashboard.model_copy(
        update={"metrics": dashboard.metrics.model_copy(update={"auth": "bearer"})}
    )
    edited = spec.model_copy(update={"services": {**spec.services, "dashboard": bearer}})
    job = prometheus.config(BuildInput(edited, SOURCE), _prometheus(edited))["scrape_configs"][1]
    assert job["authorization"] == {
        "type": "Bearer",
        "credentials_file": "/run/secrets/dashboard_api_key",
    }
    assert "http_headers" not in job
    assert prometheus.scrape_auth(bearer.metrics) == ("Authorization", "Bearer")


def test_disabled_services_are_not_scraped(spec: Spec) -> None:
    localstack = spec.services["localstack"].model_copy(update={"metrics": Metrics(port=4566)})
    edited = spec.model_copy(update={"services": {**spec.services, "localstack": localstack}})
    config = prometheus.config(BuildInput(edited, SOURCE), _prometheus(edited))
    assert "localstack" not in [job["job_name"] for job in config["scrape_configs"]]


def test_scrape_timeout_never_exceeds_the_interval(tmp_path: Path) -> None:
    spec = _edited_spec(tmp_path, "scrape_interval: 15s", "scrape_interval: 5s")
    config = prometheus.config(BuildInput(spec, SOURCE), _prometheus(spec))
    assert config["global"]["scrape_timeout"] == "5s"


def _prometheus(spec: Spec) -> Any:
    assert spec.monitoring is not None
    return spec.monitoring.prometheus


# --- alert rules ---------------------------------------------------------------------------

EXPECTED_ALERTS = {
    "BreakerOpenOpenai": ('stack_circuit_breaker_state{breaker="openai",state="open"} == 1', "30s"),
    "BreakerOpenDatabase": (
        'stack_circuit_breaker_state{breaker="database",state="open"} == 1',
        "20s",
    ),
    "BreakerOpenRedis": ('stack_circuit_breaker_state{breaker="redis",state="open"} == 1', "15s"),
    "BreakerOpenS3": ('stack_circuit_breaker_state{breaker="s3",state="open"} == 1', "25s"),
    "DegradedBelowOptimal": ("stack_degradation_level > 0", "1m"),
    "DegradedToEmergency": ("stack_degradation_level >= 4", "1m"),
    "TargetDownDashboard": ('up{job="dashboard"} == 0', "1m"),
}


def test_alert_names_in_order(files: dict[str, bytes]) -> None:
    assert list(_alerts(files)) == list(EXPECTED_ALERTS)


@pytest.mark.parametrize(("name", "expected"), EXPECTED_ALERTS.items())
def test_alert_expression_and_hold(
    files: dict[str, bytes], name: str, expected: tuple[str, str]
) -> None:
    rule = _alerts(files)[name]
    assert (rule["expr"], rule["for"]) == expected
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert set(rule["annotations"]) == {"summary", "description"}


def test_every_alert_names_a_breaker_or_a_service(files: dict[str, bytes], spec: Spec) -> None:
    assert spec.resilience is not None
    for name, rule in _alerts(files).items():
        labels = rule["labels"]
        assert "breaker" in labels or "service" in labels, name
        assert labels.get("breaker", "openai") in spec.resilience.breakers
        assert labels.get("service", "dashboard") in spec.services


def test_critical_tier_alert_names_the_last_tier(files: dict[str, bytes]) -> None:
    assert _alerts(files)["DegradedToEmergency"]["labels"]["tier"] == "emergency"


def test_no_breaker_or_tier_alerts_without_a_runtime(spec: Spec) -> None:
    edited = spec.model_copy(update={"runtime": None})
    rules = _alerts(prometheus.render(BuildInput(edited, SOURCE)))
    assert list(rules) == ["TargetDownDashboard"]
    assert alerts.queried_metrics(BuildInput(edited, SOURCE)) == []


def test_no_tier_alerts_with_a_single_tier(spec: Spec) -> None:
    assert spec.resilience is not None and spec.resilience.degradation is not None
    one = spec.resilience.degradation.model_copy(
        update={"tiers": spec.resilience.degradation.tiers[:1]}
    )
    resilience = spec.resilience.model_copy(update={"degradation": one})
    rules = _alerts(
        prometheus.render(BuildInput(spec.model_copy(update={"resilience": resilience}), SOURCE))
    )
    assert not [name for name in rules if name.startswith("Degraded")]


def test_queried_metrics_are_runtime_metrics(spec: Spec) -> None:
    queried = alerts.queried_metrics(BuildInput(spec, SOURCE))
    assert queried == [metrics.BREAKER_STATE, metrics.DEGRADATION_LEVEL]


# --- the generated promtool unit tests -----------------------------------------------------


def test_unit_tests_load_the_rule_file_relative_to_themselves(files: dict[str, bytes]) -> None:
    tests = _load(files, prometheus.TESTS_PATH)
    test_dir = Path(prometheus.TESTS_PATH).parent
    assert [(test_dir / f).resolve() for f in tests["rule_files"]] == [
        Path(prometheus.RULES_PATH).resolve()
    ]
    assert tests["evaluation_interval"] == "15s"


def test_every_alert_has_a_test_that_checks_before_and_at_firing(files: dict[str, bytes]) -> None:
    groups = _load(files, prometheus.TESTS_PATH)["tests"]
    assert len(groups) == len(_alerts(files))
    for name, group in zip(_alerts(files), groups, strict=True):
        cases = [c for c in group["alert_rule_test"] if c["alertname"] == name]
        assert [bool(c["exp_alerts"]) for c in cases] == [False, True]


def test_breaker_test_fires_one_evaluation_after_the_recovery_timeout(
    files: dict[str, bytes],
) -> None:
    # openai opens at 30s (two healthy evaluations) and must stay open 30s: fires at 1m.
    group = _load(files, prometheus.TESTS_PATH)["tests"][0]
    assert group["input_series"][0]["values"] == "0+0x1 1+0x3"
    assert [c["eval_time"] for c in group["alert_rule_test"]] == ["45s", "1m"]


# --- PromQL text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("openai", '"openai"'),
        ('say "hi"', r'"say \"hi\""'),
        ("back\\slash", r'"back\\slash"'),
        ('\\"', r'"\\\""'),
        ("two\nlines\tand\rmore", r'"two\nlines\tand\rmore"'),
        ("bell\x07", r'"bell\x07"'),
        ("ünïcode", '"ünïcode"'),
    ],
)
def test_quote_escapes_backslash_quote_and_control_characters(value: str, literal: str) -> None:
    assert quote(value) == literal


def test_selector_keeps_label_order_and_quotes_values() -> None:
    assert selector("m", {"b": 'x"y', "a": "z"}) == r'm{b="x\"y",a="z"}'
    assert selector("up") == "up"


@pytest.mark.parametrize("name", ["0abc", "a-b", 'a"', "a b", ""])
def test_bad_label_names_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="label name"):
        label_matcher(name, "v")


@pytest.mark.parametrize("name", ["0abc", "a-b", "m{x}", ""])
def test_bad_metric_names_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="metric name"):
        selector(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("openai", "Openai"),
        ("s3", "S3"),
        ("redis_cache", "RedisCache"),
        ("a_b1", "AB1"),
        ("a_b_1", "AB_1"),
        ("a__b", "A_B"),
        ("web-api", "WebApi"),
    ],
)
def test_camel(name: str, expected: str) -> None:
    assert camel(name) == expected


def _uncamel(text: str) -> str:
    return text[:1].lower() + re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), text[1:])


@given(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True))
def test_camel_is_one_to_one_on_identifiers(name: str) -> None:
    result = camel(name)
    assert re.fullmatch(r"[A-Z][A-Za-z0-9_]*", result)
    assert _uncamel(result) == name


def test_expr_names_ignore_quoted_text() -> None:
    expr = 'sum by (breaker) (stack_health_score{breaker="stack_degradation_level"}) > 0'
    assert metrics.DEGRADATION_LEVEL not in expr_names(expr)
    assert {"sum", "by", "breaker", metrics.HEALTH_SCORE} <= expr_names(expr)


# --- real tools: promtool ---------------------------------------------------------------------


def _write(files: dict[str, bytes], root: Path) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _promtool(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    command = [PROMTOOL, *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def _test_rules(files: dict[str, bytes], root: Path) -> subprocess.CompletedProcess[str]:
    _write(files, root)
    return _promtool("test", "rules", prometheus.TESTS_PATH, cwd=root)


@pytest.mark.tools
@needs_promtool
def test_promtool_accepts_the_config_syntax(files: dict[str, bytes], tmp_path: Path) -> None:
    _write(files, tmp_path)
    done = _promtool("check", "config", "--syntax-only", prometheus.CONFIG_PATH, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.tools
@needs_promtool
def test_promtool_accepts_the_config_with_its_files(
    files: dict[str, bytes], tmp_path: Path
) -> None:
    # A full check stats every credentials_file and loads the rule files, and fails on a
    # missing /run/secrets/...: so this copy, and only it, points both paths into tmp_path.
    _write(files, tmp_path)
    secret = tmp_path / "secrets" / "dashboard_api_key"
    secret.parent.mkdir()
    secret.write_text("test-only-placeholder\n")
    text = files[prometheus.CONFIG_PATH].decode()
    text = text.replace("/run/secrets/", f"{secret.parent}/")
    text = text.replace(f"{prometheus.RULES_DIR}/", f"{tmp_path / 'prometheus' / 'rules'}/")
    checked = tmp_path / "prometheus-check.yml"
    checked.write_text(text)
    done = _promtool("check", "config", checked, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(EXPECTED_ALERTS)} rules found" in done.stdout + done.stderr


@pytest.mark.tools
@needs_promtool
def test_promtool_accepts_the_rules(files: dict[str, bytes], tmp_path: Path) -> None:
    _write(files, tmp_path)
    done = _promtool("check", "rules", prometheus.RULES_PATH, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.tools
@needs_promtool
def test_generated_unit_tests_pass(files: dict[str, bytes], tmp_path: Path) -> None:
    done = _test_rules(files, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


@pytest.mark.tools
@needs_promtool
@pytest.mark.parametrize("timeout", ["2m", "7s", "1h30m", "0s"])
def test_unit_tests_follow_a_changed_recovery_timeout(tmp_path: Path, timeout: str) -> None:
    spec = _edited_spec(tmp_path, "recovery_timeout: 30s", f"recovery_timeout: {timeout}")
    files = prometheus.render(BuildInput(spec, SOURCE))
    assert _alerts(files)["BreakerOpenOpenai"]["for"] == timeout
    done = _test_rules(files, tmp_path / "out")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.tools
@needs_promtool
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("evaluation_interval: 15s", "evaluation_interval: 20s"),
        ("evaluation_interval: 15s", "evaluation_interval: 1m"),
        ("scrape_interval: 15s", "scrape_interval: 45s"),
    ],
)
def test_unit_tests_follow_changed_intervals(tmp_path: Path, old: str, new: str) -> None:
    files = prometheus.render(BuildInput(_edited_spec(tmp_path, old, new), SOURCE))
    done = _test_rules(files, tmp_path / "out")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.tools
@needs_promtool
def test_with_two_tiers_the_warning_and_the_critical_alert_fire_together(
    spec: Spec, tmp_path: Path
) -> None:
    assert spec.resilience is not None and spec.resilience.degradation is not None
    degradation = spec.resilience.degradation
    two = degradation.model_copy(update={"tiers": degradation.tiers[:2]})
    resilience = spec.resilience.model_copy(update={"degradation": two})
    files = prometheus.render(
        BuildInput(spec.model_copy(update={"resilience": resilience}), SOURCE)
    )
    assert _alerts(files)["DegradedToDegraded"]["expr"] == "stack_degradation_level >= 1"
    done = _test_rules(files, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.tools
@needs_promtool
@pytest.mark.parametrize(("edited", "missed"), [("45s", "time: 1m"), ("15s", "time: 45s")])
def test_unit_tests_fail_when_a_rule_is_edited_by_hand(
    files: dict[str, bytes], tmp_path: Path, edited: str, missed: str
) -> None:
    rules = files[prometheus.RULES_PATH].decode()
    assert rules.count("for: 30s") == 1
    tampered = {
        **files,
        prometheus.RULES_PATH: rules.replace("for: 30s", f"for: {edited}").encode(),
    }
    done = _test_rules(tampered, tmp_path)
    assert done.returncode != 0
    assert "alertname: BreakerOpenOpenai" in done.stderr
    assert missed in done.stderr


@pytest.mark.tools
@needs_promtool
@pytest.mark.parametrize(
    "value", ['say "hi"', "back\\slash", '\\"', "two\nlines\tand\r", "bell\x07", "ünïcode {x=,}"]
)
def test_promtool_reads_quoted_values_back_unchanged(tmp_path: Path, value: str) -> None:
    # Series and query use quote(); the expected labels use JSON's escapes, which PromQL
    # also reads: if quote() changed the value, the query would find nothing to match.
    series = selector("probe", {"value": value})
    unit = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": series, "values": "1+0x2"}],
                "promql_expr_test": [
                    {
                        "expr": f"count by (value) ({series})",
                        "eval_time": "1m",
                        "exp_samples": [
                            {"labels": "{value=" + json.dumps(value) + "}", "value": 1}
                        ],
                    }
                ],
            }
        ],
    }
    (tmp_path / "escape.test.yml").write_text(yaml.safe_dump(unit, allow_unicode=True))
    done = _promtool("test", "rules", "escape.test.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_runtime_module_names_the_scrape_auth_prometheus_sends(spec: Spec) -> None:
    from stagespec.targets import runtime

    [source] = runtime.render(BuildInput(spec, SOURCE)).values()
    text = source.decode()
    dashboard = spec.services["dashboard"]
    assert dashboard.metrics is not None
    header, scheme = prometheus.scrape_auth(dashboard.metrics) or (None, None)
    assert (header, scheme) == ("X-API-Key", None)
    assert f"SCRAPE_AUTH_HEADER: Final[str | None] = {header!r}".replace("'", '"') in text
    assert "SCRAPE_AUTH_SCHEME: Final[str | None] = None" in text
