"""The env emitter: `.env` / `.env.example` content, and quoting no value can break."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import stagespec.targets.compose as compose
import stagespec.targets.envfile as envfile
from stagespec.engine.validate import validate_file
from stagespec.model.spec import Spec
from stagespec.plan.envquote import EnvValueError, quote
from stagespec.plan.inputs import BuildInput
from stagespec.targets.base import header

REFERENCE = Path(__file__).parents[2] / "specs" / "inventario-retail" / "stack.yaml"
SOURCE = "specs/inventario-retail/stack.yaml"
SECRET_VARS = (
    "POSTGRES_PASSWORD",
    "OPENAI_API_KEY",
    "S3_SECRET_ACCESS_KEY",
    "DASHBOARD_API_KEY",
    "GRAFANA_ADMIN_PASSWORD",
)
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


@pytest.fixture(scope="module")
def reference() -> Spec:
    spec = validate_file(REFERENCE).spec
    assert spec is not None
    return spec


def files(spec: Spec) -> dict[str, str]:
    return {k: v.decode() for k, v in envfile.render(BuildInput(spec, SOURCE)).items()}


def assignments(text: str) -> dict[str, str]:
    """KEY -> raw right-hand side; fails on any line that is neither that nor a comment."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = ASSIGNMENT.match(line)
        assert match, f"not a KEY=value line: {line!r}"
        assert match.group(1) not in found, f"{match.group(1)} set twice"
        found[match.group(1)] = match.group(2)
    return found


def runtime_spec(csp: str) -> Spec:
    return Spec.model_validate(
        {
            "stagespec": 1,
            "project": "demo",
            "services": {"app": {"build": "./web_dashboard"}},
            "runtime": {"service": "app", "module": "demo_rt", "security": {"csp": csp}},
        }
    )


@pytest.mark.parametrize("name", [".env", ".env.example"])
def test_starts_with_header(name: str, reference: Spec) -> None:
    assert files(reference)[name].startswith(header(BuildInput(reference, SOURCE)))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("COMPOSE_PROJECT_NAME", "inventario-retail-staging"),
        ("CB_OPENAI_FAILURE_THRESHOLD", "5"),
        ("CB_OPENAI_RECOVERY_TIMEOUT_SECONDS", "30"),
        ("CB_OPENAI_HALF_OPEN_REQUESTS", "2"),
        ("CB_OPENAI_WEIGHT", "0.50"),
        ("CB_S3_WEIGHT", "0.05"),
        ("DEGRADATION_TIERS", "optimal:90,degraded:70,limited:60,minimal:40,emergency:0"),
        (
            "TIER_MINIMAL_FEATURES",
            "stock_levels_view,inventory_search,low_stock_alerts,product_lookup",
        ),
        ("TIER_EMERGENCY_STATUS_PAGE_ONLY", "true"),
        ("API_KEY_HEADER", "X-API-Key"),
        ("RATE_LIMIT_REQUESTS", "100"),
        ("RATE_LIMIT_WINDOW_SECONDS", "60"),
        ("HSTS_ENABLED", "true"),
        ("FORCE_HTTPS", "false"),
        ("CSP_POLICY", "\"default-src 'self'\""),
        ("LOG_FORMAT", "json"),
        ("LOG_LEVEL", "info"),
        ("REQUEST_ID_HEADER", "X-Request-ID"),
        ("METRICS_PATH", "/metrics"),
        ("METRICS_PORT", "8080"),
    ],
)
def test_reference_settings(key: str, value: str, reference: Spec) -> None:
    assert assignments(files(reference)[".env"])[key] == value


def test_sections(reference: Spec) -> None:
    titles = re.findall(r"^# --- (.+) ---$", files(reference)[".env"], re.MULTILINE)
    assert titles == [
        "compose",
        "circuit breakers",
        "degradation tiers",
        "security",
        "logging",
        "metrics",
        "secrets: required, never written here",
    ]


