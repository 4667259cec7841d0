"""The committed JSON Schema is what the model exports, and the reference stack passes it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from stagespec.load.document import load_path
from stagespec.model.schema import schema_text

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schemas" / "stack.schema.json"
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"


def test_committed_schema_is_current() -> None:
    """Compared as JSON: pydantic releases within the range may order keys differently."""
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == json.loads(schema_text()), (
        "schemas/stack.schema.json is stale: run `stagespec schema -o schemas/stack.schema.json`"
    )


def test_reference_stack_validates_against_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    # the loader reads `0.4` as a Decimal; in JSON it is the number it was written as
    data = json.loads(json.dumps(load_path(REFERENCE).data, default=float))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert errors == []


def test_schema_rejects_unknown_key() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    data = {"stagespec": 1, "project": "p", "services": {}, "servcies": {}}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data))


def test_reference_stack_points_editors_at_the_schema() -> None:
    first = REFERENCE.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/stack.schema.json"
    assert (REFERENCE.parent / "../../schemas/stack.schema.json").resolve() == SCHEMA


@pytest.mark.tools
def test_check_jsonschema_accepts_reference_stack() -> None:
    tool = shutil.which("check-jsonschema")
    if tool is None:
        pytest.skip("check-jsonschema is not installed")
    done = subprocess.run(
        [tool, "--schemafile", str(SCHEMA), str(REFERENCE)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
