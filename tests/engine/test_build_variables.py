"""Build-time variables: the Kubernetes build substitutes each `${NAME}` before the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stagespec.engine.build import render_all, target_specs
from stagespec.engine.variables import VariableError, _data_path, substituted, variable_values
from stagespec.load.document import load_path

SPEC = """\
stagespec: 1
project: demo
variables:
  TAG: {default: "1.0"}
  PORT: {default: "8080"}
  GRACE: {default: 30s}
  RETRIES: {default: "3"}
  TOKEN: {required: true, description: an API token}
  OPTIONAL: {}
services:
  web:
    image: example/web:${TAG}
    ports: ["${PORT}:80"]
    command: ["serve", "--token=${TOKEN}", "--opt=${OPTIONAL}", "$${LITERAL}", "$HOME"]
    stop_grace_period: ${GRACE}
    healthcheck: {test: "true", retries: "${RETRIES}"}
    x-compose: {cpu_shares: "${TAG}"}
environments:
  staging: {}
  production:
    variables:
      TAG: {default: "2.0"}
      PORT: {default: "9090"}
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "stack.yaml"
    path.write_text(SPEC)
    return path


def _web(spec_file: Path, env: str, given: dict[str, str]) -> Any:
    doc = load_path(spec_file)
    return target_specs(doc, "k8s", variables=given, only=env)[env].services["web"]


def test_defaults_env_overlay_and_given_values(spec_file: Path) -> None:
    staging = _web(spec_file, "staging", {"TOKEN": "t"})
    assert staging.image == "example/web:1.0"
    assert staging.ports[0].host == 8080 and staging.ports[0].template is None
    assert staging.stop_grace_period.ms == 30_000
    assert staging.healthcheck.retries == 3
    production = _web(spec_file, "production", {"TOKEN": "t"})
    assert production.image == "example/web:2.0"  # the environment's overlay
    assert production.ports[0].host == 9090
    given = _web(spec_file, "production", {"TOKEN": "t", "TAG": "3.0", "PORT": "7070"})
    assert given.image == "example/web:3.0"  # --var over both
    assert given.ports[0].host == 7070


def test_escape_optional_and_plain_dollars(spec_file: Path) -> None:
    web = _web(spec_file, "staging", {"TOKEN": "abc"})
    assert web.command == ["serve", "--token=abc", "--opt=", "${LITERAL}", "$HOME"]
    assert web.x_compose == {"cpu_shares": "${TAG}"}  # compose's, not substituted


def test_required_without_value_names_it_and_where(spec_file: Path) -> None:
    with pytest.raises(VariableError) as caught:
        target_specs(load_path(spec_file), "k8s", only="staging")
    assert caught.value.exit_code == 2
    assert "environment 'staging'" in str(caught.value)
    (detail,) = caught.value.details
    assert "variable TOKEN is required and has no value" in detail
    assert "services.web.command.1 (line 14)" in detail
    assert "--var TOKEN=VALUE" in detail


def test_undeclared_given_variable(spec_file: Path) -> None:
    with pytest.raises(VariableError, match="--var NOPE: no variable NOPE is declared"):
        target_specs(load_path(spec_file), "k8s", variables={"NOPE": "x", "TOKEN": "t"})


def test_compose_refuses_given_values(spec_file: Path) -> None:
    with pytest.raises(VariableError, match="--var is for a target that substitutes"):
        target_specs(load_path(spec_file), "compose", variables={"TOKEN": "t"})


def test_a_value_that_breaks_a_typed_field_is_named_not_shown(spec_file: Path) -> None:
    with pytest.raises(VariableError) as caught:
        _web(spec_file, "staging", {"TOKEN": "t", "PORT": "secret-value-99"})
    text = str(caught.value) + "\n".join(caught.value.details)
    assert "services.web.ports.0 (line 13) is not valid with the value of PORT" in text
    assert "secret-value-99" not in text


