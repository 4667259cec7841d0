"""Typed values that hold `${NAME}`: checked with the variable's value, their text kept."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from stagespec.model.validator import validate_spec
from stagespec.model.values import (
    Duration,
    PortMapping,
    Size,
    VarInt,
    VolumeMount,
    references,
    substitute,
    variable_values,
)


def service(variables: dict[str, Any], **keys: Any) -> Any:
    data = {
        "stagespec": 1,
        "project": "demo",
        "variables": variables,
        "services": {"app": {"image": "app:1", **keys}},
    }
    return validate_spec(data).services["app"]


def test_references_and_the_literal_escape() -> None:
    assert references("${A}-${B}:$${C} $D ${A}") == ["A", "B", "A"]
    assert substitute("${A}/$${B}/$C", {"A": "x"}) == "x/${B}/$C"
    assert substitute("${A}/${B}", {"A": "x"}) is None  # B has no value
    assert substitute("no dollar", {}) == "no dollar"


def test_a_port_is_checked_with_the_default_and_keeps_its_text() -> None:
    port = service({"WEB": {"default": "8080"}}, ports=["${WEB}:80"]).ports[0]
    assert (port.host, port.container, port.template) == (8080, 80, "${WEB}:80")
    assert port.render() == "${WEB}:80"
    assert PortMapping.parse("8080:80").template is None


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({}, "declare WEB under `variables` with a `default`"),
        ({"WEB": {"required": True}}, "declare WEB under `variables` with a `default`"),
        ({"WEB": {"default": "http"}}, "not a port mapping"),
        ({"WEB": {"default": "70000"}}, "outside 1-65535"),
    ],
)
def test_a_port_whose_value_is_missing_or_wrong_is_an_error(
    variables: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        service(variables, ports=["${WEB}:80"])


def test_durations_sizes_and_integers() -> None:
    values = {"GRACE": "1m30s", "MEM": "1g", "TRIES": "4"}
    with variable_values(values):
        grace = Duration.parse("${GRACE}")
        memory = Size.parse("${MEM}")
        tries = VarInt.parse("${TRIES}")
    assert (grace.ms, grace.render()) == (90_000, "${GRACE}")
    assert (memory.bytes, memory.render()) == (1024**3, "${MEM}")
    assert (tries, isinstance(tries, VarInt), tries.template) == (4, True, "${TRIES}")
    assert Duration.parse("90s") == grace  # the text is not part of the value


def test_an_integer_is_never_a_quoted_number_without_a_reference() -> None:
    with pytest.raises(ValidationError, match="int_type"):
        service({}, healthcheck={"test": "true", "retries": "3"})


def test_a_mount_source_or_target_with_no_value_yet_is_the_hosts_to_say() -> None:
    with variable_values({}):
        mount = VolumeMount.parse("${DATA}/x:${PREFIX}/conf:ro,z")
    assert (mount.source, mount.target, mount.read_only, mount.options) == (
        "${DATA}/x",
        "${PREFIX}/conf",
        True,
        ("z",),
    )
    assert not mount.is_named and mount.render() == "${DATA}/x:${PREFIX}/conf:ro,z"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${P}/conf", "not an absolute path"),  # P's value is relative
        ("./x:${Q}/../etc", "must not contain '..'"),  # Q is a path from the root
    ],
)
def test_a_container_path_is_checked_with_its_value(text: str, message: str) -> None:
    with variable_values({"P": "conf", "Q": "/srv"}), pytest.raises(ValueError, match=message):
        VolumeMount.parse(text if ":" in text else f"./x:{text}")


@pytest.mark.parametrize(
    ("text", "source", "target", "options"),
    [
        (".:/app", ".", "/app", ()),
        ("/var/lib/x", "", "/var/lib/x", ()),
        ("./src:/src:ro,cached", "./src", "/src", ("cached",)),
        ("vhost.d:/etc/nginx/vhost.d", "vhost.d", "/etc/nginx/vhost.d", ()),
    ],
)
def test_mount_forms(text: str, source: str, target: str, options: tuple[str, ...]) -> None:
    mount = VolumeMount.parse(text)
    assert (mount.source, mount.target, mount.options) == (source, target, options)
    assert mount.render() == text


@pytest.mark.parametrize(
    ("text", "message"),
    [("./x:/y:ro,rw", "not both"), ("./x:/y:fast", "unknown mount option 'fast'")],
)
def test_bad_mount_options(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        VolumeMount.parse(text)
