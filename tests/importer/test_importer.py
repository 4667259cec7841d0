"""`import_compose`: the staging compose file becomes a spec that validates and builds back."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from stagespec.engine.build import render_all
from stagespec.engine.validate import check_document, validate_file
from stagespec.errors import SpecLoadError
from stagespec.fmt.formatter import format_spec
from stagespec.importer.convert import ComposeImportError, ImportResult, import_compose
from stagespec.load.document import load_text
from stagespec.model.spec import SecretRef, Spec

HERE = Path(__file__).resolve().parent
STAGING = HERE / "staging-compose.yml"
# The fake credentials written in the fixture; none may reach the spec or a note.
LITERALS = [
    "staging_db_pass_2025",
    "staging-api-key-2025",
    "sk-proj-Xk29vLq84TmZr01AbCdEfGhIjKlMnOpQ",
    "Gr4fana-Staging-2025",
]


def _import(text: str, **options: Any) -> tuple[ImportResult, Spec]:
    result = import_compose(textwrap.dedent(text), "app/docker-compose.yml", **options)
    spec, diagnostics = check_document(load_text(result.text, "stack.yaml"))
    errors = [d.format() for d in diagnostics if d.severity == "error"]
    assert spec is not None and errors == [], result.text
    return result, spec


@pytest.fixture(scope="module")
def staging() -> ImportResult:
    return import_compose(STAGING.read_text(encoding="utf-8"), STAGING.as_posix())


@pytest.fixture(scope="module")
def rebuilt(staging: ImportResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The compose file built from the imported spec, written beside the compose file."""
    folder = tmp_path_factory.mktemp("imported")
    spec_path = folder / "stack.yaml"
    spec_path.write_text(staging.text, encoding="utf-8")
    result = validate_file(spec_path)
    assert result.document is not None and not result.has_errors
    files = render_all(result.document, spec_path, folder)
    data: dict[str, Any] = yaml.safe_load(files["docker-compose.yml"])
    return data


