"""Durations that are not whole seconds (500ms, 1500ms, 1m30s, 45500ms) through every emitter
that writes one: `.env`, the Prometheus config and alerts (and their promtool tests), and
the runtime module. A fraction of a second must survive each, never be truncated.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from stagespec.load.document import load_text
from stagespec.model.parse import parse_spec
from stagespec.model.spec import Prometheus, Spec
from stagespec.plan.alerts import settle
from stagespec.plan.inputs import BuildInput
from stagespec.targets import envfile, prometheus, runtime

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
SOURCE = "specs/inventario-retail/stack.yaml"
PROMTOOL = shutil.which("promtool")

EDITS = {
    "recovery_timeout: 30s": "recovery_timeout: 1500ms",  # openai
    "recovery_timeout: 20s": "recovery_timeout: 500ms",  # database
    "recovery_timeout: 15s": "recovery_timeout: 1m30s",  # redis
    "recovery_timeout: 25s": "recovery_timeout: 2s1ms",  # s3
    "window: 60s": "window: 2500ms",
    "scrape_interval: 15s": "scrape_interval: 45500ms",
}


def _spec(edits: dict[str, str]) -> Spec:
    text = REFERENCE.read_text(encoding="utf-8")
    for old, new in edits.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    spec, problems = parse_spec(load_text(text, "stack.yaml"))
    assert spec is not None, problems
    return spec


@pytest.fixture(scope="module")
def spec() -> Spec:
    return _spec(EDITS)


def _build(spec: Spec) -> BuildInput:
    return BuildInput(spec=spec, source=SOURCE, environment="staging")


def _env(spec: Spec) -> dict[str, str]:
    text = envfile.render(_build(spec))[envfile.ENV_PATH].decode()
    pairs = (line.split("=", 1) for line in text.splitlines() if line and line[0] != "#")
    return {key: value.strip("'\"") for key, value in pairs}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CB_OPENAI_RECOVERY_TIMEOUT_SECONDS", "1.5"),
        ("CB_DATABASE_RECOVERY_TIMEOUT_SECONDS", "0.5"),
        ("CB_REDIS_RECOVERY_TIMEOUT_SECONDS", "90"),
        ("CB_S3_RECOVERY_TIMEOUT_SECONDS", "2.001"),
        ("RATE_LIMIT_WINDOW_SECONDS", "2.5"),
    ],
)
def test_env_file_keeps_the_fraction_of_a_second(spec: Spec, variable: str, value: str) -> None:
    assert _env(spec)[variable] == value


def _prometheus(spec: Spec) -> Prometheus:
    assert spec.monitoring is not None and spec.monitoring.prometheus is not None
    return spec.monitoring.prometheus


def _rules(spec: Spec) -> dict[str, dict[str, Any]]:
    files = prometheus.render(_build(spec))
    groups = yaml.safe_load(files[prometheus.RULES_PATH])["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


@pytest.mark.parametrize(
    ("alert", "hold"),
    [
        ("BreakerOpenOpenai", "1s500ms"),
        ("BreakerOpenDatabase", "500ms"),
        ("BreakerOpenRedis", "1m30s"),
        ("BreakerOpenS3", "2s1ms"),
        # two scrapes of 45.5 s, longer than the 1m floor
        ("TargetDownDashboard", "1m31s"),
        ("DegradedBelowOptimal", "1m31s"),
    ],
)
def test_alert_holds_keep_milliseconds(spec: Spec, alert: str, hold: str) -> None:
    assert _rules(spec)[alert]["for"] == hold


def test_scrape_interval_keeps_milliseconds(spec: Spec) -> None:
    config = yaml.safe_load(prometheus.render(_build(spec))[prometheus.CONFIG_PATH])
    assert config["global"]["scrape_interval"] == "45s500ms"


@pytest.mark.parametrize(
    ("interval", "expected"),
    [("15s", "1m"), ("30s", "1m"), ("31s", "1m2s"), ("45s", "1m30s"), ("2m", "4m")],
)
def test_alerts_settle_for_two_scrapes_or_one_minute(interval: str, expected: str) -> None:
    spec = _spec({"scrape_interval: 15s": f"scrape_interval: {interval}"})
    assert str(settle(_prometheus(spec))) == expected
    assert _rules(spec)["TargetDownDashboard"]["for"] == expected


def _module(spec: Spec) -> ast.Module:
    [source] = runtime.render(_build(spec)).values()
    return ast.parse(source.decode())


def _literal_keywords(call: ast.Call, *names: str) -> dict[str, Any]:
    return {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg in names}


def test_runtime_module_keeps_the_fraction_of_a_second(spec: Spec) -> None:
    calls = [
        _literal_keywords(node, "name", "recovery_timeout_seconds")
        for node in ast.walk(_module(spec))
        if isinstance(node, ast.Call)
        and any(k.arg == "recovery_timeout_seconds" for k in node.keywords)
    ]
    timeouts = {call["name"]: call["recovery_timeout_seconds"] for call in calls}
    assert timeouts == {"openai": 1.5, "database": 0.5, "redis": 90.0, "s3": 2.001}


def test_runtime_module_rate_limit_window_keeps_the_fraction(spec: Spec) -> None:
    [window] = [
        ast.literal_eval(node.value)
        for node in _module(spec).body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == "RATE_LIMIT_WINDOW_SECONDS"
        and node.value is not None
    ]
    assert window == 2.5


@pytest.mark.tools
@pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed")
def test_promtool_runs_the_alert_tests_of_millisecond_holds(spec: Spec, tmp_path: Path) -> None:
    for relative, content in prometheus.render(_build(spec)).items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, "test", "rules", prometheus.TESTS_PATH],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_weights_reach_the_env_file_as_written() -> None:
    spec = _spec({})
    assert _env(spec)["CB_S3_WEIGHT"] == str(Decimal("0.05"))
