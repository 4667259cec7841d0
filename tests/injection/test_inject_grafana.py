"""No spec value changes the structure of Grafana's provisioning files or dashboard.

No free-text field reaches them: with a hostile value in every slot at once, the
datasources, the dashboard provider and the dashboard are byte-identical to the benign
build's. Names (project, environment, breakers, tiers) do reach them, as titles, a
folder and value mappings; taken to the edges of what the model allows, the dashboard
keeps the same panels with the same keys, one per breaker, and the YAML files keep
their shape.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hostilekit import BENIGN, HOSTILE, NAMES, OLD, SOURCE, every_slot, load_yaml, shape, spec_named

from stagespec.model.spec import Spec
from stagespec.plan.inputs import BuildInput
from stagespec.targets import grafana


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_no_free_text_reaches_grafana(value: str) -> None:
    benign = grafana.render(BuildInput(every_slot(BENIGN), SOURCE, "staging"))
    hostile = grafana.render(BuildInput(every_slot(value), SOURCE, "staging"))
    assert len(benign) == 3
    assert hostile == benign


def _parsed(spec: Spec, environment: str) -> dict[str, Any]:
    files = grafana.render(BuildInput(spec, SOURCE, environment))
    parsed: dict[str, Any] = {}
    for path, content in files.items():
        if path.endswith(".json"):
            parsed["dashboard"] = json.loads(content)
        else:
            [parsed[path]] = load_yaml(content)
    return parsed


REFERENCE = _parsed(spec_named("inventario-retail", {}), "staging")


@pytest.mark.parametrize(("project", "environment", "names"), NAMES.values(), ids=NAMES.keys())
def test_names_keep_the_panels(project: str, environment: str, names: dict[str, str]) -> None:
    spec = spec_named(project, names)
    files = _parsed(spec, environment)
    assert set(files) == set(REFERENCE)
    for path in (grafana.DATASOURCES_PATH, grafana.PROVIDERS_PATH):
        assert shape(files[path]) == shape(REFERENCE[path])
    assert files[grafana.PROVIDERS_PATH]["providers"][0]["folder"] == project
    panels, old_panels = files["dashboard"]["panels"], REFERENCE["dashboard"]["panels"]
    assert len(panels) == len(old_panels)
    assert [list(p) for p in panels] == [list(p) for p in old_panels]
    assert [p["id"] for p in panels] == list(range(1, len(panels) + 1))
    assert spec.resilience is not None
    breakers = [p["title"] for p in panels if p["title"].startswith("Breaker ")]
    assert breakers == [f"Breaker {name}" for name in spec.resilience.breakers]
    assert f"Breaker {names['breaker']}" in breakers
    assert f"Breaker {OLD['breaker']}" not in breakers
    assert files["dashboard"]["title"] == f"{project} ({environment})"
    assert len(files["dashboard"]["uid"]) <= 40
