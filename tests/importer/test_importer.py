"""`import_compose`: the staging compose file becomes a spec that validates and builds back."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from stagespec.engine.build import render_all
from stagespec.engine.validate import check_document, validate_file
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


def _only_the_reports_memory_error(result: Any) -> None:
    """The report's compose file imports whole, and its one error is its own drift: Redis
    told to grow to 512mb inside a 128M memory limit (SS410)."""
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert [(d.code, d.message.split(" needs ")[0]) for d in errors] == [
        ("SS410", "--maxmemory 512mb")
    ], [d.format() for d in result.diagnostics]


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
    assert result.document is not None
    _only_the_reports_memory_error(result)
    files = render_all(result.document, spec_path, folder)
    data: dict[str, Any] = yaml.safe_load(files["docker-compose.yml"])
    return data


def test_staging_import_validates_but_for_the_reports_own_drift(
    staging: ImportResult, tmp_path: Path
) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(staging.text, encoding="utf-8")
    _only_the_reports_memory_error(validate_file(path))


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


def test_typed_keys_are_typed_and_the_rest_kept_with_one_note(staging: ImportResult) -> None:
    data = load_text(staging.text).data
    postgres, dashboard = data["services"]["postgres"], data["services"]["dashboard"]
    assert postgres["container_name"] == "inventario_postgres_staging"
    assert postgres["logging"] == {"driver": "json-file", "options": {"max-size": "10m"}}
    assert dashboard["labels"] == {"com.inventario.tier": "app"}
    assert dashboard["environment"]["LOG_LEVEL"] == "${LOG_LEVEL}"
    assert data["variables"] == {"LOG_LEVEL": {"default": "info"}}
    assert data["networks"] == {"staging-network": {"driver": "bridge"}}
    notes = "\n".join(staging.notes)
    assert "services.prometheus: kept as an ordinary service" in notes
    assert "x-logging: dropped: an extension field" in notes


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
            environment: [MODE=fast, EMPTY=, PASSTHROUGH, discovery.type=single-node]
          b:
            image: b:1
            environment: {MODE: fast, COUNT: 3, DEBUG: true, UNSET: null}
    """)
    assert spec.services["a"].environment == {
        "MODE": "fast", "EMPTY": "", "PASSTHROUGH": None, "discovery.type": "single-node"
    }  # fmt: skip
    assert spec.services["b"].environment == {
        "MODE": "fast", "COUNT": 3, "DEBUG": True, "UNSET": None
    }  # fmt: skip


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
    assert "changeme" not in result.text + "\n".join(result.notes)
    assert "DB_PASS" in result.variables


def test_variables_are_declared_once_with_default_or_required() -> None:
    result, spec = _import("""
        services:
          web:
            image: "nginx:${NGINX_TAG:-1.27}"
            ports: ["${WEB_PORT-8080}:80"]
            environment:
              PREFIX: ${KONG_PREFIX:-/var/run/kong}
              LISTEN: ${KONG_LISTEN:-0.0.0.0:8000}
              KEY: ${SITE_KEY:?set SITE_KEY}
              PLAIN: $PLAIN
              PRICE: "5$$"
    """)
    assert spec.services["web"].image == "nginx:${NGINX_TAG}"
    assert spec.services["web"].ports[0].render() == "${WEB_PORT}:80"
    declared = {n: (v.default if v else None, v.required if v else False)
                for n, v in spec.variables.items()}  # fmt: skip
    assert declared == {
        "NGINX_TAG": ("1.27", False), "WEB_PORT": ("8080", False),
        "KONG_PREFIX": ("/var/run/kong", False), "KONG_LISTEN": ("0.0.0.0:8000", False),
        "SITE_KEY": (None, True), "PLAIN": (None, False),
    }  # fmt: skip
    assert spec.services["web"].environment["PRICE"] == "5$"
    notes = "\n".join(result.notes)
    assert "variables.WEB_PORT: `${WEB_PORT-...}`" in notes
    # no note quotes a value, so none can be cut at the `:` inside a default
    assert "/var/run/kong" not in notes and "0.0.0.0" not in notes
    assert result.variables == ("SITE_KEY",)


def test_a_secret_in_a_default_inside_a_command_makes_the_variable_required() -> None:
    result, spec = _import("""
        services:
          cache:
            image: redis:7-alpine
            command: redis-server --requirepass ${REDIS_AUTH:-myredissecret}
          app:
            image: app:1
            environment:
              DATABASE_URL: ${DATABASE_URL:-postgresql://u:pw-9Xz2k@h/db}
    """)
    assert spec.services["cache"].command == "redis-server --requirepass ${REDIS_AUTH}"
    variable = spec.variables["REDIS_AUTH"]
    assert variable is not None and variable.required and variable.secret
    assert spec.services["app"].environment["DATABASE_URL"] == SecretRef(secret="database_url")
    assert "myredissecret" not in result.text + "\n".join(result.notes)
    assert "pw-9Xz2k" not in result.text + "\n".join(result.notes)
    assert set(result.variables) == {"REDIS_AUTH", "DATABASE_URL"}


