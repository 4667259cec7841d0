"""No spec value changes the structure of prometheus.yml, the alert rules or their tests.

No free-text field reaches these files at all: with a hostile value in every slot at
once, they are byte-identical to the benign build's. What does reach them are names
(project, environment, services, breakers, tiers), which the model limits to
`[a-z][a-z0-9_-]*` and which arrive as label values and in alert names. Taken to the
edges of what the model allows (one letter, 63 characters, PromQL keywords, YAML 1.1
booleans, Python keywords the model leaves free), they leave every alert with the same
label names as the reference's, with the new names as values, and promtool accepts the
config, the rules and the rules' unit tests.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hostilekit import BENIGN, HOSTILE, NAMES, OLD, SOURCE, every_slot, load_yaml, spec_named

from stagespec.model.spec import Spec
from stagespec.plan.inputs import BuildInput
from stagespec.targets import prometheus

PATHS = (prometheus.CONFIG_PATH, prometheus.RULES_PATH, prometheus.TESTS_PATH)


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_no_free_text_reaches_prometheus(value: str) -> None:
    benign = prometheus.render(BuildInput(every_slot(BENIGN), SOURCE, "staging"))
    hostile = prometheus.render(BuildInput(every_slot(value), SOURCE, "staging"))
    assert set(benign) == set(PATHS)
    assert hostile == benign


def _files(spec: Spec, environment: str) -> dict[str, Any]:
    files = prometheus.render(BuildInput(spec, SOURCE, environment))
    parsed = {}
    for path in PATHS:
        [parsed[path]] = load_yaml(files[path])
    return parsed


def _alerts(files: dict[str, Any]) -> list[dict[str, Any]]:
    return [rule for group in files[prometheus.RULES_PATH]["groups"] for rule in group["rules"]]


REFERENCE = _files(spec_named("inventario-retail", {}), "staging")


@pytest.mark.parametrize(("project", "environment", "names"), NAMES.values(), ids=NAMES.keys())
def test_names_are_label_values(project: str, environment: str, names: dict[str, str]) -> None:
    files = _files(spec_named(project, names), environment)
    new_name = {OLD[kind]: new for kind, new in names.items()}
    config = files[prometheus.CONFIG_PATH]
    assert config["global"]["external_labels"] == {"project": project, "environment": environment}
    jobs = [job["job_name"] for job in config["scrape_configs"]]
    old_jobs = [job["job_name"] for job in REFERENCE[prometheus.CONFIG_PATH]["scrape_configs"]]
    assert jobs == [new_name.get(job, job) for job in old_jobs]
    alerts, old_alerts = _alerts(files), _alerts(REFERENCE)
    assert len(alerts) == len(old_alerts)
    for alert, old in zip(alerts, old_alerts, strict=True):
        assert list(alert) == list(old)
        assert list(alert["labels"]) == list(old["labels"])
        assert alert["labels"] == {k: new_name.get(v, v) for k, v in old["labels"].items()}
        assert list(alert["annotations"]) == list(old["annotations"])
    tests = files[prometheus.TESTS_PATH]["tests"]
    old_tests = REFERENCE[prometheus.TESTS_PATH]["tests"]
    assert [len(t["alert_rule_test"]) for t in tests] == [
        len(t["alert_rule_test"]) for t in old_tests
    ]


# --- promtool ---------------------------------------------------------------------------


def _promtool(*args: str, cwd: Path) -> None:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.skip("promtool is not installed (Debian package prometheus)")
    done = subprocess.run(
        [tool, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.tools
@pytest.mark.parametrize(("project", "environment", "names"), NAMES.values(), ids=NAMES.keys())
def test_promtool_accepts_renamed_output(
    project: str, environment: str, names: dict[str, str], tmp_path: Path
) -> None:
    files = prometheus.render(BuildInput(spec_named(project, names), SOURCE, environment))
    for path, content in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(content)
    _promtool("check", "config", "--syntax-only", prometheus.CONFIG_PATH, cwd=tmp_path)
    _promtool("check", "rules", prometheus.RULES_PATH, cwd=tmp_path)
    _promtool("test", "rules", prometheus.TESTS_PATH, cwd=tmp_path)