def test_compose_keeps_the_templates(spec_file: Path) -> None:
    web = target_specs(load_path(spec_file), "compose", only="staging")["staging"].services["web"]
    assert web.image == "example/web:${TAG}"
    assert web.ports[0].template == "${PORT}:80"


def test_render_all_substitutes_for_k8s(spec_file: Path, tmp_path: Path) -> None:
    doc = load_path(spec_file)
    parsed = target_specs(doc, "k8s", variables={"TOKEN": "tok"})
    files = render_all(doc, spec_file, tmp_path / "out", target="k8s", parsed=parsed)
    web = [d for d in yaml.safe_load_all(files["production/web.yaml"]) if d["kind"] == "Deployment"]
    container = web[0]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "example/web:2.0"
    # `$` is doubled for the kubelet, which reads `$$` back as `$`
    assert container["args"] == ["serve", "--token=tok", "--opt=", "$${LITERAL}", "$$HOME"]
    assert web[0]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 30


def test_substitution_reaches_nested_values_not_keys() -> None:
    data = {
        "variables": {"A": {"default": "x"}},
        "services": {"s": {"environment": {"${A}": "${A}"}, "labels": ["k=${A}"]}},
        "x-kubernetes": [{"kind": "ConfigMap", "data": {"k": "${A}"}}],
    }
    out, walk = substituted(data, variable_values(data, {}))
    assert out["services"]["s"]["environment"] == {"${A}": "x"}
    assert out["services"]["s"]["labels"] == ["k=x"]
    assert out["x-kubernetes"][0]["data"]["k"] == "x"
    assert out["variables"] == data["variables"]
    assert list(walk.uses) == ["A"] and len(walk.uses["A"]) == 3


def test_values_of_declared_variables() -> None:
    data = {"variables": {"A": {"default": True}, "B": None, "C": {"required": True}}}
    assert variable_values(data, {}) == {"A": "true", "B": "", "C": None}
    assert variable_values(data, {"C": "v"})["C"] == "v"


def test_a_false_default_and_the_untouched_extension_keys() -> None:
    data = {
        "variables": {"OFF": {"default": False}},
        "services": {"s": {"environment": {"E": "${OFF}"}, "x-compose": {"k": "${NOPE}"}}},
        "x-anchors": {"a": "${NOPE}"},
    }
    assert variable_values(data, {}) == {"OFF": "false"}
    out, walk = substituted(data, variable_values(data, {}))
    assert out["services"]["s"]["environment"] == {"E": "false"}
    # an `x-` key other than x-kubernetes is no target's: its text stays, and unread
    assert out["x-anchors"] == {"a": "${NOPE}"}
    assert out["services"]["s"]["x-compose"] == {"k": "${NOPE}"}
    assert list(walk.uses) == ["OFF"]


