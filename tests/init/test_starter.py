"""The starter spec of `stagespec init`: clean on first validate, and it builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stagespec.engine.build import render_all
from stagespec.engine.validate import check_document
from stagespec.errors import UsageError
from stagespec.fmt.formatter import format_spec
from stagespec.init.starter import starter_spec
from stagespec.load.document import load_text
from stagespec.model.schema import SCHEMA_ID

PROJECTS = ["demo", "my-shop", "shop_2", "a" * 63]


@pytest.mark.parametrize("project", PROJECTS)
def test_starter_validates_with_no_diagnostics(project: str) -> None:
    spec, diagnostics = check_document(load_text(starter_spec(project), "stack.yaml"))
    assert [d.format() for d in diagnostics] == []
    assert spec is not None and spec.project == project


def test_starter_starts_with_the_schema_modeline() -> None:
    first = starter_spec("demo").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={SCHEMA_ID}"


@pytest.mark.parametrize("project", PROJECTS)
def test_starter_is_already_formatted(project: str) -> None:
    assert format_spec(starter_spec(project)) == starter_spec(project)


def test_starter_is_small_but_complete() -> None:
    spec, _ = check_document(load_text(starter_spec("demo")))
    assert spec is not None and spec.resilience is not None
    assert any(s.depends_on and s.healthcheck for s in spec.services.values())
    assert spec.secrets and len(spec.resilience.breakers) == 1
    assert [b.weight for b in spec.resilience.breakers.values()] == [1]
    assert spec.resilience.degradation is not None
    assert len(spec.resilience.degradation.tiers) == 2
    assert spec.monitoring is None


def test_uncommented_monitoring_validates_too() -> None:
    """The commented-out section works once uncommented, with the secret it names."""
    text = re.sub(r"^# (monitoring:|  )", r"\1", starter_spec("demo"), flags=re.MULTILINE)
    text = text.replace(
        "secrets:\n", "secrets:\n  grafana_admin_password: {env: GRAFANA_ADMIN_PASSWORD}\n"
    )
    spec, diagnostics = check_document(load_text(text))
    assert [d.format() for d in diagnostics] == []
    assert spec is not None and spec.monitoring is not None


def test_starter_builds(tmp_path: Path) -> None:
    spec_path = tmp_path / "stack.yaml"
    spec_path.write_text(starter_spec("demo"), encoding="utf-8")
    files = render_all(load_text(starter_spec("demo")), spec_path, tmp_path / "generated")
    assert "staging/docker-compose.yml" in files
    assert "production/docker-compose.yml" in files


@pytest.mark.parametrize("project", ["", "Demo", "1shop", "my shop", "a\nb: c", "a" * 64])
def test_invalid_project_names_are_refused(project: str) -> None:
    with pytest.raises(UsageError, match="project name"):
        starter_spec(project)
