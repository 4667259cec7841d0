"""Compose values in spec syntax: names, interpolation, ports, mounts, durations, sizes."""

from __future__ import annotations

from typing import Any

import pytest

from stagespec.importer.values import (
    SECRET_NAME,
    Unmapped,
    Use,
    duration,
    mount,
    parse_template,
    port,
    size,
    spec_name,
    spec_text,
)
from stagespec.model.values import variable_values


def _text(value: str) -> str:
    return spec_text(value, lambda name: name in {"PORT", "DATA", "V"})


@pytest.mark.parametrize(
    ("raw", "name"),
    [("web", "web"), ("Web.App", "web-app"), ("9lives", "s-9lives"), ("__x__", "x"),
     ("a" * 80, "a" * 63), ("...", None)],
)  # fmt: skip
def test_spec_name(raw: str, name: str | None) -> None:
    assert spec_name(raw) == name


def test_secret_names_use_underscores() -> None:
    assert spec_name("DB-Password.v2", SECRET_NAME, "_") == "db_password_v2"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a${X}b", ["a", Use("X", "", ""), "b"]),
        ("$X/$$Y", [Use("X", "", ""), "/$Y"]),
        ("${X:-/var/run/kong}", [Use("X", ":-", "/var/run/kong")]),
        ("${X-0.0.0.0:8000}", [Use("X", "-", "0.0.0.0:8000")]),
        ("${X:?set X}", [Use("X", ":?", "set X")]),
        ("${X?}", [Use("X", "?", "")]),
        ("cost $ 5", ["cost $ 5"]),
        ("$$(cat /run/secrets/x)", ["$(cat /run/secrets/x)"]),
    ],
)
def test_parse_template_reads_as_compose_does(text: str, parts: list[Any]) -> None:
    assert parse_template(text) == parts


@pytest.mark.parametrize("text", ["${A:-${B}}", "${A-$B}", "${}", "${1X}", "${X"])
def test_what_the_spec_cannot_write_is_unmapped(text: str) -> None:
    with pytest.raises(Unmapped):
        parse_template(text)


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("${PORT:-80}:80", "${PORT}:80"),
        ("$PORT", "${PORT}"),
        ("echo $$HOME", "echo $HOME"),
        ("$${NOT_A_VAR}", "$${NOT_A_VAR}"),  # compose's literal `${`, the spec's escape
        ("$$$${X}", "$$${X}"),
    ],
)
def test_spec_text(text: str, spec: str) -> None:
    assert _text(text) == spec


@pytest.mark.parametrize("text", ["${V:+yes}", "${UNDECLARED}", "$$${V}"])
def test_spec_text_refuses(text: str) -> None:
    with pytest.raises(Unmapped):
        _text(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8080:80", "8080:80"),
        (9000, 9000),
        ({"target": 80, "published": 8080, "host_ip": "127.0.0.1"}, "127.0.0.1:8080:80"),
        ({"target": 53, "published": "53", "protocol": "udp"}, "53:53/udp"),
        ("${PORT:-8080}:80", "${PORT}:80"),
    ],
)
def test_port(value: Any, expected: Any) -> None:
    with variable_values({"PORT": "8080"}):
        assert port(value, _text) == expected


@pytest.mark.parametrize(
    "value", ["8000-8010:8000-8010", {"target": 80, "app_protocol": "http"}, {"mode": "host"}]
)
def test_unmapped_port(value: Any) -> None:
    with pytest.raises(Unmapped):
        port(value, _text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (".:/app", ".:/app"),
        ("./src:/app:ro,cached", "./src:/app:ro,cached"),
        ("/node_modules", "/node_modules"),
        ("vhost.d:/etc/nginx/vhost.d", "vhost.d:/etc/nginx/vhost.d"),
        ({"type": "volume", "source": "data", "target": "/d", "read_only": True}, "data:/d:ro"),
        ({"type": "bind", "source": "./c", "target": "/c", "bind": {"selinux": "z"}}, "./c:/c:z"),
        ({"type": "volume", "source": "v", "target": "/v", "volume": {"nocopy": True}},
         "v:/v:nocopy"),
        ("${DATA:-./data}:/data", "${DATA}:/data"),
    ],
)  # fmt: skip
def test_mount(value: Any, expected: str) -> None:
    with variable_values({"DATA": "./data"}):
        assert mount(value, _text) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"type": "tmpfs", "target": "/t"},
        {"type": "bind", "source": "./c", "target": "/c", "bind": {"propagation": "shared"}},
        {"type": "volume", "source": "v", "target": "/v", "volume": {"subpath": "x"}},
        "~/cfg:/cfg",
    ],
)
def test_long_mount_without_a_short_form_is_unmapped(value: Any) -> None:
    with pytest.raises(Unmapped):
        mount(value, _text)


@pytest.mark.parametrize(
    ("value", "expected"), [("1m30s", "1m30s"), ("1.5s", "1500ms"), ("90s", "1m30s")]
)
def test_duration(value: str, expected: str) -> None:
    assert duration(value, _text) == expected


@pytest.mark.parametrize("value", ["1us", "soon", 5])
def test_unmapped_duration(value: Any) -> None:
    with pytest.raises(Unmapped):
        duration(value, _text)


@pytest.mark.parametrize(("value", "expected"), [("1G", "1g"), ("512M", "512m"), (1024, "1k")])
def test_size(value: Any, expected: str) -> None:
    assert size(value, _text) == expected


def test_unmapped_size() -> None:
    with pytest.raises(Unmapped):
        size("lots", _text)