def test_secrets_are_only_named_in_env(reference: Spec) -> None:
    text = files(reference)[".env"]
    settings = assignments(text)
    for var in SECRET_VARS:
        assert var not in settings
        assert re.search(
            rf"^# {var} \(secret [a-z0-9_]+\): set in the host environment$", text, re.M
        )


def test_example_has_secret_placeholders(reference: Spec) -> None:
    rendered = files(reference)
    example = assignments(rendered[".env.example"])
    assert "# --- secrets: fill in on the host, never commit ---" in rendered[".env.example"]
    assert all(example[var] == "" for var in SECRET_VARS)
    # Same keys as .env, plus the secrets.
    assert set(example) == set(assignments(rendered[".env"])) | set(SECRET_VARS)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("json", "json"),
        ("", ""),
        ("redis://redis:6379/0", "redis://redis:6379/0"),
        ("a b # c", "'a b # c'"),
        ("$HOME/x", "'$HOME/x'"),
        ('say "hi"', "'say \"hi\"'"),
        ("default-src 'self'", "\"default-src 'self'\""),
        ("x' EVIL='1", "\"x' EVIL='1\""),
    ],
)
def test_quote(value: str, written: str) -> None:
    assert quote("K", value) == written


@pytest.mark.parametrize(
    "value",
    [
        "a\nEVIL=1",
        "a\rEVIL=1",
        "a\x00b",
        "a\u2028EVIL=1",
        "a\x85b",
        "tab\there",
        "${HOME}",
        "it's $5",
        "back\\slash",
        "ends with \\",
        'it\'s "quoted"',
    ],
)
def test_quote_refuses(value: str) -> None:
    with pytest.raises(EnvValueError, match=r"^K: "):
        quote("K", value)


def test_newline_in_a_spec_value_cannot_add_a_line() -> None:
    with pytest.raises(EnvValueError, match="CSP_POLICY"):
        envfile.render(BuildInput(runtime_spec("default-src 'self'\nEVIL=1"), SOURCE))


def test_output_is_deterministic(reference: Spec) -> None:
    assert files(reference) == files(reference)


# --- real tools ------------------------------------------------------------------------


def compose_environment(spec: Spec, directory: Path, env: dict[str, str]) -> dict[str, Any]:
    """The runtime service's environment as docker-compose 1.29 reads it from `.env`."""
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed (Debian package docker-compose)")
    build = BuildInput(spec, SOURCE)
    for emitter in (compose, envfile):
        for name, content in emitter.render(build).items():
            (directory / name).write_bytes(content)
    (directory / "web_dashboard").mkdir()
    base = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    result = subprocess.run(
        [tool, "-f", "docker-compose.yml", "config"],
        cwd=directory,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "could not parse" not in result.stderr  # python-dotenv's warning
    environment = yaml.safe_load(result.stdout)["services"]["app"]["environment"]
    assert isinstance(environment, dict)
    return environment


@pytest.mark.tools
@pytest.mark.parametrize(
    "csp",
    [
        "default-src 'self'",
        "a b # not a comment",
        "$HOME and $EVIL",
        'say "hi"',
        "x' EVIL='1",
        "ünïcode; script-src 'none'",
    ],
)
def test_docker_compose_reads_values_unchanged(csp: str, tmp_path: Path) -> None:
    environment = compose_environment(runtime_spec(csp), tmp_path, {"EVIL": "leaked"})
    # `config` prints a literal `$` as `$$`.
    assert environment["CSP_POLICY"].replace("$$", "$") == csp
    assert "EVIL" not in environment
    assert environment["COMPOSE_PROJECT_NAME"] == "demo-staging"


@pytest.mark.parametrize(
    ("environment", "project"),
    [
        ("staging", "inventario-retail-staging"),
        ("production", "inventario-retail-production"),
        (envfile.UNNAMED_ENVIRONMENT, "inventario-retail"),
    ],
)
def test_each_environment_has_its_own_compose_project(
    reference: Spec, environment: str, project: str
) -> None:
    build = BuildInput(reference, SOURCE, environment=environment)
    env = assignments(envfile.render(build)[".env"].decode())
    assert env["COMPOSE_PROJECT_NAME"] == project