def test_a_literal_secret_in_a_command_is_replaced_by_a_secret_variable() -> None:
    result, spec = _import("""
        services:
          cache:
            image: redis:7-alpine
            command: [redis-server, --requirepass, "s3cr3t-Pa55-w0rd-2025"]
            healthcheck:
              test: [CMD-SHELL, "redis-cli -a s3cr3t-Pa55-w0rd-2025 ping"]
    """)
    assert spec.services["cache"].command == [
        "redis-server", "--requirepass", "${CACHE_COMMAND_SECRET}"
    ]  # fmt: skip
    # the same value is the same variable: the host sets it once
    check = spec.services["cache"].healthcheck
    assert check is not None and check.test == [
        "CMD-SHELL",
        "redis-cli -a ${CACHE_COMMAND_SECRET} ping",
    ]
    variable = spec.variables["CACHE_COMMAND_SECRET"]
    assert variable is not None and variable.required and variable.secret  # never --var
    assert "s3cr3t-Pa55-w0rd-2025" not in result.text + "\n".join(result.notes)
    assert result.variables == ("CACHE_COMMAND_SECRET",)


def test_literal_secrets_read_from_host_variables_named_after_their_keys() -> None:
    result, spec = _import("""
        services:
          db:
            image: postgres:16
            environment:
              DB_PASSWORD: "first-Pa55-w0rd-2025"
              db.password: "second-Pa55-w0rd-2025"
          web-app:
            image: app:1
            environment:
              DB_PASSWORD: "third-Pa55-w0rd-2025"
              OTHER_PASSWORD: "first-Pa55-w0rd-2025"
    """)
    sources = {name: source.env for name, source in spec.secrets.items()}
    env = spec.services["db"].environment
    first, second = env["DB_PASSWORD"], env["db.password"]
    assert isinstance(first, SecretRef) and isinstance(second, SecretRef)
    assert sources[first.secret] == "DB_PASSWORD"
    assert sources[second.secret] == "db_password"  # a variable name: `.` is `_`
    third = spec.services["web-app"].environment["DB_PASSWORD"]
    assert isinstance(third, SecretRef)
    assert sources[third.secret] == "WEB_APP_DB_PASSWORD"  # taken: the service's name first
    # the same value is the same secret, wherever it is
    assert spec.services["web-app"].environment["OTHER_PASSWORD"] == first
    assert len(spec.secrets) == 3
    assert "Pa55" not in result.text + "\n".join(result.notes)


def test_a_secret_takes_the_variable_of_a_command_with_its_value() -> None:
    result, spec = _import("""
        services:
          cache:
            image: redis:7-alpine
            command: [redis-server, --requirepass, "s3cr3t-Pa55-w0rd-2025"]
          app:
            image: app:1
            environment:
              REDIS_PASSWORD: "s3cr3t-Pa55-w0rd-2025"
    """)
    assert spec.services["cache"].command == [
        "redis-server", "--requirepass", "${CACHE_COMMAND_SECRET}"
    ]  # fmt: skip
    secret = spec.services["app"].environment["REDIS_PASSWORD"]
    assert isinstance(secret, SecretRef)
    assert spec.secrets[secret.secret].env == "CACHE_COMMAND_SECRET"  # one host variable
    assert "s3cr3t-Pa55-w0rd-2025" not in result.text + "\n".join(result.notes)


def test_a_secret_source_used_elsewhere_is_a_secret_variable() -> None:
    _, spec = _import("""
        services:
          db:
            image: postgres:16
            environment:
              POSTGRES_PASSWORD: ${DB_PASSWORD}
            command: [postgres, -c, "app.password=${DB_PASSWORD}"]
    """)
    assert spec.services["db"].environment["POSTGRES_PASSWORD"] == SecretRef(secret="db_password")
    variable = spec.variables["DB_PASSWORD"]
    assert variable is not None and variable.secret and variable.required


def test_a_command_takes_the_variable_of_a_secret_with_its_value() -> None:
    result, spec = _import("""
        services:
          cache:
            image: redis:7-alpine
            environment:
              REDIS_PASSWORD: "s3cr3t-Pa55-w0rd-2025"
            command: [redis-server, --requirepass, "s3cr3t-Pa55-w0rd-2025"]
    """)
    assert spec.services["cache"].environment["REDIS_PASSWORD"] == SecretRef(
        secret="redis_password"
    )
    assert spec.secrets["redis_password"].env == "REDIS_PASSWORD"
    assert spec.services["cache"].command == ["redis-server", "--requirepass", "${REDIS_PASSWORD}"]
    variable = spec.variables["REDIS_PASSWORD"]
    assert variable is not None and variable.secret
    assert "s3cr3t-Pa55-w0rd-2025" not in result.text + "\n".join(result.notes)


