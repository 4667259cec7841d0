"""How typed spec values are written into generated files: each value's `render()`, the
form compose and Prometheus read back, and the same values through the compose emitter."""

from __future__ import annotations

import pytest
import yaml

from stagespec.load.document import load_text
from stagespec.model.parse import parse_spec
from stagespec.model.values import Duration, PortMapping, Size, VolumeMount
from stagespec.plan.inputs import BuildInput
from stagespec.targets import compose


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("8080", "8080"),
        ("5433:5432", "5433:5432"),
        ("127.0.0.1:8080:80", "127.0.0.1:8080:80"),
        ("[::1]:8080:80", "[::1]:8080:80"),
        ("53:53/udp", "53:53/udp"),
        ("127.0.0.1:53:53/udp", "127.0.0.1:53:53/udp"),
        ("80/tcp", "80"),  # tcp is the default, left out
    ],
)
def test_port_mapping_renders_every_part(text: str, rendered: str) -> None:
    assert PortMapping.parse(text).render() == rendered


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("data:/var/lib/data", "data:/var/lib/data"),
        ("./config:/etc/app:ro", "./config:/etc/app:ro"),
        ("./config:/etc/app:rw", "./config:/etc/app"),
    ],
)
def test_volume_mount_renders_read_only_only_when_it_is(text: str, rendered: str) -> None:
    assert VolumeMount.parse(text).render() == rendered


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("512k", "512k"),
        ("1536k", "1536k"),
        ("2048k", "2m"),
        ("1024m", "1g"),
        ("1000", "1000b"),
        ("1025b", "1025b"),
        ("3g", "3g"),
    ],
)
def test_size_renders_in_the_largest_exact_unit(text: str, rendered: str) -> None:
    assert Size.parse(text).render() == rendered


@pytest.mark.parametrize(
    ("text", "days", "rendered"),
    [
        ("90s", False, "1m30s"),
        ("1500ms", False, "1s500ms"),
        ("36h", False, "36h"),
        ("36h", True, "1d12h"),
        ("0s", True, "0s"),
    ],
)
def test_duration_renders_largest_units_first(text: str, days: bool, rendered: str) -> None:
    assert Duration.parse(text).render(days=days) == rendered


def test_compose_writes_the_values_as_rendered() -> None:
    text = """stagespec: 1
project: demo
volumes: {data: {}}
services:
  dns:
    image: coredns/coredns:1.11.1
    ports: ["127.0.0.1:53:53/udp", "8053:53"]
    volumes: ["data:/data", "./Corefile:/etc/coredns/Corefile:ro"]
    memory: 1536k
    healthcheck: {test: [CMD, ping], interval: 1500ms, timeout: 90s}
"""
    spec, problems = parse_spec(load_text(text, "stack.yaml"))
    assert spec is not None, problems
    [content] = [v for k, v in compose.render(BuildInput(spec, "stack.yaml")).items()
                 if k.endswith("docker-compose.yml")]  # fmt: skip
    dns = yaml.safe_load(content)["services"]["dns"]
    assert dns["ports"] == ["127.0.0.1:53:53/udp", "8053:53"]
    assert dns["volumes"] == ["data:/data", "./Corefile:/etc/coredns/Corefile:ro"]
    assert dns["mem_limit"] == "1536k"
    assert (dns["healthcheck"]["interval"], dns["healthcheck"]["timeout"]) == ("1s500ms", "1m30s")
