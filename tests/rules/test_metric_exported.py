"""Tests for metric-exported (SS501) beyond its cases: the premises of its fast path.

The rule skips the emitters when the runtime's service is enabled and scraped, because the
runtime module then exports everything the emitters can query. These tests hold the
emitters to that, on every spec of the cases with a runtime module (given monitoring where
it has none), so the shortcut cannot go stale silently.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from stagespec.engine.validate import validate_file
from stagespec.load.document import load_text
from stagespec.model.spec import Spec
from stagespec.plan import alerts, metrics, panels
from stagespec.plan.inputs import BuildInput
from stagespec.rules import metric_exported
from stagespec.rules.base import Context
from stagespec.targets import runtime

ROOT = Path(__file__).resolve().parent.parent.parent
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"


def _reference() -> Spec:
    spec = validate_file(REFERENCE).spec
    assert spec is not None
    return spec


def test_exported_metrics_are_the_metric_constants_of_the_rendered_module() -> None:
    build = BuildInput(spec=_reference(), source="stack.yaml")
    [source] = runtime.render(build).values()
    defined = [
        ast.literal_eval(node.value)
        for node in ast.parse(source).body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id.startswith("METRIC_")
        and node.value is not None
    ]
    assert runtime.exported_metrics(build) == [m for m in metrics.ALL if m in defined]
    assert sorted(defined) == sorted(runtime.exported_metrics(build))


def test_without_runtime_nothing_is_exported() -> None:
    spec = _reference().model_copy(update={"runtime": None})
    assert runtime.exported_metrics(BuildInput(spec=spec, source="stack.yaml")) == []


def test_with_a_runtime_everything_queried_is_exported(runtime_spec: Spec) -> None:
    build = BuildInput(spec=runtime_spec, source="stack.yaml")
    queried = {*alerts.queried_metrics(build), *panels.queried_metrics(build)}
    assert queried, "the spec queries no runtime metric: the premise is not exercised"
    assert queried <= set(runtime.exported_metrics(build))


def test_without_a_runtime_each_queried_metric_is_reported(runtime_spec: Spec) -> None:
    # The other side of the fast path: drop the runtime and the slow path must report
    # every query, for Prometheus and for Grafana, naming each missing metric.
    spec = runtime_spec.model_copy(update={"runtime": None})
    build = BuildInput(spec=spec, source="stack.yaml")
    doc = load_text("{}", "stack.yaml")
    found = {f.path: f.message for f in metric_exported.check(Context(doc=doc, spec=spec))}
    for part, emitter in (("prometheus", alerts), ("grafana", panels)):
        queried = emitter.queried_metrics(build)
        if queried:
            message = found[("monitoring", part)]
            assert "no `runtime` section" in message
            assert all(name in message for name in queried), (message, queried)
        else:
            assert ("monitoring", part) not in found


def test_validating_the_reference_stack_does_not_import_the_emitters() -> None:
    code = (
        "import sys; from pathlib import Path; "
        "from stagespec.engine.validate import validate_file; "
        f"validate_file(Path({str(REFERENCE)!r})); "
        "print(sorted(m for m in sys.modules if m.startswith(("
        "'stagespec.targets', 'stagespec.plan.alerts', 'stagespec.plan.panels'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_disabled_runtime_service_is_named_for_the_dashboard(runtime_spec: Spec) -> None:
    assert runtime_spec.runtime is not None
    name = runtime_spec.runtime.service
    service = runtime_spec.services.get(name)
    doc = load_text("{}", "stack.yaml")
    if service is None:  # unresolved-reference reports it, and this rule stays quiet
        assert list(metric_exported.check(Context(doc=doc, spec=runtime_spec))) == []
        return
    paused = service.model_copy(update={"enabled": False})
    spec = runtime_spec.model_copy(update={"services": {**runtime_spec.services, name: paused}})
    [finding] = metric_exported.check(Context(doc=doc, spec=spec))  # alert-target has the rules
    assert finding.path == ("monitoring", "grafana")
    assert f"the runtime module in {name!r}, which is disabled" in finding.message
    assert finding.related == (
        (("runtime", "service"), "the service that imports the runtime module"),
    )
