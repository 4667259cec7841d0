"""Compose values in spec syntax, and the reasons given for those without one."""

from __future__ import annotations

from typing import Any

import pytest

from stagespec.importer.values import (
    SECRET_NAME,
    Unmapped,
    duration,
    mount,
    port,
    reference,
    show,
    size,
    spec_name,
    unescape,
)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("web", "web"),
        ("Web.App", "web-app"),
        ("9lives", "s-9lives"),
        ("__x__", "x"),
        ("a" * 80, "a" * 63),
        ("...", None),
    ],
)
def test_spec_name(raw: str, name: str | None) -> None:
    assert spec_name(raw) == name


def test_secret_names_use_underscores() -> None:
    assert spec_name("DB-Password.v2", SECRET_NAME, "_") == "db_password_v2"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5433:5432", "5433:5432"),
        (8080, "8080"),
        ("127.0.0.1:80:80/udp", "127.0.0.1:80:80/udp"),
        ({"target": 80, "published": "8080"}, "8080:80"),
        ({"target": 80, "published": 8080, "host_ip": "::1"}, "[::1]:8080:80"),
        ({"target": 53, "protocol": "udp"}, "53/udp"),
    ],
)
def test_port(value: Any, expected: str) -> None:
    assert port(value) == expected


@pytest.mark.parametrize(
    "value", ["8000-8010:8000-8010", "${PORT}:80", {"published": 80}, {"target": 80, "x": 1}]
)
def test_unmapped_port(value: Any) -> None:
    with pytest.raises(Unmapped):
        port(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("data:/var/lib/data", "data:/var/lib/data"),
        ("./conf:/etc/app:ro", "./conf:/etc/app:ro"),
        ("./conf:/etc/app:ro,z", "./conf:/etc/app:ro"),
        ("./conf:/etc/app:z", "./conf:/etc/app"),
        ({"type": "volume", "source": "data", "target": "/d"}, "data:/d"),
        ({"type": "bind", "source": "conf", "target": "/c", "read_only": True}, "./conf:/c:ro"),
    ],
)
def test_mount(value: Any, expected: str) -> None:
    assert mount(value) == expected


@pytest.mark.parametrize(
    "value", ["/anonymous", "~/x:/y", {"type": "tmpfs", "target": "/t"}, 3, "C:\\x:/y"]
)
def test_unmapped_mount(value: Any) -> None:
    with pytest.raises(Unmapped):
        mount(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10s", "10s"), ("1m30s", "1m30s"), ("1.5s", "1500ms"), ("90s", "1m30s"), ("2h", "2h")],
)
def test_duration(value: str, expected: str) -> None:
    assert duration(value) == expected


@pytest.mark.parametrize("value", ["10", "1.0001ms", "5 s", 10, "1d"])
def test_unmapped_duration(value: Any) -> None:
    with pytest.raises(Unmapped):
        duration(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("512m", "512m"), ("128M", "128m"), ("1gb", "1g"), (1048576, "1m")]
)
def test_size(value: Any, expected: str) -> None:
    assert size(value) == expected


def test_unmapped_size() -> None:
    with pytest.raises(Unmapped):
        size("1.5g")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", ("plain", False)),
        ("$$HOME", ("$HOME", False)),
        ("${HOME}/x", ("${HOME}/x", True)),
        ("$HOME", ("$HOME", True)),
        ("5$", ("5$", False)),
    ],
)
def test_unescape(text: str, expected: tuple[str, bool]) -> None:
    assert unescape(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${VAR}", ("VAR", False)),
        ("$VAR", ("VAR", False)),
        ("${VAR:-x}", ("VAR", True)),
        ("${VAR-x}", ("VAR", True)),
        ("${VAR:?needed}", ("VAR", False)),
        ("a${VAR}", None),
        ("${VAR}b", None),
    ],
)
def test_reference(text: str, expected: tuple[str, bool] | None) -> None:
    assert reference(text) == expected


def test_show_hides_what_may_be_a_secret() -> None:
    assert show("8000-8010:80") == "'8000-8010:80'"
    assert show("sk-proj-Xk29vLq84TmZr01AbCdEfGhIjKlMnOpQ") == "a value"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("MYSQL_PASSWORD Hy3Gt6Rbq", "a value"),  # a variable written without its `=`
        ("api_token: Hy3Gt6Rbq", "a value"),
        ({"POSTGRES_PASSWORD": "Hy3Gt6Rbq"}, "a mapping"),
        (["--requirepass", "Hy3Gt6Rbq"], "a list"),
        ("redis-server --requirepass Hy3Gt6Rbq", "a value"),
        ("x" * 81, "a value"),
        ("bridge2", "'bridge2'"),
        (5432, "'5432'"),
    ],
)
def test_show_describes_a_value_without_its_content(value: Any, shown: str) -> None:
    assert show(value) == shown


def test_show_under_a_secret_key_hides_digits() -> None:
    assert show("48151623") == "'48151623'"
    assert show("48151623", key="POSTGRES_PASSWORD") == "a value"
