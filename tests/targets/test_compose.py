"""The compose emitter: structure, secrets, `$` escaping, and the real validators."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import stagespec.targets.compose as compose
import stagespec.targets.envfile as envfile
from stagespec.engine.validate import validate_file
from stagespec.model.spec import SecretRef, Spec
from stagespec.plan.inputs import BuildInput
from stagespec.targets.base import header
from stagespec.targets.compose.monitoring import plugins_variable
from stagespec.targets.compose.secrets import ComposeError, file_variant, required_variables

REFERENCE = Path(__file__).parents[2] / "specs" / "inventario-retail" / "stack.yaml"
SOURCE = "specs/inventario-retail/stack.yaml"
SECRET_VARS = {
    "POSTGRES_PASSWORD": "dummy-pg",
    "OPENAI_API_KEY": "dummy-openai",
    "S3_SECRET_ACCESS_KEY": "dummy-s3",
    "DASHBOARD_API_KEY": "dummy-dashboard",
    "GRAFANA_ADMIN_PASSWORD": "dummy-grafana",
}


@pytest.fixture(scope="module")
def reference() -> Spec:
    spec = validate_file(REFERENCE).spec
    assert spec is not None
    return spec


def rendered(spec: Spec) -> str:
    return compose.render(BuildInput(spec, SOURCE))["docker-compose.yml"].decode()


def loaded(spec: Spec) -> dict[str, Any]:
    data = yaml.safe_load(rendered(spec))
    assert isinstance(data, dict)
    return data


def make_spec(services: dict[str, Any], **extra: Any) -> Spec:
    return Spec.model_validate({"stagespec": 1, "project": "demo", "services": services, **extra})


def test_reference_services(reference: Spec) -> None:
    services = loaded(reference)["services"]
    assert list(services) == ["postgres", "redis", "dashboard", "prometheus", "grafana"]
    assert "localstack" not in services
    assert "localstack/localstack" not in rendered(reference)


def test_starts_with_header_and_has_no_version(reference: Spec) -> None:
    text = rendered(reference)
    assert text.startswith(header(BuildInput(reference, SOURCE)))
    assert "version" not in loaded(reference)
    assert "name" not in loaded(reference)  # docker-compose 1.29 rejects it


def test_reference_structure(reference: Spec) -> None:
    data = loaded(reference)
    services = data["services"]
    assert data["networks"] == {"staging-network": {"driver": "bridge"}}
    assert all(s["networks"] == ["staging-network"] for s in services.values())
    assert list(data["volumes"]) == [
        "postgres_data",
        "redis_data",
        "prometheus_data",
        "grafana_data",
    ]
    assert services["dashboard"]["build"] == {"context": "../../examples/dashboard"}
    assert services["dashboard"]["env_file"] == [".env"]
    assert services["postgres"]["mem_limit"] == "256m"
    assert services["postgres"]["healthcheck"]["interval"] == "10s"
    assert services["redis"]["restart"] == "unless-stopped"


def test_ports_are_quoted_strings(reference: Spec) -> None:
    text = rendered(reference)
    for port in ("5433:5432", "6380:6379", "9000:8080", "3003:3000"):
        assert f'- "{port}"' in text


def test_depends_on_long_form(reference: Spec) -> None:
    services = loaded(reference)["services"]
    healthy = {"condition": "service_healthy"}
    assert services["dashboard"]["depends_on"] == {"postgres": healthy, "redis": healthy}
    assert services["grafana"]["depends_on"] == {"prometheus": healthy}


def test_dependency_without_healthcheck_is_service_started() -> None:
    spec = make_spec({"db": {"image": "db:1"}, "app": {"image": "app:1", "depends_on": ["db"]}})
    depends_on = loaded(spec)["services"]["app"]["depends_on"]
    assert depends_on == {"db": {"condition": "service_started"}}


def test_disabled_dependency_is_dropped_and_reported(reference: Spec) -> None:
    spec = make_spec(
        {
            "cache": {"image": "cache:1", "enabled": False},
            "db": {"image": "db:1", "healthcheck": {"test": "true"}},
            "app": {"image": "app:1", "depends_on": ["db", "cache"]},
        }
    )
    services = loaded(spec)["services"]
    assert list(services) == ["db", "app"]
    assert services["app"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert compose.dropped_dependencies(spec) == [("app", "cache")]
    assert compose.dropped_dependencies(reference) == []


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ("curl -f http://x", ["CMD-SHELL", "curl -f http://x"]),
        (["CMD", "true"], ["CMD", "true"]),
        (["pg_isready"], ["CMD", "pg_isready"]),
    ],
)
def test_healthcheck_test_is_a_list(test: Any, expected: list[str]) -> None:
    spec = make_spec({"db": {"image": "db:1", "healthcheck": {"test": test, "interval": "90s"}}})
    check = loaded(spec)["services"]["db"]["healthcheck"]
    assert check == {"test": expected, "interval": "1m30s"}


def test_prometheus_service(reference: Spec) -> None:
    prometheus = loaded(reference)["services"]["prometheus"]
    assert "ports" not in prometheus
    assert prometheus["expose"] == ["9090"]
    assert prometheus["command"] == [
        "--config.file=/etc/prometheus/prometheus.yml",
        "--storage.tsdb.path=/prometheus",
        "--storage.tsdb.retention.time=7d",
    ]
    assert prometheus["volumes"] == [
        "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
        "./prometheus/rules:/etc/prometheus/rules:ro",
        "prometheus_data:/prometheus",
    ]
    assert "http://localhost:9090/-/healthy" in prometheus["healthcheck"]["test"][1]


def test_prometheus_writes_env_sourced_scrape_key_to_a_file(reference: Spec) -> None:
    prometheus = loaded(reference)["services"]["prometheus"]
    script = prometheus["entrypoint"][2]
    # `$$` in the file is a literal `$` for the shell; the value only comes from the host.
    assert '"$$DASHBOARD_API_KEY" > /run/secrets/dashboard_api_key' in script
    assert prometheus["tmpfs"] == ["/run/secrets"]
    assert prometheus["environment"] == {
        "DASHBOARD_API_KEY": "${DASHBOARD_API_KEY:?DASHBOARD_API_KEY is required}"
    }


def test_grafana_service(reference: Spec) -> None:
    grafana = loaded(reference)["services"]["grafana"]
    assert grafana["ports"] == ["3003:3000"]
    assert grafana["environment"]["GF_SECURITY_ADMIN_USER"] == "admin"
    assert grafana["environment"]["GF_INSTALL_PLUGINS"] == "redis-datasource"
    assert grafana["volumes"] == [
        "grafana_data:/var/lib/grafana",
        "./grafana/provisioning:/etc/grafana/provisioning:ro",
        "./grafana/dashboards:/var/lib/grafana/dashboards:ro",
    ]
    assert "http://localhost:3000/api/health" in grafana["healthcheck"]["test"][1]


@pytest.mark.parametrize(
    ("image", "variable"),
    [
        ("grafana/grafana:11.3.0", "GF_INSTALL_PLUGINS"),
        ("grafana/grafana:12.0.2", "GF_INSTALL_PLUGINS"),
        ("grafana/grafana:12.1.0", "GF_PLUGINS_PREINSTALL_SYNC"),
        ("grafana/grafana-oss:13.0.0-ubuntu", "GF_PLUGINS_PREINSTALL_SYNC"),
        ("grafana/grafana:latest", "GF_PLUGINS_PREINSTALL_SYNC"),
        ("grafana/grafana@sha256:abc", "GF_PLUGINS_PREINSTALL_SYNC"),
    ],
)
def test_grafana_plugins_variable(image: str, variable: str) -> None:
    assert plugins_variable(image) == variable


@pytest.mark.parametrize(
    ("image", "var", "expected"),
    [
        ("postgres:15-alpine", "POSTGRES_PASSWORD", "POSTGRES_PASSWORD_FILE"),
        ("docker.io/library/postgres:15", "POSTGRES_PASSWORD", "POSTGRES_PASSWORD_FILE"),
        (
            "grafana/grafana:11.3.0",
            "GF_SECURITY_ADMIN_PASSWORD",
            "GF_SECURITY_ADMIN_PASSWORD__FILE",
        ),
        ("mariadb:11", "MARIADB_PASSWORD", "MARIADB_PASSWORD_FILE"),
        (None, "DB_PASSWORD", "DB_PASSWORD_FILE"),
    ],
)
def test_file_variant(image: str | None, var: str, expected: str) -> None:
    assert file_variant(image, var) == expected


def secret_spec(source: dict[str, str]) -> Spec:
    """Every place a secret can be used, all from one secret with the given source."""
    ref = {"secret": "pw"}
    return make_spec(
        {
            "db": {"image": "postgres:16", "environment": {"POSTGRES_PASSWORD": ref}},
            "app": {
                "build": {"context": "./app", "dockerfile": "Dockerfile.prod"},
                "environment": {"DB_PASSWORD": ref},
                "metrics": {"port": 8080, "api_key": ref},
            },
        },
        secrets={"pw": source},
        monitoring={
            "prometheus": {"image": "prom/prometheus:v2.54.1"},
            "grafana": {"image": "grafana/grafana:12.1.0", "admin_password": ref},
        },
        runtime={"service": "app", "module": "demo_rt", "security": {"api_key": ref}},
    )


def secret_uses(spec: Spec) -> list[tuple[str, str | None, str, SecretRef]]:
    """(compose service, image, variable, ref) for every secret-valued variable."""
    uses = [
        (name, service.image, var, value)
        for name, service in spec.services.items()
        if service.enabled
        for var, value in service.environment.items()
        if isinstance(value, SecretRef)
    ]
    if spec.runtime and spec.runtime.security.api_key:
        service = spec.services[spec.runtime.service]
        uses.append((spec.runtime.service, service.image, "API_KEY", spec.runtime.security.api_key))
    grafana = spec.monitoring.grafana if spec.monitoring else None
    if grafana:
        var = "GF_SECURITY_ADMIN_PASSWORD"
        uses.append(("grafana", grafana.image, var, grafana.admin_password))
    return uses


@pytest.mark.parametrize("case", ["reference", "env", "file"])
def test_no_secret_becomes_a_value(case: str, reference: Spec) -> None:
    spec = {
        "reference": reference,
        "env": secret_spec({"env": "APP_PW"}),
        "file": secret_spec({"file": "./secrets/pw.txt"}),
    }[case]
    services = loaded(spec)["services"]
    uses = secret_uses(spec)
    assert uses
    for service, image, var, ref in uses:
        env = services[service]["environment"]
        source = spec.secrets[ref.secret]
        if source.env is not None:
            assert env[var] == f"${{{source.env}:?{source.env} is required}}"
        else:
            assert var not in env
            assert env[file_variant(image, var)] == f"/run/secrets/{ref.secret}"
            assert ref.secret in services[service]["secrets"]


def test_file_sourced_secrets(tmp_path: Path) -> None:
    data = loaded(secret_spec({"file": "./secrets/pw.txt"}))
    services = data["services"]
    assert data["secrets"] == {"pw": {"file": "./secrets/pw.txt"}}
    assert services["db"]["environment"] == {"POSTGRES_PASSWORD_FILE": "/run/secrets/pw"}
    assert services["app"]["environment"] == {
        "DB_PASSWORD_FILE": "/run/secrets/pw",
        "API_KEY_FILE": "/run/secrets/pw",
        "PYTHONPATH": "/app",  # the runtime module's folder, where it is mounted
    }
    assert services["app"]["build"] == {"context": "./app", "dockerfile": "Dockerfile.prod"}
    grafana_env = services["grafana"]["environment"]
    assert grafana_env["GF_SECURITY_ADMIN_PASSWORD__FILE"] == "/run/secrets/pw"
    # Prometheus reads a file-sourced scrape key from the mounted secret, no entrypoint.
    assert services["prometheus"]["secrets"] == ["pw"]
    assert "entrypoint" not in services["prometheus"]


def test_required_variables(reference: Spec) -> None:
    assert required_variables(reference) == [
        ("POSTGRES_PASSWORD", "postgres_password"),
        ("OPENAI_API_KEY", "openai_api_key"),
        ("S3_SECRET_ACCESS_KEY", "s3_secret_access_key"),
        ("DASHBOARD_API_KEY", "dashboard_api_key"),
        ("GRAFANA_ADMIN_PASSWORD", "grafana_admin_password"),
    ]
    assert required_variables(secret_spec({"file": "./pw"})) == []


DOLLARS = "pa$word $HOME $${HOME} $$"
"""Spec text of literal dollars: `$${` is a literal `${`, every other `$` is itself."""
LITERAL = "pa$word $HOME ${HOME} $$"


def dollar_spec() -> Spec:
    return make_spec(
        {
            "app": {
                "image": "app:1",
                "command": ["echo", DOLLARS],
                "environment": {"PASSWORDISH": DOLLARS},
                "healthcheck": {"test": f"test -n '{DOLLARS}'"},
            }
        }
    )


def test_dollar_is_escaped() -> None:
    app = loaded(dollar_spec())["services"]["app"]
    escaped = LITERAL.replace("$", "$$")
    assert app["environment"]["PASSWORDISH"] == escaped
    assert app["command"] == ["echo", escaped]
    assert app["healthcheck"]["test"] == ["CMD-SHELL", f"test -n '{escaped}'"]


def test_monitoring_name_clash_is_refused() -> None:
    spec = make_spec(
        {"grafana": {"image": "grafana/grafana:11.3.0"}},
        secrets={"pw": {"env": "PW"}},
        monitoring={
            "grafana": {"image": "grafana/grafana:11.3.0", "admin_password": {"secret": "pw"}}
        },
    )
    with pytest.raises(ComposeError, match="clashes"):
        rendered(spec)


def test_output_is_deterministic(reference: Spec) -> None:
    assert rendered(reference) == rendered(reference)


# --- real tools ------------------------------------------------------------------------


def write_output(spec: Spec, directory: Path) -> Path:
    """Write the compose and env emitters' files as `stagespec build` lays them out."""
    build = BuildInput(spec, SOURCE)
    for emitter in (compose, envfile):
        for name, content in emitter.render(build).items():
            (directory / name).write_bytes(content)
    for service in spec.services.values():  # 1.29 checks that a build context exists
        if service.build is not None:
            context = service.build if isinstance(service.build, str) else service.build.context
            (directory / context).mkdir(parents=True, exist_ok=True)
    for sub in ("prometheus/rules", "grafana/provisioning", "grafana/dashboards"):
        (directory / sub).mkdir(parents=True)
    (directory / "prometheus" / "prometheus.yml").write_text("{}\n")
    return directory / "docker-compose.yml"


