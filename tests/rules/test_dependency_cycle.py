"""Tests for dependency-cycle (SS102) on its own: the whole cycle, once, at its closing edge."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from stagespec.rules import dependency_cycle

Findings = Callable[[ModuleType, str], list[tuple[str, str]]]


def _spec(edges: dict[str, list[str]]) -> str:
    services = "".join(
        f'  {name}: {{image: "{name}:1", depends_on: [{", ".join(deps)}]}}\n'
        for name, deps in edges.items()
    )
    return f"stagespec: 1\nproject: demo\nservices:\n{services}"


def test_a_four_service_cycle_is_shown_whole(findings: Findings) -> None:
    edges = {"api": ["worker"], "worker": ["cache"], "cache": ["db"], "db": ["api"], "web": ["api"]}
    assert findings(dependency_cycle, _spec(edges)) == [
        ("services.db.depends_on.0", "dependency cycle: api → worker → cache → db → api")
    ]


def test_the_cycle_starts_where_the_path_enters_it(findings: Findings) -> None:
    # web leads into the cycle but is not part of it.
    edges = {"web": ["api"], "api": ["worker"], "worker": ["queue", "api"], "queue": []}
    assert findings(dependency_cycle, _spec(edges)) == [
        ("services.worker.depends_on.1", "dependency cycle: api → worker → api")
    ]


def test_two_separate_cycles_are_each_reported_once(findings: Findings) -> None:
    edges = {"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c"]}
    assert findings(dependency_cycle, _spec(edges)) == [
        ("services.b.depends_on.0", "dependency cycle: a → b → a"),
        ("services.d.depends_on.0", "dependency cycle: c → d → c"),
    ]


def test_a_diamond_is_not_a_cycle(findings: Findings) -> None:
    edges = {"api": ["left", "right"], "left": ["db"], "right": ["db"], "db": []}
    assert findings(dependency_cycle, _spec(edges)) == []