def test_the_messages_name_every_use_and_never_a_value(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(
        "stagespec: 1\nproject: demo\nvariables:\n  TOKEN: {required: true}\n  TAG: {}\n"
        "services:\n  web:\n    image: example/web:1${TAG}\n"
        "    command: [a, '${TOKEN}', '${TOKEN}', '${TOKEN}', '${TOKEN}', '${GONE}']\n"
        "environments:\n  staging: {}\n"
    )
    with pytest.raises(VariableError) as caught:
        target_specs(load_path(path), "k8s", only="staging")
    assert str(caught.value) == (
        f"{path}: the build of environment 'staging' cannot substitute its variables"
    )
    assert caught.value.details == (
        "variable TOKEN is required and has no value; used at services.web.command.1 "
        "(line 9), services.web.command.2 (line 9), services.web.command.3 (line 9) and "
        "1 more: give it with `--var TOKEN=VALUE` or a default",
        "${GONE} names no declared variable; used at services.web.command.5 (line 9)",
    )
    with pytest.raises(VariableError) as unknown:
        target_specs(load_path(path), "k8s", variables={"TOKN": "x"})
    assert str(unknown.value) == (
        "--var TOKN: no variable TOKN is declared under `variables:` (declared: TAG, TOKEN)"
    )
    path.write_text(path.read_text().replace("\nenvironments:\n  staging: {}\n", "\n"))
    with pytest.raises(VariableError) as unnamed:  # no environment: none named
        target_specs(load_path(path), "k8s")
    assert str(unnamed.value) == f"{path}: the build cannot substitute its variables"
    text = path.read_text().replace("variables:\n  TOKEN: {required: true}\n  TAG: {}\n", "")
    path.write_text(text.replace("${TAG}", ""))
    with pytest.raises(VariableError, match=r"\(declared: none\)$"):
        target_specs(load_path(path), "k8s", variables={"TOKN": "x"})


def test_an_invalid_result_names_the_field_and_the_variable(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(
        "stagespec: 1\nproject: demo\nvariables:\n  PORT: {default: '8080'}\n"
        "services:\n  web:\n    image: example/web:1\n    ports: ['${PORT}:80']\n"
    )
    with pytest.raises(VariableError) as caught:
        target_specs(load_path(path), "k8s", variables={"PORT": "99999"})
    assert str(caught.value) == (
        f"{path}: the build substitutes its variables, and the result is not valid "
        "(the values are not shown)"
    )
    assert caught.value.details == (
        "services.web.ports.0 (line 8) is not valid with the value of PORT",
    )


def test_an_error_location_as_a_path_of_the_data() -> None:
    data = {"a": [{"b": 1}], "s": "xyz"}
    # a union's branch or a validator's name in the location is not a key
    assert _data_path(data, ("a", 0, "function-after[check]", "b")) == ("a", 0, "b")
    assert _data_path(data, ("a", 1)) == ("a",)  # past the end of the list
    assert _data_path(data, ("a", "list[int]")) == ("a",)
    assert _data_path(data, ("s", "x")) == ("s",)  # a string has no keys


def test_an_invalid_result_of_two_variables_in_an_environment(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(
        "stagespec: 1\nproject: demo\nvariables:\n  HOST: {default: '8080'}\n"
        "  INNER: {default: '80'}\n"
        "services:\n  web:\n    image: example/web:1\n    ports: ['${HOST}:${INNER}']\n"
        "environments:\n  staging: {}\n"
    )
    with pytest.raises(VariableError) as caught:
        target_specs(load_path(path), "k8s", variables={"HOST": "0"}, only="staging")
    assert str(caught.value).startswith(f"{path}: the build of environment 'staging' substitutes")
    assert caught.value.details == (
        "services.web.ports.0 (line 9) is not valid with the value of HOST, INNER",
    )


def test_an_integer_made_of_a_variable_and_digits(tmp_path: Path) -> None:
    # validate accepts `1${R}` for an integer; the build reads it as compose does
    path = tmp_path / "stack.yaml"
    path.write_text(
        "stagespec: 1\nproject: demo\nvariables:\n  R: {default: '2'}\n"
        "services:\n  a:\n    image: x:1\n    healthcheck: {test: [CMD, x], retries: '1${R}'}\n"
        "environments:\n  staging: {}\n"
    )
    spec = target_specs(load_path(path), "k8s")["staging"]
    check = spec.services["a"].healthcheck
    assert check is not None and check.retries == 12
    with pytest.raises(VariableError, match="of environment 'staging' substitutes"):
        target_specs(load_path(path), "k8s", variables={"R": "x"})  # `1x` is no integer
    path.write_text(path.read_text().replace("'1${R}'", "'${R}'"))
    with pytest.raises(VariableError, match="of environment 'staging' substitutes") as caught:
        target_specs(load_path(path), "k8s", variables={"R": "-5"})  # an integer, not >= 1
    assert caught.value.details == (
        "services.a.healthcheck.retries (line 8) is not valid with the value of R",
    )
