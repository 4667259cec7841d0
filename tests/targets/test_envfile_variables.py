"""`.env.example` lists every deploy-time variable: description, required or default."""

from __future__ import annotations

import stagespec.targets.envfile as envfile
from stagespec.load.document import load_text
from stagespec.model.parse import parse_spec
from stagespec.model.spec import Spec
from stagespec.plan.envquote import EnvValueError
from stagespec.plan.inputs import BuildInput

SPEC = """\
stagespec: 1
project: demo
variables:
  WEB_PORT: {default: "8080", description: "Host port of the site"}
  DOMAIN: {required: true, description: "Public host name.\\nUsed by the proxy rules."}
  EXTRA_ARGS:
  MOTD: {default: "it's up"}
services:
  web:
    image: nginx:1.27
    ports: ["${WEB_PORT}:80"]
    command: "nginx ${EXTRA_ARGS}"
    environment: {SERVER_NAME: "${DOMAIN}", MOTD: "${MOTD}"}
"""


def _spec(text: str = SPEC) -> Spec:
    spec, diagnostics = parse_spec(load_text(text, "stack.yaml"))
    assert spec is not None, diagnostics
    return spec


def _example(spec: Spec) -> str:
    return envfile.render(BuildInput(spec, "stack.yaml"))[envfile.EXAMPLE_PATH].decode()


def test_every_variable_in_name_order_with_what_it_is() -> None:
    text = _example(_spec())
    section = text.split("# --- variables: read by compose when it starts the stack ---\n")[1]
    assert section == (
        "# Public host name.\n"
        "# Used by the proxy rules.\n"
        "# required: set it on the host\n"
        "DOMAIN=\n"
        "# optional; empty when unset\n"
        "EXTRA_ARGS=\n"
        "# optional; this is its default\n"
        'MOTD="it\'s up"\n'
        "# Host port of the site\n"
        "# optional; this is its default\n"
        "WEB_PORT=8080\n"
    )


def test_the_order_does_not_follow_the_spec() -> None:
    swapped = SPEC.replace(
        '  WEB_PORT: {default: "8080", description: "Host port of the site"}\n', ""
    ).replace(
        "  MOTD:", '  WEB_PORT: {default: "8080", description: "Host port of the site"}\n  MOTD:'
    )
    assert _example(_spec(swapped)) == _example(_spec())


def test_no_variables_no_section() -> None:
    text = _example(_spec("stagespec: 1\nproject: demo\nservices:\n  web: {image: 'nginx:1.27'}\n"))
    assert "variables" not in text


def test_the_env_file_itself_has_no_variables() -> None:
    env = envfile.render(BuildInput(_spec(), "stack.yaml"))[envfile.ENV_PATH].decode()
    assert "WEB_PORT" not in env and "DOMAIN" not in env


def test_a_default_env_cannot_hold_is_refused_not_written() -> None:
    spec = _spec(SPEC.replace('default: "it\'s up"', "default: 'C:\\\\data'"))
    try:
        _example(spec)
    except EnvValueError as e:
        assert "MOTD" in str(e)
    else:
        raise AssertionError("a backslash was written to .env.example")
