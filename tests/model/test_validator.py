"""`validate_spec` gives what `Spec.model_validate` gives, without building the models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from stagespec.load.document import load_path
from stagespec.model.spec import Spec
from stagespec.model.validator import validate_spec

REFERENCE = Path(__file__).resolve().parents[2] / "specs" / "inventario-retail" / "stack.yaml"


def test_validate_spec_returns_the_models() -> None:
    data = load_path(REFERENCE).data
    spec = validate_spec(data)
    assert type(spec) is Spec
    assert spec == Spec.model_validate(data)


def test_validate_spec_raises_pydantics_error() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_spec({"stagespec": 1, "project": "p", "services": {"api": {}}})
    assert caught.value.errors(include_url=False)[0]["loc"] == ("services", "api")


@pytest.mark.parametrize("mode", ["python", "json"])
def test_a_validated_spec_dumps_like_a_constructed_one(mode: str) -> None:
    data = load_path(REFERENCE).data
    dumped = validate_spec(data).model_dump(mode=mode)
    assert dumped == Spec.model_validate(data).model_dump(mode=mode)


def test_validate_builds_no_model() -> None:
    # Building a model's schema is what made `validate` slow; it must not creep back in,
    # e.g. through a default such as `Security()` or a validator calling `model_validate`.
    script = (
        "from pathlib import Path\n"
        "from stagespec.engine.validate import validate_file\n"
        "from stagespec.model import spec\n"
        f"assert validate_file(Path({str(REFERENCE)!r})).spec is not None\n"
        "built = [n for n, c in vars(spec).items()\n"
        "         if isinstance(c, type) and issubclass(c, spec.BaseModel)\n"
        "         and c.__module__ == spec.__name__ and c.__pydantic_complete__]\n"
        "assert not built, built\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
