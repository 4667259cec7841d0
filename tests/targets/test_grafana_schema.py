"""The generated dashboard against Grafana's own schema for the pinned Grafana (11.3).

The schema is the one in grafana-foundation-sdk, Grafana Labs' SDK generated from the
dashboard and panel kinds of one Grafana release (the test extra pins the 11.3.0 build).
Its models carry the schema as Python types: one class per schema object, an annotation
per field, an enum per closed set of values, and in `to_json` the JSON name of each field,
written unconditionally when the schema requires it. The models themselves do not
validate (`from_json` takes any dict), so `schema_errors` walks a dashboard against them:
unknown keys, missing required keys and values of the wrong type or outside an enum are
errors. Panel options and queries are checked against the panel plugin's and the
datasource's own models, found through the SDK's registry, as Grafana itself dispatches.
Nothing of the schema is written here: the walk reads every type from the installed SDK.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from grafana_foundation_sdk.cog import plugins as gf_plugins
from grafana_foundation_sdk.cog import runtime as gf_runtime
from grafana_foundation_sdk.models import dashboard as gf_dashboard

import stagespec.targets.grafana as grafana
from stagespec.engine.validate import validate_file
from stagespec.plan.inputs import BuildInput

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
SOURCE = "specs/inventario-retail/stack.yaml"
DASHBOARD = "grafana/dashboards/inventario-retail.json"

gf_plugins.register_default_plugins()


class _Marker:
    """A value no model holds by default: finds the JSON key a field is written under."""


@cache
def _fields(model: type) -> dict[str, tuple[str, Any, bool]]:
    """JSON key -> (attribute, annotation, required) of one SDK model class.

    The key of each attribute is where `to_json` writes a marker set on it; a key written
    even when every attribute is None is one the schema requires.
    """
    hints = typing.get_type_hints(model)
    probe = model()
    markers = {name: _Marker() for name in hints}
    for name, marker in markers.items():
        setattr(probe, name, marker)
    written = probe.to_json()
    by_marker = {id(value): key for key, value in written.items()}
    for name in hints:
        setattr(probe, name, None)
    required = set(probe.to_json())
    found = {}
    for name, marker in markers.items():
        key = by_marker[id(marker)]
        found[key] = (name, hints[name], key in required)
    return found


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and hasattr(kind, "to_json") and hasattr(kind, "from_json")


def _model_of(hook: Any) -> type | None:
    """The model class behind a registered `from_json` hook (a bound classmethod)."""
    owner = getattr(hook, "__self__", None)
    return owner if _is_model(owner) else None


def schema_errors(board: dict[str, Any]) -> list[str]:
    """Every place where `board` leaves Grafana 11.3's dashboard schema, as `path: why`."""
    errors: list[str] = []
    _check(board, gf_dashboard.Dashboard, "$", errors, {"unchecked": []})
    return errors


def _check(value: Any, kind: Any, path: str, errors: list[str], ctx: dict[str, Any]) -> None:
    origin = typing.get_origin(kind)
    if kind is Any or kind is object:
        return
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return
        options = tuple(o for o in options if o is not type(None))
        if len(options) == 1:
            _check(value, options[0], path, errors, ctx)
            return
        if path.endswith("]") and gf_dashboard.RowPanel in options:
            row = isinstance(value, dict) and value.get("type") == "row"
            chosen = gf_dashboard.RowPanel if row else gf_dashboard.Panel
            _check(value, chosen, path, errors, ctx)
            return
        attempts = []
        for option in options:
            found: list[str] = []
            _check(value, option, path, found, ctx)
            if not found:
                return
            attempts.append(found)
        errors.append(f"{path}: matches none of {[getattr(o, '__name__', o) for o in options]}")
        errors.extend(min(attempts, key=len))
        return
    if origin is typing.Literal:
        if value not in typing.get_args(kind):
            errors.append(f"{path}: {value!r} is not one of {list(typing.get_args(kind))}")
        return
    if origin is list:
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        [item] = typing.get_args(kind)
        for index, element in enumerate(value):
            _check(element, item, f"{path}[{index}]", errors, ctx)
        return
    if origin is dict:
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object, got {type(value).__name__}")
            return
        _, item = typing.get_args(kind)
        for key, element in value.items():
            _check(element, item, f"{path}.{key}", errors, ctx)
        return
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        allowed = [member.value for member in kind]
        if value not in allowed:
            errors.append(f"{path}: {value!r} is not one of {allowed}")
        return
    if kind is gf_runtime.cogvariants.Dataquery:
        _check_query(value, path, errors, ctx)
        return
    if _is_model(kind):
        _check_model(value, kind, path, errors, ctx)
        return
    _check_scalar(value, kind, path, errors)


def _check_scalar(value: Any, kind: Any, path: str, errors: list[str]) -> None:
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind is str:
        ok = isinstance(value, str)
    else:
        raise AssertionError(f"{path}: the walk does not know the schema type {kind!r}")
    if not ok:
        errors.append(f"{path}: expected {kind.__name__}, got {json.dumps(value)}")


