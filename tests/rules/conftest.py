"""The specs that the cross-file rules' tests run on: every case and the reference stack.

A test that takes a `corpus_spec` argument runs once per spec that parses: each case's
base spec and the spec of each of its environments. `alerting_spec` runs once per such
spec with an alert, `pausable_spec` once per one that also declares its runtime service,
`runtime_spec` once per one with a runtime module (the last three given monitoring where
they lack it). The `findings` fixture runs one rule on its own, on a spec written in the
test.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from stagespec.diagnostics import dotted_path
from stagespec.errors import SpecLoadError
from stagespec.load.document import load_path, load_text
from stagespec.model.overlay import environment_document
from stagespec.model.parse import parse_spec
from stagespec.model.spec import Spec, runtime_service
from stagespec.rules.base import Context

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCES = [
    ROOT / "specs" / "inventario-retail" / "stack.yaml",
    *sorted((ROOT / "tests" / "cases").glob("*/*/stack.yaml")),
]


def _specs(path: Path) -> list[tuple[str, Spec]]:
    """The base spec and each environment's spec of one file, where they parse."""
    try:
        doc = load_path(path, path.name)
    except SpecLoadError:  # a case of a loader error: nothing to build
        return []
    name = str(path.parent.relative_to(ROOT))
    docs = [(name, doc)]
    environments = doc.data.get("environments")
    if isinstance(environments, dict):
        docs += [(f"{name}@{env}", environment_document(doc, env)) for env in environments]
    found = [(label, parse_spec(d)[0]) for label, d in docs]
    return [(label, spec) for label, spec in found if spec is not None]


Labelled = list[tuple[str, Spec]]


# Built on first use during collection, not on import: an error in the code under test
# then fails the collection of these tests instead of the whole test session.
@functools.cache
def corpus() -> Labelled:
    """Every spec of the cases and the reference stack, labelled."""
    return [item for path in SOURCES for item in _specs(path)]


def _monitored(spec: Spec) -> Spec:
    """The spec, given the reference stack's monitoring when it has a runtime but no
    Prometheus or Grafana: then its runtime metrics are queried, and there is a premise
    to check."""
    monitoring = spec.monitoring
    if spec.runtime is None or (monitoring and monitoring.prometheus and monitoring.grafana):
        return spec
    return spec.model_copy(update={"monitoring": corpus()[0][1].monitoring})


def _alert_count(spec: Spec) -> int:
    from stagespec.plan.alerts import alerts

    server = spec.monitoring.prometheus if spec.monitoring else None
    return 0 if server is None else len(alerts(spec, server))


def _monitored_corpus() -> Labelled:
    return [(label, _monitored(spec)) for label, spec in corpus()]


def _alerting() -> Labelled:
    """Specs with at least one generated alert."""
    return [(label, spec) for label, spec in _monitored_corpus() if _alert_count(spec) > 0]


def _pausable() -> Labelled:
    """Specs with an alert and a declared runtime service, which a test may disable."""
    return [(label, spec) for label, spec in _alerting() if runtime_service(spec) is not None]


def _with_runtime() -> Labelled:
    """Specs with a runtime module, and Prometheus and Grafana to query its metrics."""
    return [(label, spec) for label, spec in _monitored_corpus() if spec.runtime is not None]


_PARAMETERS: dict[str, Callable[[], Labelled]] = {
    "corpus_spec": corpus,
    "alerting_spec": _alerting,
    "pausable_spec": _pausable,
    "runtime_spec": _with_runtime,
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for name, specs_of in _PARAMETERS.items():
        if name in metafunc.fixturenames:
            specs = specs_of()
            metafunc.parametrize(name, [s for _, s in specs], ids=[n for n, _ in specs])


Findings = Callable[[ModuleType, str], list[tuple[str, str]]]


def _findings(rule: ModuleType, text: str) -> list[tuple[str, str]]:
    """What one rule finds in a spec that parses, as (dotted path, message) pairs."""
    doc = load_text(text, "stack.yaml")
    spec, problems = parse_spec(doc)
    assert spec is not None, problems
    return [(dotted_path(f.path), f.message) for f in rule.check(Context(doc=doc, spec=spec))]


@pytest.fixture
def findings() -> Findings:
    """Run one rule on a spec text, without the other rules or the engine's sorting."""
    return _findings
