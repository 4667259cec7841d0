"""No spec value changes the structure of docker-compose.yml.

Every free-text field that reaches the compose file gets every hostile value, as literal
text: each `${` of it written `$${` in the spec, since `${NAME}` there is a reference to a
variable. The file must parse (duplicate keys refused) to the same keys and list lengths
as with a benign marker, with the value intact where the marker was, `$` doubled so
compose reads it literally. docker-compose itself then reads hostile values back
unchanged. A declared variable becomes compose interpolation, and a hostile default
either is written so that compose reads it back exactly, or is refused.
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
from stagespec.targets.compose.yaml import ComposeError


def spec_text(literal: str) -> str:
    """The spec text that means `literal`: a `${` of it is written `$${`."""
    return literal.replace("${", "$${")


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


def _document(build: BuildInput) -> Any:
    [document] = load_yaml(compose.render(build)[compose.FILENAME])
    return document


@functools.cache
def _parsed(slot: str, literal: str) -> Any:
    return _document(SLOTS[slot].build(spec_text(literal)))


def _check(slot: str, literal: str) -> None:
    leaf = LEAVES[slot]
    benign, hostile = _parsed(slot, BENIGN), _parsed(slot, literal)
    assert_same_structure(benign, hostile, leaf(BENIGN), leaf(literal))


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
    value=st.text() | st.text(alphabet="${}X:-?\\", max_size=12),
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
    texts = [spec_text(v) for v in VALUES]

    def put(data: dict[str, Any], value: str) -> None:
        postgres = data["services"]["postgres"]
        postgres["environment"].update({f"HOSTILE_{i:02d}": v for i, v in enumerate(texts)})
        postgres["image"] = value
        data["services"]["redis"]["command"] = texts
        data["services"]["redis"]["healthcheck"]["test"] = ["CMD", *texts]
        data["monitoring"]["grafana"]["admin_user"] = value

    return Slot("every value at once", put).spec(spec_text(HOSTILE["everything"]))


def _compose_python() -> str:
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is not installed (Debian package docker-compose)")
    python = docker_compose_python()
    assert python is not None, "docker-compose is not a Python script: cannot use its loader"
    return python


def _read_back(spec: Spec, tmp_path: Path, host: dict[str, str] | None = None) -> Any:
    """The services as docker-compose's own loader reads them, after interpolation.

    With `host`, the .env is empty (the runtime service reads it), so that a variable
    comes from `host` or its default in the compose file, nothing else.
    """
    python = _compose_python()
    # the spec two folders down, as the reference's is: its build context stays inside
    build = BuildInput(spec, SOURCE, "staging", spec_dir="specs/inventario-retail")
    tmp_path.mkdir(parents=True, exist_ok=True)
    files = compose.render(build)
    files |= {envfile.ENV_PATH: b""} if host is not None else envfile.render(build)
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    for service in load_yaml(files[compose.FILENAME])[0]["services"].values():
        if "build" in service:  # 1.29 checks that a build context exists
            (tmp_path / service["build"]["context"]).mkdir(parents=True, exist_ok=True)
    env = {"PATH": os.environ["PATH"], **SECRET_VARS, **(host or {})}
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
    return json.loads(loaded.stdout)


@pytest.mark.tools
def test_docker_compose_reads_every_value_back(tmp_path: Path) -> None:
    services = _read_back(_all_at_once(), tmp_path)
    postgres = services["postgres"]
    for i, value in enumerate(VALUES):
        assert postgres["environment"][f"HOSTILE_{i:02d}"] == value
    assert services["redis"]["command"] == VALUES
    assert services["redis"]["healthcheck"]["test"] == ["CMD", *VALUES]
    assert postgres["image"] == HOSTILE["everything"]
    grafana = services["grafana"]["environment"]
    assert grafana["GF_SECURITY_ADMIN_USER"] == HOSTILE["everything"]


# --- declared variables ------------------------------------------------------------------


def _with_variable(default: str | None, text: str = "pre ${X} post") -> Spec:
    """The reference spec with variable X (this default) referenced in POSTGRES_DB."""

    def put(data: dict[str, Any], value: str) -> None:
        variable = {} if default is None else {"default": default}
        data["variables"] = {"X": variable}
        data["services"]["postgres"]["environment"]["POSTGRES_DB"] = value

    return Slot("a variable", put).spec(text)


def _database(document: Any) -> Any:
    return document["services"]["postgres"]["environment"]


def test_a_declared_variable_is_interpolated_beside_literal_text() -> None:
    environment = _database(_document(BuildInput(_with_variable("d", "$${X} ${X}"), SOURCE)))
    assert environment["POSTGRES_DB"] == "$${X} ${X:-d}"


# Defaults compose cannot read back: it ends a default at the first `}`, and counts `${`.
REFUSED = {name for name, value in HOSTILE.items() if "}" in value or "${" in value}
DEFAULTS = [pytest.param(value, id=name) for name, value in HOSTILE.items()]


@pytest.mark.parametrize("default", DEFAULTS)
def test_hostile_default_keeps_the_structure_or_is_refused(default: str) -> None:
    build = BuildInput(_with_variable(default), SOURCE)
    if "}" in default or "${" in default:
        with pytest.raises(ComposeError, match="the default of variable X holds") as error:
            compose.render(build)
        assert default not in str(error.value) or len(default) < 2
        return
    benign = _document(BuildInput(_with_variable(BENIGN), SOURCE))
    hostile = _document(build)
    leaf = f"pre ${{X:-{_escaped(default)}}} post"
    assert_same_structure(benign, hostile, f"pre ${{X:-{BENIGN}}} post", leaf)


def test_some_hostile_defaults_are_refused() -> None:
    assert {"interpolation", "templates", "mapping syntax", "everything"} <= REFUSED


@pytest.mark.tools
def test_docker_compose_reads_a_hostile_default_back(tmp_path: Path) -> None:
    # docker-compose 1.29 reads a default as written (compose v2 reads `$$` as `$`), so
    # the defaults read back here are those without `$`.
    kept = [v for v in VALUES if "$" not in v and "}" not in v]
    assert len(kept) > 15

    def put(data: dict[str, Any], value: str) -> None:
        data["variables"] = {f"V{i:02d}": {"default": v} for i, v in enumerate(kept)}
        environment = data["services"]["postgres"]["environment"]
        environment.update(
            {f"HOSTILE_{i:02d}": f"pre ${{V{i:02d}}} {value}" for i in range(len(kept))}
        )

    spec = Slot("hostile defaults", put).spec("post")
    services = _read_back(spec, tmp_path / "defaults", {})
    for i, default in enumerate(kept):
        assert services["postgres"]["environment"][f"HOSTILE_{i:02d}"] == f"pre {default} post"
    host = _read_back(spec, tmp_path / "set", {"V00": "from host"})
    assert host["postgres"]["environment"]["HOSTILE_00"] == "pre from host post"
