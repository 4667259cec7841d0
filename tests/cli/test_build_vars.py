"""`build --var NAME=VALUE`: values for the Kubernetes build, never printed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from stagespec.cli.main import main

SECRET = "s3cr3t-Value-0042"
SPEC = """\
stagespec: 1
project: demo
variables:
  TAG: {default: "1.0"}
  TOKEN: {required: true}
services:
  web:
    image: example/web:${TAG}
    ports: ["8080"]
    command: ["serve", "--token=${TOKEN}"]
"""


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "stack.yaml"
    path.write_text(SPEC)
    return path


def _build(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", "stack.yaml", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _container(out: Path) -> dict[str, object]:
    docs = list(yaml.safe_load_all((out / "web.yaml").read_text()))
    container: dict[str, object] = docs[1]["spec"]["template"]["spec"]["containers"][0]
    return container


def test_var_sets_values_and_is_never_printed(spec: Path) -> None:
    code, output = _build(
        "--target", "k8s", "--out", "k", "--var", f"TOKEN={SECRET}", "--var", "TAG=2.0"
    )
    assert code == 0, output
    assert SECRET not in output
    container = _container(spec.parent / "k")
    assert container["image"] == "example/web:2.0"
    assert container["args"] == ["serve", f"--token={SECRET}"]
    code, output = _build("--target", "k8s", "--out", "k", "--var", "TOKEN=other", "--check")
    assert code == 1
    assert SECRET not in output and "other" not in output
    assert "--var TOKEN=VALUE" in output  # the fix names the option, not the value
    assert "changed: web.yaml" in output  # no diff: it would show values


def test_required_variable_without_value_exits_2(spec: Path) -> None:
    code, output = _build("--target", "k8s", "--out", "k")
    assert code == 2
    assert "variable TOKEN is required and has no value" in output
    assert "services.web.command.1 (line 10)" in output
    assert not (spec.parent / "k").exists()


def test_undeclared_variable_exits_2(spec: Path) -> None:
    code, output = _build("--target", "k8s", "--var", f"TOKNE={SECRET}")
    assert code == 2
    assert "no variable TOKNE is declared" in output
    assert SECRET not in output


@pytest.mark.parametrize("bad", [SECRET, f"={SECRET}", f"1X={SECRET}"])
def test_malformed_var_exits_2_without_its_text(spec: Path, bad: str) -> None:
    code, output = _build("--target", "k8s", "--var", bad)
    assert code == 2
    assert "--var number 1 is not NAME=VALUE" in output
    assert SECRET not in output


def test_var_twice_exits_2(spec: Path) -> None:
    code, output = _build("--target", "k8s", "--var", "TAG=1", "--var", "TAG=2")
    assert code == 2 and "--var TAG is given twice" in output


def test_compose_takes_no_var(spec: Path) -> None:
    code, output = _build("--var", f"TOKEN={SECRET}")
    assert code == 2
    assert "--var is for --target k8s" in output and "deploy time" in output
    assert SECRET not in output


def test_help_says_compose_keeps_interpolation() -> None:
    result = CliRunner().invoke(main, ["build", "--help"])
    text = " ".join(result.output.split())
    assert "--var NAME=VALUE" in text
    assert "compose output keeps ${NAME} and reads the values at deploy time" in text
