"""The generated core schema is current, and validates exactly as the models do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from pydantic_core import SchemaValidator

from stagespec.errors import SpecLoadError
from stagespec.load.document import load_path
from stagespec.model import _coreschema, coreschema
from stagespec.model.overlay import environment_document
from stagespec.model.spec import Spec
from stagespec.model.validator import load

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(
    [ROOT / "specs" / "inventario-retail" / "stack.yaml", *ROOT.glob("tests/cases/*/*/stack.yaml")]
)

# Data the case files do not reach: each kind of error of each custom validator.
EDGE_CASES: dict[str, dict[str, Any]] = {
    "env-values": {
        "stagespec": 1,
        "project": "p",
        "services": {
            "api": {
                "image": "a:1",
                "environment": {
                    "LIST": [1],
                    "FLOAT": 1.5,
                    "BAD_NAME": {"secret": "Bad-Name"},
                    "EXTRA": {"secret": "ok", "extra": 1},
                    "MISSING": {},
                    "NESTED": {"secret": {"a": 1}},
                    "9BAD": "x",
                },
            }
        },
    },
    "secret-sources": {
        "stagespec": 1,
        "project": "p",
        "secrets": {"both": {"env": "A", "file": "./a"}, "none": {}, "list": [1]},
        "services": {"api": {"image": "a:1", "build": "."}, "web": {}},
    },
    "typed-values": {
        "stagespec": 1,
        "project": "p",
        "services": {
            "api": {
                "image": "a:1",
                "ports": ["70000:80", "abc", True, 8080],
                "volumes": ["x", "data:/a/../b", "../up:/b:ro"],
                "memory": "lots",
                "command": [1, {"a": 1}],
                "healthcheck": {"test": 5, "interval": "soon", "retries": 0},
            }
        },
        "resilience": {
            "breakers": {"def": {"weight": "x", "failure_threshold": 0, "recovery_timeout": 1}},
            "degradation": {"features": ["a"], "tiers": []},
        },
        "runtime": {"service": "api", "module": "import", "logging": {"format": "xml"}},
    },
}


STALE = "src/stagespec/model/_coreschema.py is stale: run `python -m stagespec.model.coreschema`"


def test_generated_module_is_current() -> None:
    """Same meaning as the schema pydantic derives now. Compared as data, not text: pydantic
    releases within the version range order some keys differently (the order of a model's
    fields, which is meaningful, comes from the model and is the same either way)."""
    schema, config = coreschema.validation_schema()
    assert load(_coreschema.SCHEMA, _coreschema.REFS) == schema, STALE
    assert config == _coreschema.CONFIG, STALE


def _generated_validator() -> SchemaValidator:
    """A validator of the generated schema alone: pydantic-core would otherwise reuse the
    models' own validators wherever this test process has built them already."""
    schema = load(_coreschema.SCHEMA, _coreschema.REFS)
    return SchemaValidator(schema, _coreschema.CONFIG, _use_prebuilt=False)  # type: ignore[arg-type]


def _outcome(validate: Any, data: dict[str, Any]) -> tuple[str, Any]:
    try:
        spec = validate(data)
    except ValidationError as e:
        # repr: an error's context holds the ValueError raised, equal only to itself
        return "invalid", (e.title, repr(e.errors(include_url=False)))
    return "valid", (spec, repr(spec))


def _documents(path: Path) -> list[dict[str, Any]]:
    """What the engine validates for a spec file: the base data and each environment's."""
    try:
        doc = load_path(path)
    except SpecLoadError:  # never reaches the model
        return []
    environments = doc.data.get("environments")
    names = (
        [n for n, o in environments.items() if isinstance(o, dict)]
        if isinstance(environments, dict)
        else []
    )
    docs = [doc, *(environment_document(doc, name) for name in names)]
    return [{k: v for k, v in d.data.items() if not k.startswith("x-")} for d in docs]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_generated_validator_agrees_with_the_models_on_spec_files(path: Path) -> None:
    generated = _generated_validator().validate_python
    for data in _documents(path):
        assert _outcome(generated, data) == _outcome(Spec.model_validate, data)


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_generated_validator_agrees_with_the_models_on_edge_cases(name: str) -> None:
    data = EDGE_CASES[name]
    outcome = _outcome(_generated_validator().validate_python, data)
    assert outcome[0] == "invalid"
    assert outcome == _outcome(Spec.model_validate, data)


def test_render_refuses_objects_it_cannot_name() -> None:
    with pytest.raises(ValueError, match="cannot be named"):
        coreschema._Refs().encode({"type": "function-plain", "function": lambda v: v})
