"""`env check` of deploy-time variables: required ones are set, typed ones parse, and no
value is ever shown."""

from __future__ import annotations

from pathlib import Path

from stagespec.envcheck.check import (
    ENVIRONMENT,
    VariableCheck,
    check_environment,
    format_report,
    select_environment,
)
from stagespec.load.document import load_text

CANARY = "canary-Zq8w-value"
SPEC = """\
stagespec: 1
project: demo
variables:
  DOMAIN: {required: true}
  WEB_PORT: {default: "8080"}
  GRACE: {default: 10s}
  RETRIES: {default: "3"}
  DATA: {default: ./data}
  EXTRA:
services:
  web:
    image: nginx:1.27
    ports: ["${WEB_PORT}:80"]
    volumes: ["${DATA}:/usr/share/nginx/html:ro"]
    stop_grace_period: "${GRACE}"
    environment: {SERVER_NAME: "${DOMAIN}", EXTRA: "${EXTRA}"}
    healthcheck: {test: [CMD, nginx, -t], retries: "${RETRIES}"}
"""


def _check(environ: dict[str, str], files: list[Path] | None = None) -> dict[str, VariableCheck]:
    spec = select_environment(load_text(SPEC, "stack.yaml"), None)
    report = check_environment(spec, environ, files or [], Path("."))
    return {v.name: v for v in report.variables}


def test_defaults_and_a_missing_required_variable() -> None:
    found = _check({})
    assert found["DOMAIN"].status == "missing"
    assert found["WEB_PORT"].status == "default"
    assert found["EXTRA"].status == "not needed"
    assert not check_environment(
        select_environment(load_text(SPEC, "stack.yaml"), None), {}, [], Path(".")
    ).ok


def test_an_empty_required_variable_fails_as_compose_fails() -> None:
    assert _check({"DOMAIN": ""})["DOMAIN"].status == "empty"
    assert _check({"DOMAIN": "example.org"})["DOMAIN"] == VariableCheck(
        "DOMAIN", True, "present", ENVIRONMENT
    )


def test_an_empty_optional_variable_takes_its_default() -> None:
    assert _check({"DOMAIN": "x", "WEB_PORT": ""})["WEB_PORT"].status == "default"


def test_values_in_typed_positions_must_parse() -> None:
    found = _check(
        {"DOMAIN": "x", "WEB_PORT": "http", "GRACE": "soon", "RETRIES": "many", "DATA": "a b"}
    )
    assert found["WEB_PORT"].invalid_at == (("services.web.ports.0", "a port mapping"),)
    assert found["GRACE"].invalid_at == (("services.web.stop_grace_period", "a duration"),)
    assert found["RETRIES"].invalid_at == (("services.web.healthcheck.retries", "an integer"),)
    assert found["DATA"].invalid_at == (("services.web.volumes.0", "a mount"),)
    assert {v.status for k, v in found.items() if k != "DOMAIN" and k != "EXTRA"} == {"invalid"}


def test_a_port_out_of_range_is_invalid_and_not_shown() -> None:
    found = _check({"DOMAIN": "x", "WEB_PORT": "70000"})
    assert found["WEB_PORT"].status == "invalid"


def test_an_env_file_value_counts(tmp_path: Path) -> None:
    env = tmp_path / "deploy.env"
    env.write_text("DOMAIN=example.org\nWEB_PORT=9090\n", encoding="utf-8")
    found = _check({}, [env])
    assert found["DOMAIN"].status == "present" and found["DOMAIN"].origin == str(env)
    assert found["WEB_PORT"].status == "present"


def test_the_report_never_shows_a_value() -> None:
    spec = select_environment(load_text(SPEC, "stack.yaml"), None)
    environ = dict.fromkeys(["DOMAIN", "WEB_PORT", "GRACE", "RETRIES", "DATA", "EXTRA"], CANARY)
    environ["WEB_PORT"] = "6553" + "5" * 3  # a number the port's own error would print
    report = check_environment(spec, environ, [], Path("."))
    text = format_report(report)
    assert CANARY not in text and environ["WEB_PORT"] not in text
    assert CANARY not in repr(report)
    assert "variables missing, empty or invalid" in text
    assert "services.web.ports.0 (a port mapping)" in text
