"""No spec value changes the structure of docker-compose.yml.

Every free-text field that reaches the compose file gets every hostile value; the file
must parse (duplicate keys refused) to the same keys and list lengths as with a benign
marker, with the value intact where the marker was, `$` doubled so compose reads it
literally. docker-compose itself then reads hostile values back unchanged.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostilekit import (
    BENIGN,
    COMPOSE_LOADER,
    HOSTILE,
    PROPERTIES,
    SLOTS,
    SOURCE,
    Slot,
    assert_same_structure,
    docker_compose_python,
    load_yaml,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from stagespec.model.spec import Spec
from stagespec.plan.inputs import BuildInput
from stagespec.targets import compose, envfile


def _escaped(value: str) -> str:
    return value.replace("$", "$$")


def _mount(template: str) -> Callable[[str], str]:
    return lambda value: _escaped(template.format(value.replace(":", ";")))


# The leaf each slot becomes in the compose file.
LEAVES: dict[str, Callable[[str], str]] = {
    "environment value": _escaped,
    "command (string)": _escaped,
    "command (list)": _escaped,
    "healthcheck (string)": _escaped,
    "healthcheck (list)": _escaped,
    "image": _escaped,
    "build context": _escaped,
    "dockerfile": _escaped,
    "bind mount": _mount("./{}x:/data"),
    "named volume target": _mount("redis_data:/d{}"),
    "volume driver": _escaped,
    "secret file": _escaped,
    "grafana admin user": _escaped,
    "prometheus image": _escaped,
    "grafana image": _escaped,
}


@functools.cache
def _parsed(slot: str, value: str) -> Any:
    build = SLOTS[slot].build(value)
    [document] = load_yaml(compose.render(build)[compose.FILENAME])
    return document


def _check(slot: str, value: str) -> None:
    leaf = LEAVES[slot]
    assert_same_structure(_parsed(slot, BENIGN), _parsed(slot, value), leaf(BENIGN), leaf(value))


# Not injections but meanings: an empty driver is no driver, and is left out.
MEANINGFUL = {("volume driver", "empty")}
CASES = [
    pytest.param(slot, value, id=f"{slot}-{name}")
    for slot in LEAVES
    for name, value in HOSTILE.items()
    if (slot, name) not in MEANINGFUL
]


@pytest.mark.parametrize(("slot", "value"), CASES)
def test_hostile_value_keeps_the_structure(slot: str, value: str) -> None:
    _check(slot, value)


def test_an_empty_volume_driver_is_left_out() -> None:
    assert _parsed("volume driver", "")["volumes"]["redis_data"] == {}


@settings(PROPERTIES, max_examples=150)
@given(
    slot=st.sampled_from(
        ["environment value", "command (list)", "healthcheck (string)", "grafana admin user"]
    ),
    value=st.text(),
)
def test_any_text_keeps_the_structure(slot: str, value: str) -> None:
    _check(slot, value)


# --- docker-compose reads every hostile value back --------------------------------------------

SECRET_VARS = {
    "POSTGRES_PASSWORD": "p",
    "DASHBOARD_API_KEY": "k",
    "OPENAI_API_KEY": "o",
    "GRAFANA_ADMIN_PASSWORD": "g",
    "S3_SECRET_ACCESS_KEY": "s",
}
VALUES = list(HOSTILE.values())


def _all_at_once() -> Spec:
    """One spec that carries every hostile value: in variables, a command and a healthcheck."""

    def put(data: dict[str, Any], value: str) -> None:
        postgres = data["services"]["postgres"]
        postgres["environment"].update({f"HOSTILE_{i:02d}": v for i, v in enumerate(VALUES)})
        postgres["image"] = value
        data["services"]["redis"]["command"] = VALUES
        data["services"]["redis"]["healthcheck"]["test"] = ["CMD", *VALUES]
        data["monitoring"]["grafana"]["admin_user"] = value

    return Slot("every value at once", put).spec(HOSTILE["everything"])


def _compose_python() -> str:
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is not installed (Debian package docker-compose)")
    python = docker_compose_python()
    assert python is not None, "docker-compose is not a Python script: cannot use its loader"
    return python


@pytest.mark.tools
def test_docker_compose_reads_every_value_back(tmp_path: Path) -> None:
    python = _compose_python()
    build = BuildInput(_all_at_once(), SOURCE, "staging")
    for name, content in {**compose.render(build), **envfile.render(build)}.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "web_dashboard").mkdir()  # 1.29 checks that a build context exists
    env = {"PATH": os.environ["PATH"], **SECRET_VARS}
    command = [shutil.which("docker-compose") or "", "-f", compose.FILENAME, "config", "-q"]
    checked = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert checked.returncode == 0, checked.stderr
    # What docker-compose's own loader reads, after interpolation: `config` would print it
    # through PyYAML's pure-Python emitter, which turns U+0085 into a space.
    loaded = subprocess.run(
        [python, "-c", COMPOSE_LOADER, compose.FILENAME],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr
    services = json.loads(loaded.stdout)
    postgres = services["postgres"]
    for i, value in enumerate(VALUES):
        assert postgres["environment"][f"HOSTILE_{i:02d}"] == value
    assert services["redis"]["command"] == VALUES
    assert services["redis"]["healthcheck"]["test"] == ["CMD", *VALUES]
    assert postgres["image"] == HOSTILE["everything"]
    grafana = services["grafana"]["environment"]
    assert grafana["GF_SECURITY_ADMIN_USER"] == HOSTILE["everything"]
