"""The JSON Schema of the spec, exported from the model for editors and other tools."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema

from stagespec.model.spec import Spec

SCHEMA_ID = "https://stagespec.dev/schemas/stack.schema.json"


class _Generator(GenerateJsonSchema):
    def encode_default(self, dft: Any) -> Any:
        # A default such as `Security()` belongs to a model that defers building (spec.py);
        # pydantic-core's JSON encoder reads its serializer without building it first.
        if isinstance(dft, BaseModel):
            dft = dft.model_dump(mode="json", by_alias=self.by_alias)
        return super().encode_default(dft)


def schema_text() -> str:
    """The schema as stable, indented JSON text."""
    schema = Spec.model_json_schema(mode="validation", schema_generator=_Generator)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "stagespec stack (spec version 1)",
        "patternProperties": {"^x-": {}},
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
