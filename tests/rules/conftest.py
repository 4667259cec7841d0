"""The specs that the cross-file rules' tests run on: every case and the reference stack.

A test that takes a `corpus_spec` argument runs once per spec that parses: each case's
base spec and the spec of each of its environments.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stagespec.errors import SpecLoadError
from stagespec.loader import load_path
from stagespec.model.overlay import environment_document
from stagespec.model.parse import parse_spec
from stagespec.model.spec import Spec

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


CORPUS = [item for path in SOURCES for item in _specs(path)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "corpus_spec" in metafunc.fixturenames:
        metafunc.parametrize("corpus_spec", [s for _, s in CORPUS], ids=[n for n, _ in CORPUS])
