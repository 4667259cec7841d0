"""The JSON Schema of the spec, exported from the model for editors and other tools."""

from __future__ import annotations

import json

from stagespec.model.spec import Spec

SCHEMA_ID = "https://stagespec.dev/schemas/stack.schema.json"


def schema_text() -> str:
    """The schema as stable, indented JSON text."""
    schema = Spec.model_json_schema(mode="validation")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "stagespec stack (spec version 1)",
        "patternProperties": {"^x-": {}},
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
