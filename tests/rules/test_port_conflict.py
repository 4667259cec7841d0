"""Tests for port-conflict (SS401) on its own: Grafana's published port counts too."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

from stagespec.rules import port_conflict

Findings = Callable[[ModuleType, str], list[tuple[str, str]]]


def _spec(api_port: str, grafana: str | None = None) -> str:
    """A service publishing `api_port`; Grafana too unless `grafana` is None."""
    text = (
        "stagespec: 1\nproject: demo\nsecrets:\n  grafana_admin: {env: GRAFANA_ADMIN}\n"
        f'services:\n  api: {{image: "api:1.0", ports: ["{api_port}"]}}\n'
    )
    if grafana is not None:
        text += (
            "monitoring:\n  grafana:\n    image: grafana/grafana:11.1.0\n"
            f"    admin_password: {{secret: grafana_admin}}\n{grafana}"
        )
    return text


def test_a_service_on_grafanas_default_port_conflicts(findings: Findings) -> None:
    assert findings(port_conflict, _spec("3000:8080", grafana="")) == [
        ("monitoring.grafana.port", "host port 3000/tcp is already published by services.api")
    ]


def test_a_service_on_grafanas_configured_port_conflicts(findings: Findings) -> None:
    found = findings(port_conflict, _spec("127.0.0.1:3300:8080", grafana="    port: 3300\n"))
    assert found == [
        ("monitoring.grafana.port", "host port 3300/tcp is already published by services.api")
    ]


@pytest.mark.parametrize("api_port", ["3001:8080", "3000:8080/udp"])
def test_another_port_or_protocol_does_not_conflict_with_grafana(
    findings: Findings, api_port: str
) -> None:
    assert findings(port_conflict, _spec(api_port, grafana="")) == []  # default 3000
    assert findings(port_conflict, _spec(api_port, grafana="    port: 3000\n")) == []