def test_a_healthcheck_reading_a_secret_file_is_kept() -> None:
    _, spec = _import("""
        services:
          db:
            image: mariadb:11
            secrets: [db-password]
            healthcheck:
              test:
                - CMD-SHELL
                - mariadb-admin ping --password="$$(cat /run/secrets/db-password)"
          site:
            image: wordpress:6
            depends_on: {db: {condition: service_healthy}}
        secrets:
          db-password: {file: ./db-password.txt}
    """)
    check = spec.services["db"].healthcheck
    assert check is not None and "$(cat /run/secrets/db-password)" in str(check.test)
    mount = spec.services["db"].secrets[0]
    assert (mount.secret, mount.target) == ("db_password", "/run/secrets/db-password")
    assert spec.services["site"].depends_on == {"db": "healthy"}


def test_dependencies_keep_their_conditions_and_none_is_dropped() -> None:
    _, spec = _import("""
        services:
          db: {image: "postgres:16", healthcheck: {test: [CMD, pg_isready]}}
          migrate: {image: "app:1", depends_on: [db]}
          api:
            image: app:1
            depends_on:
              db: {condition: service_healthy, restart: true}
              migrate: {condition: service_completed_successfully}
              cache: {condition: service_started, required: false}
          cache: {image: "redis:7", restart: always}
    """)
    assert spec.services["migrate"].depends_on == {"db": "started"}
    deps = {name: dep for _, name, dep in spec.services["api"].dependencies()}
    assert (deps["db"].condition, deps["db"].restart) == ("healthy", True)
    assert deps["migrate"].condition == "completed"
    assert (deps["cache"].condition, deps["cache"].required) == ("started", False)
    assert spec.services["api"].restart == "no"  # compose's default, not the spec's
    assert spec.services["cache"].restart == "always"


def test_keys_without_a_typed_home_are_kept_with_one_note_each() -> None:
    result, spec = _import("""
        services:
          a:
            image: a:1
            sysctls: {net.core.somaxconn: 1024}
            cpus: 0.5
            deploy: {resources: {limits: {memory: 64M, cpus: "0.5"}}, replicas: 2}
        configs: {c: {file: ./c}}
        x-common: {a: 1}
    """)
    service = spec.services["a"]
    assert service.memory is not None and service.memory.render() == "64m"
    assert set(service.x_compose) == {"sysctls", "cpus", "deploy"}
    assert service.x_compose["deploy"] == {"resources": {"limits": {"cpus": "0.5"}}, "replicas": 2}
    assert spec.x_compose == {"configs": {"c": {"file": "./c"}}}
    for where in ("services.a.sysctls", "services.a.cpus", "services.a.deploy", "configs"):
        assert sum(n.startswith(f"{where}: kept under x-compose") for n in result.notes) == 1


def test_names_are_kept_or_renamed_with_every_reference() -> None:
    result, spec = _import("""
        services:
          Web.App: {image: "a:1", volumes: ["vhost.d:/etc/nginx/vhost.d"]}
          sidecar:
            image: b:1
            network_mode: "service:Web.App"
            depends_on: [Web.App]
          linked: {image: "c:1", links: ["Web.App:web"]}
        volumes:
          vhost.d: {}
    """)
    assert list(spec.services) == ["web-app", "sidecar", "linked"]
    assert [m.render() for m in spec.services["web-app"].volumes] == ["vhost.d:/etc/nginx/vhost.d"]
    assert list(spec.volumes) == ["vhost.d"]
    assert spec.services["sidecar"].network_mode == "service:web-app"
    assert spec.services["sidecar"].depends_on == {"web-app": "started"}
    assert spec.services["linked"].links == ["web-app:web"]
    assert result.renames == {"services": {"Web.App": "web-app"}}
    assert any(n.startswith("services.Web.App: renamed to 'web-app'") for n in result.notes)


def test_include_is_inlined_with_paths_rebased() -> None:
    files = {
        "app/mods/db.yml": "services:\n  db:\n    image: postgres:16\n"
        "    volumes: [./init:/docker-entrypoint-initdb.d]\n"
        "volumes:\n  pg: {}\n",
    }
    result = import_compose(
        "include: [mods/db.yml]\nservices:\n  api: {image: 'a:1', depends_on: [db]}\n",
        "app/docker-compose.yml",
        read=files.__getitem__,
    )
    data = load_text(result.text).data
    assert set(data["services"]) == {"api", "db"}
    assert data["services"]["db"]["volumes"] == ["./mods/init:/docker-entrypoint-initdb.d"]
    assert any(n.startswith("include: 'mods/db.yml' inlined") for n in result.notes)


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


def test_a_file_without_services_is_refused() -> None:
    with pytest.raises(ComposeImportError):
        import_compose("volumes: {a: {}}\n", "docker-compose.yml")
