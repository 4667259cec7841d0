"""Tests for the environment overlay: maps merge, lists replace, null removes.

`merge` on plain data, then `environment_document` on a loaded spec: the merged data and the
positions the diagnostics of an environment point at.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from stagespec.load.document import load_text
from stagespec.model.overlay import environment_document, merge
from stagespec.model.parse import parse_spec


@pytest.mark.parametrize(
    ("base", "overlay", "merged"),
    [
        # maps merge, key by key
        ({"a": 1, "b": 2}, {"b": 3, "c": 4}, {"a": 1, "b": 3, "c": 4}),
        # nested maps merge at every depth
        (
            {"s": {"api": {"image": "api:1", "ports": ["80:80"]}, "db": {"image": "pg"}}},
            {"s": {"api": {"image": "api:2"}}},
            {"s": {"api": {"image": "api:2", "ports": ["80:80"]}, "db": {"image": "pg"}}},
        ),
        # lists replace, never concatenate
        ({"ports": ["80:80", "443:443"]}, {"ports": ["8080:80"]}, {"ports": ["8080:80"]}),
        ({"ports": ["80:80"]}, {"ports": []}, {"ports": []}),
        ({"cmd": ["a", {"k": 1}]}, {"cmd": [{"k": 2}]}, {"cmd": [{"k": 2}]}),
        # null removes the key, at any depth; removing a missing key is no error
        ({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None}}, {"a": 1, "b": {"d": 3}}),
        ({"a": 1, "b": 2}, {"a": None}, {"b": 2}),
        ({"a": 1}, {"missing": None}, {"a": 1}),
        # a map and a scalar or list replace each other whole
        ({"a": {"b": 1}}, {"a": "text"}, {"a": "text"}),
        ({"a": "text"}, {"a": {"b": 1}}, {"a": {"b": 1}}),
        ({"a": [1]}, {"a": {"b": 1}}, {"a": {"b": 1}}),
        # false, 0 and "" are values, not removals
        (
            {"a": True, "b": 1, "c": "x"},
            {"a": False, "b": 0, "c": ""},
            {"a": False, "b": 0, "c": ""},
        ),
        # an empty overlay changes nothing
        ({"a": {"b": [1, 2]}}, {}, {"a": {"b": [1, 2]}}),
    ],
)
def test_merge(base: dict[str, Any], overlay: dict[str, Any], merged: dict[str, Any]) -> None:
    assert merge(base, overlay) == merged


def test_merge_changes_neither_input() -> None:
    base = {"s": {"api": {"ports": ["80:80"], "env": {"A": "1"}}}}
    overlay = {"s": {"api": {"ports": ["81:80"], "env": {"A": None, "B": "2"}}}}
    before = copy.deepcopy((base, overlay))
    merged = merge(base, overlay)
    assert merged == {"s": {"api": {"ports": ["81:80"], "env": {"B": "2"}}}}
    assert (base, overlay) == before


SPEC = """\
stagespec: 1
project: demo
services:
  api:
    image: api:1.0
    ports: ["8080:8080", "9090:9090"]
    environment: {LOG_LEVEL: info, DEBUG: "1"}
  worker:
    image: worker:1.0
environments:
  production:
    services:
      api:
        image: api:2.0
        ports: ["80:8080"]
        environment: {DEBUG: null}
      worker: null
  empty: {}
  blank:
"""


@pytest.fixture(scope="module")
def doc() -> Any:
    return load_text(SPEC, "stack.yaml")


def test_an_environment_merges_replaces_and_removes(doc: Any) -> None:
    data = environment_document(doc, "production").data
    assert "environments" not in data
    assert data["services"] == {
        "api": {"image": "api:2.0", "ports": ["80:8080"], "environment": {"LOG_LEVEL": "info"}}
    }
    spec, problems = parse_spec(environment_document(doc, "production"))
    assert spec is not None, problems
    assert [p.host for p in spec.services["api"].ports] == [80]


@pytest.mark.parametrize("name", ["empty", "blank", "undeclared"])
def test_an_empty_or_missing_environment_is_the_base_spec(doc: Any, name: str) -> None:
    base = {k: v for k, v in doc.data.items() if k != "environments"}
    assert environment_document(doc, name).data == base


def test_positions_of_overlay_values_point_into_the_overlay(doc: Any) -> None:
    env = environment_document(doc, "production")
    assert env.span(("services", "api", "image")).start.line == 14
    assert env.span(("services", "api", "ports", 0)).start.line == 15
    # what the overlay leaves alone keeps its base position
    assert env.span(("services", "api", "environment", "LOG_LEVEL")).start.line == 7
    assert doc.span(("services", "api", "image")).start.line == 5
