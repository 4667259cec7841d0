"""Fixtures of the example dashboard's tests: runtime modules generated from the reference spec.

`make_runtime` renders the runtime module of the reference spec (staging), optionally with
spec fields changed, writes it under a name of its own and imports it the way the
dashboard does. The app is then driven in process with FastAPI's TestClient.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from stagespec.engine.validate import validate_file
from stagespec.model.spec import Spec
from stagespec.plan.inputs import BuildInput
from stagespec.targets import runtime as runtime_target

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = ROOT / "examples" / "dashboard"
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
SOURCE = "specs/inventario-retail/stack.yaml"
API_KEY = "unit-test-key"

if str(DASHBOARD_DIR) not in sys.path:
    sys.path.insert(0, str(DASHBOARD_DIR))

_names = itertools.count()


def updated(model: Any, changes: dict[str, Any]) -> Any:
    """A copy of a frozen model with the fields at dotted paths replaced, unvalidated."""
    for path, value in changes.items():
        head, _, rest = path.partition(".")
        old = model[head] if isinstance(model, dict) else getattr(model, head)
        new = updated(old, {rest: value}) if rest else value
        model = (
            {**model, head: new}
            if isinstance(model, dict)
            else model.model_copy(update={head: new})
        )
    return model


@pytest.fixture(scope="session")
def reference() -> Spec:
    result = validate_file(REFERENCE)
    assert result.spec is not None, result.diagnostics
    return result.spec


@pytest.fixture(scope="session")
def module_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runtime")


@pytest.fixture(scope="session")
def render_runtime(reference: Spec, module_dir: Path) -> Callable[..., Path]:
    """The file of the reference's runtime module with spec fields changed (dotted paths)."""

    def render(changes: dict[str, Any] | None = None, environment: str = "staging") -> Path:
        spec = updated(reference, changes or {})
        files = runtime_target.render(BuildInput(spec=spec, source=SOURCE, environment=environment))
        [content] = files.values()
        path = module_dir / f"runtime_variant_{next(_names)}.py"
        path.write_bytes(content)
        return path

    return render


@pytest.fixture(scope="session")
def make_runtime(render_runtime: Callable[..., Path]) -> Callable[..., Any]:
    """The reference's runtime module with spec fields changed, loaded as the app loads it."""
    from example_dashboard.runtime import load_runtime

    def make(changes: dict[str, Any] | None = None) -> Any:
        return load_runtime(render_runtime(changes))

    return make


@pytest.fixture(scope="session")
def runtime(make_runtime: Callable[..., Any]) -> Any:
    """The reference spec's runtime module, unchanged."""
    return make_runtime()


@pytest.fixture(autouse=True)
def _no_leaked_modules() -> Iterator[None]:
    """The variants' modules leave sys.modules as they found it."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("runtime_variant_"):
            del sys.modules[name]