def test_staging_import_validates_without_errors(staging: ImportResult, tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(staging.text, encoding="utf-8")
    result = validate_file(path)
    assert not result.has_errors, [d.format() for d in result.diagnostics]


@pytest.mark.parametrize("literal", LITERALS)
def test_no_literal_secret_is_written(staging: ImportResult, literal: str) -> None:
    assert literal in STAGING.read_text(encoding="utf-8")
    assert literal not in staging.text
    assert not any(literal in note for note in staging.notes)


def test_moved_secrets_are_reported(staging: ImportResult) -> None:
    assert staging.variables == (
        "POSTGRES_PASSWORD",
        "DASHBOARD_API_KEY",
        "OPENAI_API_KEY",
        "GF_SECURITY_ADMIN_PASSWORD",
    )
    moved = [n for n in staging.notes if "moved to secret" in n]
    assert len(moved) == 5  # DB_PASSWORD shares postgres_password: same value


def test_same_value_shares_one_secret(staging: ImportResult) -> None:
    services = load_text(staging.text).data["services"]
    assert services["dashboard"]["environment"]["DB_PASSWORD"] == {"secret": "postgres_password"}
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == {
        "secret": "postgres_password"
    }


def test_import_is_in_fmt_layout(staging: ImportResult) -> None:
    assert staging.text.startswith("# yaml-language-server: $schema=https://stagespec.dev/")
    assert format_spec(staging.text) == staging.text


def test_unmapped_and_monitoring_are_noted(staging: ImportResult) -> None:
    notes = "\n".join(staging.notes)
    for where in ("services.dashboard.labels", "services.postgres.logging", "x-logging"):
        assert f"{where}: not mapped" in notes
    assert "services.prometheus: kept as an ordinary service" in notes
    assert "services.grafana: kept as an ordinary service" in notes
    assert "services.dashboard.environment.LOG_LEVEL: kept a ${...} variable" in notes


def _source(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(STAGING.read_text(encoding="utf-8"))
    return data[name]  # type: ignore[no-any-return]


def test_rebuilt_compose_has_the_same_services(rebuilt: dict[str, Any]) -> None:
    assert list(rebuilt["services"]) == list(_source("services"))
    assert set(rebuilt["volumes"]) == set(_source("volumes"))
    assert set(rebuilt["networks"]) == set(_source("networks"))


def _ports(service: dict[str, Any]) -> list[str]:
    return [str(p) for p in service.get("ports", [])]


def _test(service: dict[str, Any]) -> list[str]:
    test = service["healthcheck"]["test"]
    return ["CMD-SHELL", test] if isinstance(test, str) else list(test)


def _named(service: dict[str, Any]) -> list[str]:
    return [m for m in service.get("volumes", []) if not m.startswith((".", "/"))]


def _targets(service: dict[str, Any]) -> list[str]:
    return [m.split(":")[1] for m in service.get("volumes", [])]


@pytest.mark.parametrize("name", list(_source("services")))
def test_rebuilt_service_matches_the_input(rebuilt: dict[str, Any], name: str) -> None:
    before, after = _source("services")[name], rebuilt["services"][name]
    assert _ports(after) == _ports(before)
    assert _named(after) == _named(before)
    assert _targets(after) == _targets(before)  # bind mounts may be rebased, not moved
    assert _test(after) == _test(before)
    assert set(after.get("depends_on", [])) == set(before.get("depends_on", []))


def test_environment_list_and_mapping_forms() -> None:
    _, spec = _import("""
        services:
          a:
            image: a:1
            environment: [MODE=fast, EMPTY=, PASSTHROUGH]
          b:
            image: b:1
            environment: {MODE: fast, COUNT: 3, DEBUG: true, UNSET: null}
    """)
    assert spec.services["a"].environment == {"MODE": "fast", "EMPTY": "", "PASSTHROUGH": None}
    assert spec.services["b"].environment == {
        "MODE": "fast",
        "COUNT": 3,
        "DEBUG": True,
        "UNSET": None,
    }


@pytest.mark.parametrize(
    ("value", "default_dropped"),
    [("${DB_PASS}", False), ("$DB_PASS", False), ("${DB_PASS:-changeme}", True)],
)
def test_interpolated_secret_becomes_a_reference(value: str, default_dropped: bool) -> None:
    result, spec = _import(f"""
        services:
          api: {{image: "api:1", environment: {{DB_PASSWORD: "{value}"}}}}
    """)
    assert spec.services["api"].environment["DB_PASSWORD"] == SecretRef(secret="db_pass")
    assert spec.secrets["db_pass"].env == "DB_PASS"
    assert ("default value was dropped" in "\n".join(result.notes)) is default_dropped
    assert "changeme" not in result.text


def test_escaped_dollar_is_a_literal_dollar() -> None:
    result, spec = _import("""
        services:
          a: {image: "a:1", command: "echo $$HOME", environment: {PRICE: "5$$"}}
    """)
    assert spec.services["a"].command == "echo $HOME"
    assert spec.services["a"].environment["PRICE"] == "5$"
    assert not any("${...}" in note for note in result.notes)


def test_compose_secrets_map_to_sources_and_file_variables() -> None:
    result, spec = _import("""
        services:
          db:
            image: postgres:16-alpine
            environment: {POSTGRES_PASSWORD_FILE: /run/secrets/db_password}
            secrets: [db_password, api_token]
            healthcheck: {test: [CMD, pg_isready]}
        secrets:
          db_password: {file: ./secrets/db_password.txt}
          api_token: {environment: API_TOKEN}
          vault: {external: true}
    """)
    assert spec.secrets["db_password"].file == "./secrets/db_password.txt"
    assert spec.secrets["api_token"].env == "API_TOKEN"
    assert spec.services["db"].environment == {"POSTGRES_PASSWORD": SecretRef(secret="db_password")}
    notes = "\n".join(result.notes)
    assert "services.db.secrets: 'api_token' is not mounted" in notes
    assert "secrets.vault: not mapped" in notes


@pytest.mark.parametrize(
    "key", ["labels", "logging", "cap_add", "profiles", "extends", "entrypoint", "env_file"]
)
def test_keys_without_equivalent_are_noted(key: str) -> None:
    result, _ = _import(f"""
        services:
          a: {{image: "a:1", {key}: [x]}}
        configs: {{c: {{file: ./c}}}}
        x-common: {{a: 1}}
    """)
    assert any(n.startswith(f"services.a.{key}: not mapped") for n in result.notes)
    assert "configs: not mapped (no spec equivalent)" in result.notes
    assert "x-common: not mapped (no spec equivalent)" in result.notes


def test_service_details() -> None:
    result, spec = _import("""
        x-base: &base
          restart: on-failure:3
          mem_limit: 1G
        services:
          web:
            <<: *base
            image: nginx:1.27
            ports:
              - target: 80
                published: 8080
                host_ip: 127.0.0.1
              - "53:53/udp"
              - "8000-8010:8000-8010"
            volumes:
              - type: bind
                source: html
                target: /usr/share/nginx/html
                read_only: true
              - /anonymous
            healthcheck:
              test: curl -f http://localhost || exit 1
              interval: 1m30s
              timeout: 1.5s
              start_interval: 1s
          job:
            image: job:1
            healthcheck: {disable: true}
            deploy: {resources: {limits: {memory: 64M, cpus: "0.5"}}, replicas: 2}
            depends_on:
              web: {condition: service_healthy, restart: true}
    """)
    web, job = spec.services["web"], spec.services["job"]
    assert [p.render() for p in web.ports] == ["127.0.0.1:8080:80", "53:53/udp"]
    assert [m.render() for m in web.volumes] == ["./html:/usr/share/nginx/html:ro"]
    assert web.restart == "on-failure" and web.memory is not None and web.memory.render() == "1g"
    assert web.healthcheck is not None and web.healthcheck.interval is not None
    assert web.healthcheck.interval.render() == "1m30s"
    assert web.healthcheck.timeout is not None and web.healthcheck.timeout.ms == 1500
    assert job.healthcheck is None and job.depends_on == ["web"]
    assert job.memory is not None and job.memory.render() == "64m"
    notes = "\n".join(result.notes)
    for fragment in (
        "services.web.ports: '8000-8010:8000-8010' is not mapped",
        "services.web.volumes: anonymous volume",
        "services.web.healthcheck.start_interval: not mapped",
        "services.web.restart: the retry count is not mapped",
        "services.job.healthcheck: disabled in compose",
        "services.job.deploy.replicas: not mapped",
        "services.job.deploy.resources.limits.cpus: not mapped",
        "services.job.depends_on.web.restart: not mapped",
    ):
        assert fragment in notes


def test_dependency_without_healthcheck_is_dropped_with_a_note() -> None:
    result, spec = _import("""
        services:
          db: {image: "postgres:16-alpine"}
          api: {image: "api:1", depends_on: [db, ghost]}
    """)
    assert spec.services["api"].depends_on == []
    notes = "\n".join(result.notes)
    assert "services.api.depends_on.db: dropped: 'db' has no healthcheck" in notes
    assert "services.api.depends_on.ghost: dropped: no such service" in notes


def test_secret_in_a_command_is_left_out() -> None:
    result, spec = _import("""
        services:
          cache:
            image: redis:7-alpine
            command: [redis-server, --requirepass, "s3cr3t-Pa55-w0rd-2025"]
    """)
    assert spec.services["cache"].command is None
    assert "s3cr3t-Pa55-w0rd-2025" not in result.text + "\n".join(result.notes)
    assert any(n.startswith("services.cache.command: left out") for n in result.notes)


@pytest.mark.parametrize(
    ("item", "note"),
    [
        ("- POSTGRES_PASSWORD: Hy3Gt6Rbq", "services.db.environment.0: a mapping in a list"),
        ('- "MYSQL_PASSWORD Hy3Gt6Rbq"', "services.db.environment.0: left out: not NAME=value"),
        ("- {POSTGRES_PASSWORD: Hy3Gt6Rbq, B: 1}", "services.db.environment.0: left out"),
        ("- [POSTGRES_PASSWORD, Hy3Gt6Rbq]", "services.db.environment.0: left out"),
    ],
)
def test_a_malformed_environment_item_is_noted_without_its_value(item: str, note: str) -> None:
    result, _ = _import(f"""
        services:
          db:
            image: postgres:15
            environment:
              {item}
    """)
    assert any(n.startswith(note) for n in result.notes), result.notes
    assert "Hy3G" not in result.text + "\n".join(result.notes)


def test_a_mapping_in_an_environment_list_is_read_as_its_pair() -> None:
    _, spec = _import("""
        services:
          db:
            image: postgres:15
            environment:
              - POSTGRES_PASSWORD: Hy3Gt6Rbq
              - MODE: fast
    """)
    assert spec.services["db"].environment["POSTGRES_PASSWORD"] == SecretRef(
        secret="postgres_password"
    )
    assert spec.services["db"].environment["MODE"] == "fast"


@pytest.mark.parametrize(
    "field",
    [
        'healthcheck: {test: ["CMD-SHELL", "mysqladmin ping -uroot -pHy3Gt6Rbq"]}',
        'healthcheck: {test: ["CMD", "redis-cli", "-a", "Hy3Gt6Rbq", "ping"]}',
        "command: \"sh -c 'PGPASSWORD=Hy3Gt6Rbq psql -h db'\"",
        'command: ["redis-server", "--masterauth", "Hy3Gt6Rbq"]',
    ],
)
def test_a_password_in_a_command_shape_is_left_out(field: str) -> None:
    result, _ = _import(f"""
        services:
          db:
            image: postgres:15
            {field}
    """)
    assert "Hy3G" not in result.text + "\n".join(result.notes)
    assert any("left out: it holds a plain-text secret" in n for n in result.notes)


def test_same_key_with_different_values_gets_two_secrets() -> None:
    result, spec = _import("""
        services:
          a: {image: "a:1", environment: {API_KEY: "first-Secret-Value-0001"}}
          b: {image: "b:1", environment: {API_KEY: "second-Secret-Value-002"}}
    """)
    assert spec.secrets["api_key"].env == "API_KEY"
    assert spec.secrets["b_api_key"].env == "B_API_KEY"
    assert result.variables == ("API_KEY", "B_API_KEY")


def test_names_are_made_to_fit_the_spec() -> None:
    result, spec = _import("""
        name: My.Project
        services:
          Web.App: {image: "a:1", volumes: ["Data.Vol:/data"]}
        volumes:
          Data.Vol: {}
        networks:
          front: {driver: macvlan}
          back: {}
    """)
    assert spec.project == "my-project"
    assert list(spec.services) == ["web-app"]
    assert [m.render() for m in spec.services["web-app"].volumes] == ["data-vol:/data"]
    assert spec.network is not None and spec.network.driver == "bridge"
    notes = "\n".join(result.notes)
    assert "networks.back: not mapped: the spec has one network, 'front'" in notes


@pytest.mark.parametrize(
    ("compose", "options", "project"),
    [
        ("name: named\n", {}, "named"),
        ("name: named\n", {"project": "given"}, "given"),
        ("", {"folder": "Folder"}, "folder"),
        ("", {}, "app"),
    ],
)
def test_project_name(compose: str, options: dict[str, str], project: str) -> None:
    _, spec = _import(compose + "services: {a: {image: 'a:1'}}\n", **options)
    assert spec.project == project


def test_no_project_name_is_an_error() -> None:
    with pytest.raises(ComposeImportError, match="--project"):
        import_compose("services: {a: {image: 'a:1'}}\n", "docker-compose.yml")


@pytest.mark.parametrize("text", ["services: {}\n", "volumes: {a: {}}\n"])
def test_no_services_is_an_error(text: str) -> None:
    with pytest.raises(ComposeImportError, match="no services"):
        import_compose(text, "app/docker-compose.yml")


def test_unsafe_yaml_is_refused() -> None:
    with pytest.raises(SpecLoadError):
        import_compose("services: !!python/object:os.system {}\n", "app/docker-compose.yml")
