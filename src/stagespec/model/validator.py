"""The validator of `Spec`, built by pydantic-core from the schema generated ahead of time.

`validate_spec(data)` returns and raises what `Spec.model_validate(data)` does: the schema in
`_coreschema.py` is the one pydantic derives from the models (a test keeps it so). Only the
pydantic-core validator is built, not the models' own, which start-up time could not afford.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any, cast

from pydantic_core import CoreConfig, CoreSchema, SchemaValidator

from stagespec.model.spec import Spec
from stagespec.model.values import variable_values

REF_KEY = "$py"


def load(text: str, refs: Mapping[str, Any]) -> Any:
    """Parse the schema's JSON text, putting back the objects it names."""

    def resolve(node: dict[str, Any]) -> Any:
        return refs[node[REF_KEY]] if REF_KEY in node else node

    return json.loads(text, object_hook=resolve)


@cache
def spec_validator() -> SchemaValidator:
    """The validator of `Spec`, built once per process."""
    from stagespec.model import _coreschema  # late: regenerating must work while it is stale

    schema = cast(CoreSchema, load(_coreschema.SCHEMA, _coreschema.REFS))
    return SchemaValidator(schema, cast(CoreConfig, _coreschema.CONFIG))


def default_values(data: Any) -> dict[str, str | None]:
    """Each declared variable's default as text (None without one), from loaded data."""
    declared = data.get("variables") if isinstance(data, dict) else None
    if not isinstance(declared, dict):
        return {}
    values: dict[str, str | None] = {}
    for name, variable in declared.items():
        default = variable.get("default") if isinstance(variable, dict) else None
        if isinstance(default, bool):
            default = "true" if default else "false"
        scalar = default is not None and not isinstance(default, dict | list)
        values[str(name)] = str(default) if scalar else None
    return values


def validate_spec(data: Any, values: Mapping[str, str | None] | None = None) -> Spec:
    """Validate loaded data into a Spec; raises pydantic's `ValidationError` when invalid.

    A typed field that holds `${NAME}` (a port, a duration...) is checked with the
    variable's value from `values`, by default each variable's declared default.
    """
    with variable_values(default_values(data) if values is None else values):
        return cast(Spec, spec_validator().validate_python(data))
