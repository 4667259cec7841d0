"""The layout's rules that import-linter cannot see, and the target registry.

Only the `cli` package prints, writes to stdout or stderr, reads the environment or exits:
everything below it returns values and diagnostics (README, "Design"). import-linter
checks who imports whom (`[tool.importlinter]` in pyproject.toml); calls are checked here,
by reading every module's syntax tree.
"""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest

from stagespec.cli.build import build
from stagespec.targets import TARGETS, load

SRC = Path(__file__).resolve().parents[1] / "src" / "stagespec"
CLI = SRC / "cli"

ALLOWED: dict[str, set[str]] = {}
"""Modules outside cli/ that may still do one of these, with the reason: none today."""

_ATTRIBUTES = {
    ("sys", "stdout"): "writes to stdout",
    ("sys", "stderr"): "writes to stderr",
    ("sys", "exit"): "chooses an exit code",
    ("os", "environ"): "reads the environment",
    ("os", "getenv"): "reads the environment",
    ("os", "putenv"): "changes the environment",
    ("click", "echo"): "prints",
    ("click", "secho"): "prints",
}
_NAMES = {"print": "prints", "input": "reads the terminal", "breakpoint": "stops the program"}


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if CLI not in p.parents)


def _doings(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in _NAMES:
                found.append((node.lineno, _NAMES[node.func.id]))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            what = _ATTRIBUTES.get((node.value.id, node.attr))
            if what:
                found.append((node.lineno, what))
        elif isinstance(node, ast.ImportFrom) and node.module in {"sys", "os", "click"}:
            for alias in node.names:
                what = _ATTRIBUTES.get((node.module, alias.name))
                if what:
                    found.append((node.lineno, what))
    return found


def test_the_check_sees_every_module() -> None:
    assert len(_modules()) > 100  # a moved src/ would otherwise make this test pass empty


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(SRC).as_posix())
def test_only_the_cli_prints_reads_the_environment_or_exits(path: Path) -> None:
    name = path.relative_to(SRC).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=name)
    found = [(line, what) for line, what in _doings(tree) if what not in ALLOWED.get(name, set())]
    assert not found, f"{name}: " + "; ".join(f"line {line} {what}" for line, what in found)


def test_build_offers_every_registered_target() -> None:
    option = next(p for p in build.params if p.name == "target")
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == list(TARGETS)


@pytest.mark.parametrize("name", list(TARGETS))
def test_each_target_module_has_emitters_and_notes(name: str) -> None:
    target = load(name)
    assert target.EMITTERS
    assert all(callable(emitter.render) for emitter in target.EMITTERS)
    assert callable(target.notes)
