"""Tests for healthcheck-tool (SS503) beyond its cases: image names and test commands."""

from __future__ import annotations

import pytest

from stagespec.rules.healthcheck_tool import called_tools, official_family


@pytest.mark.parametrize(
    ("image", "family"),
    [
        ("postgres", ("postgres", False)),
        ("postgres:16", ("postgres", False)),
        ("postgres:16-bookworm", ("postgres", False)),
        ("postgres:15-alpine", ("postgres", True)),
        ("postgres:16.4-alpine3.20@sha256:" + "0" * 64, ("postgres", True)),
        ("library/redis:7", ("redis", False)),
        ("docker.io/redis:7-alpine", ("redis", True)),
        ("docker.io/library/redis:7.4", ("redis", False)),
        ("bitnami/postgresql:16", None),
        ("ghcr.io/acme/postgres:16", None),
        ("localhost:5000/postgres:16", None),
    ],
)
def test_official_family(image: str, family: tuple[str, bool] | None) -> None:
    assert official_family(image) == family


@pytest.mark.parametrize(
    ("test", "tools"),
    [
        (["CMD", "curl", "-f", "http://localhost/"], ["curl"]),
        (["curl", "-f", "http://localhost/"], ["curl"]),
        (["CMD", "/usr/bin/wget", "-q", "--spider", "http://x/"], ["wget"]),
        (["CMD-SHELL", "curl -f http://localhost/ || exit 1"], ["curl"]),
        ("wget -qO- http://localhost/ > /dev/null && curl -s http://x/", ["wget", "curl"]),
        (["CMD", "sh", "-c", "curl -f http://localhost/"], ["curl"]),
        (["CMD", "pg_isready", "-U", "curl"], []),
        (["CMD", "python", "-c", "import urllib.request"], []),
        ("redis-cli -u redis://curl:6379 ping", []),
        (["NONE"], []),
        ([], []),
    ],
)
def test_called_tools(test: str | list[str], tools: list[str]) -> None:
    assert called_tools(test) == tools
