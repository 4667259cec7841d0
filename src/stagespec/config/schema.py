"""The JSON Schema of `.stagespec.yaml`, built from the rule registry and the option table.

It lists every configurable rule by code and by name, so an editor can complete them; it
changes when a rule is added, and a test keeps the committed `schemas/config.schema.json`
equal to it.
"""

from __future__ import annotations

import json
from typing import Any

from stagespec.capping import DEFAULT_MAX_FINDINGS
from stagespec.config.settings import EXTENDS, LEVELS, OPTIONS, Option, configurable

SCHEMA_ID = "https://stagespec.dev/schemas/config.schema.json"


def _option(option: Option) -> dict[str, Any]:
    if option.kind == "strings":
        items = {"type": "string", "minLength": 1}
        return {"type": "array", "items": items, "description": option.doc}
    schema: dict[str, Any] = {"type": "number", "description": option.doc}
    if option.minimum is not None:
        schema["exclusiveMinimum"] = option.minimum
    if option.maximum is not None:
        schema["maximum"] = option.maximum
    return schema


def _rule(code: str, name: str) -> dict[str, Any]:
    """A rule's entry: a level, or a mapping with a level and the rule's own options."""
    options = {k: _option(v) for k, v in OPTIONS.get(code, {}).items()}
    options_schema: dict[str, Any] = {"type": "object", "additionalProperties": False}
    if options:
        options_schema["properties"] = options
    else:
        options_schema["maxProperties"] = 0
    long_form = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"level": {"$ref": "#/$defs/level"}, "options": options_schema},
    }
    return {"description": f"{code} {name}", "anyOf": [{"$ref": "#/$defs/level"}, long_form]}


def config_schema() -> dict[str, Any]:
    """The schema of a config file (JSON Schema draft 2020-12)."""
    rules = configurable()
    properties: dict[str, Any] = {}
    for code, name in rules.items():
        properties[code] = {"$ref": f"#/$defs/{code}"}
        properties[name] = {"$ref": f"#/$defs/{code}"}
    defs: dict[str, Any] = {
        "level": {"enum": list(LEVELS), "description": "The level of a rule; off disables it."}
    }
    defs |= {code: _rule(code, name) for code, name in rules.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "stagespec configuration (.stagespec.yaml)",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "extends": {
                "enum": list(EXTENDS),
                "default": "default",
                "description": "strict makes every warning an error.",
            },
            "max_findings": {
                "type": "integer",
                "minimum": 0,
                "default": DEFAULT_MAX_FINDINGS,
                "description": "Findings of one rule shown per file, the rest counted in one "
                "line; 0 shows all of them.",
            },
            "rules": {
                "type": ["object", "null"],
                "additionalProperties": False,
                "properties": properties,
                "description": "Levels and options of rules, by code or by name.",
            },
        },
        "$defs": defs,
    }


def config_schema_text() -> str:
    """The schema as stable, indented JSON text, as committed in `schemas/`."""
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"
