"""The variable rules (SS107-SS109) and how the other rules read `${NAME}`."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

from stagespec.engine.validate import check_document
from stagespec.load.document import load_text
from stagespec.rules import port_conflict, variable_undefined, variable_unused

Findings = Callable[[ModuleType, str], list[tuple[str, str]]]
HEAD = "stagespec: 1\nproject: demo\n"
CANARY = "canary-Zq8w-value"


def _diagnostics(text: str) -> list[tuple[str, str]]:
    _, found = check_document(load_text(HEAD + text, "stack.yaml"))
    return [(d.code, d.message) for d in found]


def test_an_undefined_reference_is_reported_once_per_string(findings: Findings) -> None:
    text = HEAD + (
        "services:\n  api:\n    image: api:1.0\n"
        '    command: [sh, -c, "${A} ${A} ${B}"]\n'
        "    x-compose: {dns: ['${C}']}\n"
    )
    found = findings(variable_undefined, text)
    assert [path for path, _ in found] == [
        "services.api.command.2",
        "services.api.command.2",
        "services.api.x-compose.dns.0",
    ]
    assert "`${A}`" in found[0][1] and "`${B}`" in found[1][1]


@pytest.mark.parametrize("name", ["X", "XDG_DATA", "lower", "_U1", "A" * 128])
def test_every_undeclared_name_is_reported_and_a_declared_one_is_not(
    findings: Findings, name: str
) -> None:
    used = f"services:\n  api: {{image: 'api:${{{name}}}', command: 'run ${{KNOWN}}'}}\n"
    text = HEAD + "variables: {KNOWN: {default: '1'}}\n" + used
    assert findings(variable_undefined, text) == [
        ("services.api.image", f"`${{{name}}}` names no variable declared under `variables:`")
    ]


def test_escapes_and_plain_dollars_name_nothing(findings: Findings) -> None:
    text = HEAD + 'services:\n  api: {image: api:1.0, command: "echo $HOME $${X} $$ ${"}\n'
    assert findings(variable_undefined, text) == []


def test_anchor_only_extension_keys_are_not_read(findings: Findings) -> None:
    text = HEAD + "x-common: {image: '${GONE}'}\nservices:\n  api: {image: api:1.0}\n"
    assert findings(variable_undefined, text) == []


def test_a_use_in_any_overlay_counts(findings: Findings) -> None:
    text = HEAD + (
        "variables: {A: {default: x}, B: {default: y}}\n"
        "services:\n  api: {image: api:1.0}\n"
        "environments:\n  dev:\n    services: {api: {environment: {V: '${A}'}}}\n"
    )
    assert findings(variable_unused, text) == [
        ("variables.B", "variable 'B' is declared but no string uses it")
    ]


def test_a_secret_default_is_judged_under_its_variables_name() -> None:
    text = f"variables:\n  REDIS_PASSWORD: {{default: {CANARY}}}\n" + (
        "services:\n  redis: {image: 'redis:7', command: 'redis-server --port ${REDIS_PASSWORD}'}\n"
    )
    found = [m for code, m in _diagnostics(text) if code == "SS301"]
    assert found == [
        "variables.REDIS_PASSWORD.default holds a password in plain text; declare it under "
        "`secrets:` and refer to it with {secret: name}"
    ]
    assert all(CANARY not in m for _, m in _diagnostics(text))


def test_a_bad_default_is_reported_without_its_value() -> None:
    text = (
        f"variables:\n  A: {{default: '{CANARY}}}'}}\nservices:\n  api: {{image: 'api:${{A}}'}}\n"
    )
    found = _diagnostics(text)
    assert any(code == "SS109" for code, _ in found)
    assert all(CANARY not in message for _, message in found)


def test_a_port_of_a_variable_is_compared_with_its_default(findings: Findings) -> None:
    text = HEAD + (
        "variables: {P: {default: '8080'}, IP: {default: 127.0.0.1}}\n"
        "services:\n"
        "  a: {image: a:1, ports: ['${IP}:8080:80']}\n"
        "  b: {image: b:1, ports: ['127.0.0.1:${P}:81']}\n"
        "  c: {image: c:1, ports: ['9090:${P}']}\n"
        "  d: {image: d:1, ports: ['9090:80']}\n"
    )
    assert findings(port_conflict, text) == [
        (
            "services.b.ports.0",
            "host port 8080/tcp is already published by services.a "
            "(with the defaults of their variables)",
        ),
        ("services.d.ports.0", "host port 9090/tcp is already published by services.c"),
    ]