def _check_model(
    value: Any, model: type, path: str, errors: list[str], ctx: dict[str, Any]
) -> None:
    if not isinstance(value, dict):
        errors.append(f"{path}: expected a {model.__name__} object, got {type(value).__name__}")
        return
    fields = _fields(model)
    for key, (_, _, required) in fields.items():
        if required and key not in value:
            errors.append(f"{path}: {model.__name__} requires `{key}`")
    if model is gf_dashboard.Panel:
        datasource = value.get("datasource") or {}
        ctx = {**ctx, "panel": value.get("type", ""), "datasource": datasource.get("type", "")}
    for key, element in value.items():
        if key not in fields:
            errors.append(f"{path}: `{key}` is not a field of {model.__name__}")
            continue
        name, kind, _ = fields[key]
        where = f"{path}.{key}"
        if model is gf_dashboard.Panel and name == "options":
            config = gf_runtime.panelcfg_config(ctx["panel"])
            options = _model_of(config.options_from_json_hook) if config else None
            if options is None:
                errors.append(f"{where}: no schema for the options of panel `{ctx['panel']}`")
                continue
            kind = options
        if model is gf_dashboard.FieldConfig and name == "custom":
            config = gf_runtime.panelcfg_config(ctx.get("panel", ""))
            custom = _model_of(config.field_config_from_json_hook) if config else None
            if custom is None:
                errors.append(f"{where}: panel `{ctx.get('panel')}` has no custom field config")
                continue
            kind = custom
        _check(element, kind, where, errors, ctx)


def _check_query(value: Any, path: str, errors: list[str], ctx: dict[str, Any]) -> None:
    """A panel's query against its datasource's model, or `unchecked` when the SDK has none."""
    if not isinstance(value, dict):
        errors.append(f"{path}: expected a query object, got {type(value).__name__}")
        return
    target = value.get("datasource") or {}
    source = target.get("type") or ctx.get("datasource", "")
    variant = gf_runtime.Runtime().dataquery_variants.get(source)
    model = _model_of(variant.from_json_hook) if variant else None
    if model is None:
        ctx["unchecked"].append((path, source))
        return
    _check_model(value, model, path, errors, ctx)


def unchecked_queries(board: dict[str, Any]) -> list[tuple[str, str]]:
    """The queries whose datasource the SDK has no model for, as (path, datasource type)."""
    found: list[tuple[str, str]] = []
    _check(board, gf_dashboard.Dashboard, "$", [], {"unchecked": found})
    return found


# --- the tests -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def board() -> dict[str, Any]:
    result = validate_file(REFERENCE)
    assert result.spec is not None, result.diagnostics
    files = grafana.render(BuildInput(result.spec, SOURCE))
    loaded: dict[str, Any] = json.loads(files[DASHBOARD])
    return loaded


def test_the_schema_is_grafana_11_3s() -> None:
    from importlib.metadata import version

    assert version("grafana-foundation-sdk").endswith("!11.3.0")
    assert gf_dashboard.Dashboard().schema_version == 39


def test_reference_dashboard_validates_against_the_schema(board: dict[str, Any]) -> None:
    assert schema_errors(board) == []


def test_only_the_redis_queries_are_outside_the_sdk(board: dict[str, Any]) -> None:
    # The redis-datasource plugin is not Grafana's own: its queries are checked against
    # the plugin's query model in test_grafana.py.
    unchecked = unchecked_queries(board)
    assert unchecked and {source for _, source in unchecked} == {grafana.REDIS_PLUGIN}


def _broken(board: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(board))
    node = copy
    for step in path[:-1]:
        node = node[step]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return copy


_DELETE = object()


def _panel_index(board: dict[str, Any], kind: str) -> int:
    return next(i for i, p in enumerate(board["panels"]) if p["type"] == kind)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda b: _broken(b, ["templating"], _DELETE), "Dashboard requires `templating`"),
        (lambda b: _broken(b, ["annotations"], _DELETE), "Dashboard requires `annotations`"),
        (lambda b: _broken(b, ["schemaVersion"], "39"), "$.schemaVersion: expected int"),
        (lambda b: _broken(b, ["colour"], "red"), "`colour` is not a field of Dashboard"),
        (
            lambda b: _broken(
                b, ["panels", _panel_index(b, "stat"), "options", "wideLayout"], _DELETE
            ),
            "Options requires `wideLayout`",
        ),
        (
            lambda b: _broken(
                b, ["panels", _panel_index(b, "stat"), "options", "colorMode"], "rainbow"
            ),
            "'rainbow' is not one of",
        ),
        (
            lambda b: _broken(
                b, ["panels", _panel_index(b, "gauge"), "options", "sizing"], _DELETE
            ),
            "Options requires `sizing`",
        ),
        (
            lambda b: _broken(b, ["panels", 0, "targets", 0, "expr"], _DELETE),
            "Dataquery requires `expr`",
        ),
        (
            lambda b: _broken(
                b,
                ["panels", 0, "fieldConfig", "defaults", "thresholds", "steps", 0, "value"],
                "none",
            ),
            "steps[0].value: expected float",
        ),
        (
            lambda b: _broken(b, ["panels", 0, "gridPos", "w"], 2.5),
            "gridPos.w: expected int",
        ),
    ],
)
def test_the_walk_finds_what_leaves_the_schema(
    board: dict[str, Any], change: Any, expected: str
) -> None:
    errors = schema_errors(change(board))
    assert any(expected in error for error in errors), errors


def test_a_null_base_threshold_is_in_the_schema(board: dict[str, Any]) -> None:
    # Grafana writes the base step's -Infinity as null; the schema types it `number | null`.
    gauge = board["panels"][_panel_index(board, "gauge")]
    assert gauge["fieldConfig"]["defaults"]["thresholds"]["steps"][0]["value"] is None
    assert schema_errors(board) == []