def compose_config(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed (Debian package docker-compose)")
    base = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    return subprocess.run(
        [tool, "-f", path.name, "config"],
        cwd=path.parent,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def tool_case(case: str, reference: Spec) -> tuple[Spec, dict[str, str]]:
    """A spec and the host variables it needs: the reference, or file-sourced secrets."""
    if case == "reference":
        return reference, SECRET_VARS
    return secret_spec({"file": "./secrets/pw.txt"}), {}


@pytest.mark.tools
@pytest.mark.parametrize("case", ["reference", "file secrets"])
def test_check_jsonschema_accepts_output(case: str, reference: Spec, tmp_path: Path) -> None:
    tool = shutil.which("check-jsonschema")
    if tool is None:
        pytest.skip("check-jsonschema is not installed (pip install check-jsonschema)")
    path = write_output(tool_case(case, reference)[0], tmp_path)
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.tools
@pytest.mark.parametrize("case", ["reference", "file secrets"])
def test_docker_compose_accepts_output(case: str, reference: Spec, tmp_path: Path) -> None:
    spec, env = tool_case(case, reference)
    result = compose_config(write_output(spec, tmp_path), env)
    assert result.returncode == 0, result.stderr


@pytest.mark.tools
def test_docker_compose_reads_reference(reference: Spec, tmp_path: Path) -> None:
    result = compose_config(write_output(reference, tmp_path), SECRET_VARS)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert config["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == "dummy-pg"
    # The .env reaches the runtime service through env_file, unchanged.
    dashboard = config["services"]["dashboard"]["environment"]
    assert dashboard["CSP_POLICY"] == "default-src 'self'"
    assert dashboard["CB_OPENAI_WEIGHT"] == "0.50"


@pytest.mark.tools
@pytest.mark.parametrize("missing", sorted(SECRET_VARS))
def test_docker_compose_requires_secret_variables(
    missing: str, reference: Spec, tmp_path: Path
) -> None:
    env = {k: v for k, v in SECRET_VARS.items() if k != missing}
    result = compose_config(write_output(reference, tmp_path), env)
    assert result.returncode != 0
    assert f"{missing} is required" in result.stderr


@pytest.mark.tools
def test_docker_compose_keeps_dollars_literal(tmp_path: Path) -> None:
    path = write_output(dollar_spec(), tmp_path)
    result = compose_config(path, {"HOME": "/leaked-home"})
    assert result.returncode == 0, result.stderr
    assert "leaked-home" not in result.stdout
    # `config` prints a literal `$` as `$$` again.
    app = yaml.safe_load(result.stdout)["services"]["app"]
    assert app["environment"]["PASSWORDISH"].replace("$$", "$") == LITERAL
