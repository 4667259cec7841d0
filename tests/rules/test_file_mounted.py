"""SS510 file-mounted against the emitters: what it reports is what the output really lacks.

The rule reads the spec (rules never import a target), so each case is built here too:
where SS510 reports a mount as lost or doubled, the compose file indeed has no mount, or
two mounts, at the path the generated file names; where it is silent, exactly one.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

import pytest
import yaml

import stagespec.targets.compose as compose
from stagespec.engine.validate import validate_file
from stagespec.plan import delivery
from stagespec.plan.inputs import BuildInput

CASES = Path(__file__).parents[1] / "cases"


def _targets(service: dict[str, Any]) -> list[str]:
    found = []
    for item in service.get("volumes", []):
        target = item.get("target") if isinstance(item, dict) else item.split(":")[1]
        found.append(posixpath.normpath(target))
    found += [posixpath.normpath(t.split(":")[0]) for t in service.get("tmpfs", [])]
    for item in service.get("secrets", []):
        name = item if isinstance(item, str) else item["source"]
        target = None if isinstance(item, str) else item.get("target")
        found.append(target or delivery.secret_file(name))
    return found


def _mounts_at(case: Path) -> tuple[list[str], dict[str, int]]:
    """SS510's messages for a case, and how many mounts its compose file has at each
    path a generated file names (the runtime module; Prometheus's tmpfs for its keys)."""
    result = validate_file(case / "stack.yaml")
    spec = result.spec
    assert spec is not None
    messages = [d.message for d in result.diagnostics if d.code == "SS510"]
    services = yaml.safe_load(compose.render(BuildInput(spec, "stack.yaml"))["docker-compose.yml"])
    counts = {}
    for named in delivery.named_files(spec, f"{spec.runtime.module}.py" if spec.runtime else ""):
        targets = _targets(services["services"][named.reader])
        wanted = named.path
        if named.reader == delivery.PROMETHEUS and spec.secrets[posixpath.basename(wanted)].env:
            wanted = posixpath.dirname(wanted)  # written into a tmpfs there by its entrypoint
        counts[named.path] = targets.count(wanted)
    return messages, counts


@pytest.mark.parametrize(
    "case",
    [
        "invalid/SS510-x-compose-replaces-volumes",
        "invalid/SS510-mount-at-module-path",
        "invalid/SS510-api-key-variable-set-by-spec",
        "invalid/SS510-top-level-x-compose-drops-scrape-key-file",
    ],
)
def test_a_reported_mount_is_lost_or_doubled_in_the_output(case: str) -> None:
    messages, counts = _mounts_at(CASES / case)
    assert messages
    assert any(count != 1 for count in counts.values()), counts


@pytest.mark.parametrize(
    "case",
    ["valid/SS510-x-compose-keeps-module-mount", "valid/SS510-pythonpath-includes-runtime-path"],
)
def test_a_silent_case_mounts_each_file_once(case: str) -> None:
    messages, counts = _mounts_at(CASES / case)
    assert not messages
    assert counts and all(count == 1 for count in counts.values()), counts


def test_the_reference_spec_mounts_each_file_once() -> None:
    root = Path(__file__).parents[2]
    messages, counts = _mounts_at(root / "specs" / "inventario-retail")
    assert not messages
    assert set(counts) == {"/app/inventario_runtime.py", "/run/secrets/dashboard_api_key"}
    assert all(count == 1 for count in counts.values()), counts
