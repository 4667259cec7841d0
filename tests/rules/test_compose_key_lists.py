"""The compose key lists of rules/compose_keys.py are compose-spec's, and every typed home
names a key stagespec has."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from stagespec.model.spec import Service, Spec
from stagespec.rules.compose_keys import (
    SERVICE_HOMES,
    SERVICE_KEYS,
    TOP_LEVEL_HOMES,
    TOP_LEVEL_KEYS,
)


def _schema() -> dict[str, Any]:
    """The compose-spec schema check-jsonschema vendors, found where it is installed."""
    vendor = pytest.importorskip("check_jsonschema.builtin_schemas.vendor")
    text = resources.files(vendor).joinpath("compose-spec.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def _keys(schema: dict[str, Any], definition: dict[str, Any]) -> set[str]:
    """The property names of a definition, through its `allOf`/`$ref` parts."""
    found = set(definition.get("properties", {}))
    for part in definition.get("allOf", []):
        ref = part.get("$ref")
        found |= _keys(schema, schema["$defs"][ref.rsplit("/", 1)[-1]] if ref else part)
    return found


def test_service_keys_are_compose_specs() -> None:
    schema = _schema()
    assert _keys(schema, schema["$defs"]["service"]) == SERVICE_KEYS


def test_top_level_keys_are_compose_specs() -> None:
    assert set(_schema()["properties"]) == TOP_LEVEL_KEYS


def test_every_typed_home_is_a_compose_key() -> None:
    assert set(SERVICE_HOMES) <= SERVICE_KEYS
    assert set(TOP_LEVEL_HOMES) <= TOP_LEVEL_KEYS


def _homes(home: Any) -> list[str]:
    if isinstance(home, str):
        return [home]
    if isinstance(home, tuple):
        return _homes(home[1])
    return [h for value in home.values() for h in _homes(value)]


def test_every_typed_home_names_a_spec_key() -> None:
    service_fields = set(Service.model_fields)
    for home in SERVICE_HOMES.values():
        for key in _homes(home):
            assert key.split(".", 1)[0] in service_fields, key
    spec_fields = set(Spec.model_fields)
    for home in TOP_LEVEL_HOMES.values():
        for key in _homes(home):
            assert key.split(".", 1)[0] in spec_fields, key
