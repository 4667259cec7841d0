"""Each normalisation of the corpus comparison (import_roundtrip), on its own."""

from __future__ import annotations

from pathlib import Path

import import_roundtrip as rt
import pytest


def test_duration_and_size_forms() -> None:
    assert rt.duration_ns("1m30s") == rt.duration_ns("90s") == rt.duration_ns("90000ms")
    assert rt.duration_ns("soon") == "soon"
    assert rt.size_bytes("1G") == rt.size_bytes("1024m") == 1024**3
    assert rt.size_bytes(True) is True


def test_port_forms() -> None:
    long = {"target": 80, "published": 8080, "host_ip": "127.0.0.1"}
    assert rt.port_form("127.0.0.1:8080:80") == rt.port_form(long)
    assert rt.port_form("53:53/udp")["protocol"] == "udp"
    assert rt.port_form("80") == {"target": "80", "protocol": "tcp", "mode": "ingress"}


def test_mount_forms() -> None:
    long = {"type": "bind", "source": "./c", "target": "/c", "read_only": True,
            "bind": {"selinux": "z", "create_host_path": True}}  # fmt: skip
    assert rt.mount_form("./c:/c:ro,z") == rt.mount_form(long)
    assert rt.mount_form("data:/d:rw") == rt.mount_form(
        {"type": "volume", "source": "data", "target": "/d", "read_only": False}
    )
    assert rt.mount_form("/anon") == {"type": "volume", "target": "/anon"}


def test_pairs_and_dependency_forms() -> None:
    assert rt.pairs(["A=1", "B", "C="]) == rt.pairs({"A": 1, "B": None, "C": ""})
    assert rt.dependency_form(["db"]) == rt.dependency_form(
        {"db": {"condition": "service_started"}}
    )


def test_healthcheck_forms() -> None:
    assert rt.healthcheck_form({"test": ["NONE"]}) == rt.healthcheck_form({"disable": True})
    assert rt.healthcheck_form({"test": "x", "interval": "1m"}) == rt.healthcheck_form(
        {"test": ["CMD-SHELL", "x"], "interval": "60s"}
    )


def test_secret_mount_form() -> None:
    assert rt.secret_mount_form("k") == rt.secret_mount_form({"source": "k", "target": "k"})
    assert rt.secret_mount_form({"source": "k", "target": "/run/secrets/k"})["target"] == (
        "/run/secrets/k"
    )


def test_service_form_joins_the_default_network() -> None:
    assert rt.service_form({"image": "a"})["networks"] == {"default": None}
    assert "networks" not in rt.service_form({"image": "a", "network_mode": "host"})


def test_restart_default() -> None:
    config = {"services": {"a": {}, "b": {"restart": "always"}}}
    assert rt.restart_default(config) == {
        "services": {"a": {"restart": "no"}, "b": {"restart": "always"}}
    }


def test_memory_limit() -> None:
    config = {"services": {"a": {"deploy": {"resources": {"limits": {"memory": "1G"}}}}}}
    assert rt.memory_limit(config) == {"services": {"a": {"mem_limit": 1024**3}}}


def test_project_name() -> None:
    assert rt.project_name({"name": "x", "services": {}}) == {"services": {}}


def test_renamed() -> None:
    config = {
        "services": {"Web": {}, "b": {"depends_on": {"Web": {}}, "network_mode": "service:Web",
                                      "links": ["Web:w"], "secrets": [{"source": "db-pw"}]}},
        "secrets": {"db-pw": {"file": "x"}},
    }  # fmt: skip
    found = rt.renamed(config, {"services": {"Web": "web"}, "secrets": {"db-pw": "db_pw"}})
    assert set(found["services"]) == {"web", "b"}
    b = found["services"]["b"]
    assert (b["depends_on"], b["network_mode"], b["links"]) == (
        {"web": {}},
        "service:web",
        ["web:w"],
    )
    assert b["secrets"] == [{"source": "db_pw"}] and set(found["secrets"]) == {"db_pw"}


def test_secret_markers() -> None:
    markers = {"X": "marker-x"}
    original = {"env": {"PW": "literal", "URL": "redis://:literal@h", "OTHER": "a"}}
    generated = {"env": {"PW": "marker-x", "URL": "redis://:marker-x@h", "OTHER": "b"}}
    found = rt.secret_markers(original, generated, markers)
    assert found == {"env": {"PW": "marker-x", "URL": "redis://:marker-x@h", "OTHER": "a"}}
    # a marker that does not stand where the original differs changes nothing
    assert rt.secret_markers({"U": "http://h"}, {"U": "ftp://marker-x"}, markers) == {
        "U": "http://h"
    }


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${A:-d}", {"A": ""}, "d"),
        ("${A-d}", {"A": ""}, ""),
        ("${A-d}", {}, "d"),
        ("$$A $A", {"A": "1"}, "$A 1"),
    ],
)
def test_interpolate(text: str, env: dict[str, str], expected: str) -> None:
    assert rt.interpolate(text, env) == expected


def test_interpolate_refuses_an_unset_required_variable() -> None:
    with pytest.raises(KeyError):
        rt.interpolate("${A:?set A}", {"A": ""})


def test_resolve_inlines_include_with_its_env_file(tmp_path: Path) -> None:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "m.yml").write_text("services:\n  m: {image: 'm:${TAG}', build: .}\n")
    (tmp_path / "inc" / "m.env").write_text("TAG=7\n")
    (tmp_path / "c.yml").write_text(
        "include: [{path: inc/m.yml, env_file: inc/m.env}]\nx-a: 1\nservices:\n  a: {image: a}\n"
    )
    found = rt.resolve(tmp_path / "c.yml", {})
    assert found["services"]["m"]["image"] == "m:7"
    assert found["services"]["m"]["build"]["context"] == str(tmp_path / "inc")
    assert "x-a" not in found


def test_differences_name_paths_only() -> None:
    assert rt.differences({"a": {"b": 1}, "c": 2}, {"a": {"b": 2}}) == [
        ".a.b",
        ".c (only in the original)",
    ]
