"""The real tools' checks of a build, as the emitter tests run them on the reference stack.

The emitter tests keep their tool helpers inside test modules (`tests/targets/test_*.py`,
not a package, with fixtures and skips of their own), so they cannot be imported from
here; this module repeats their invocations for a whole build, every environment:
`docker-compose config`, `check-jsonschema --builtin-schema vendor.compose-spec`,
`promtool check config --syntax-only`, `promtool check rules` (the alert rules and every
Grafana panel's query as a recording rule), `promtool test rules` (the generated alert
unit tests), and an import of the runtime module with the standard library only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from stagespec.engine.build import environment_spec, environments
from stagespec.load.document import Document
from stagespec.targets.compose.secrets import required_variables

TOOLS = ("docker-compose", "check-jsonschema", "promtool")
COMPOSE = "docker-compose.yml"


def missing_tools() -> list[str]:
    """The tools of TOOLS that are not installed."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


Job = tuple[list[str], Path, dict[str, str] | None]


def _run(job: Job) -> str | None:
    """None when the job's command succeeds, else what it printed."""
    command, cwd, env = job
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0 or "could not parse" in done.stderr:  # python-dotenv's warning
        return f"$ {' '.join(command)}\n{done.stdout}{done.stderr}"
    return None


def write_tree(files: dict[str, bytes], root: Path) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _compose(folder: Path, variables: list[str]) -> list[Job]:
    compose = yaml.safe_load((folder / COMPOSE).read_text(encoding="utf-8"))
    for service in (compose["services"] or {}).values():  # 1.29 checks that a context exists
        if "build" in service:
            (folder / service["build"]["context"]).mkdir(parents=True, exist_ok=True)
    base = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    env = base | {var: f"dummy-{var.lower()}" for var in variables}
    return [([str(shutil.which("docker-compose")), "-f", COMPOSE, "config"], folder, env)]


def _panel_rules(folder: Path, scratch: Path) -> list[str]:
    """Each dashboard panel's query as a recording rule, for `promtool check rules`."""
    rules = [
        {"record": f"stagespec:panel_{panel['id']}_{target['refId']}", "expr": target["expr"]}
        for board in sorted((folder / "grafana" / "dashboards").glob("*.json"))
        for panel in json.loads(board.read_text(encoding="utf-8"))["panels"]
        for target in panel.get("targets", [])
    ]
    if not rules:
        return []
    path = scratch / f"panels-{folder.name}.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    return [str(path)]


def _prometheus(folder: Path, scratch: Path) -> list[Job]:
    tool = str(shutil.which("promtool"))
    jobs: list[Job] = []
    config = folder / "prometheus" / "prometheus.yml"
    if config.exists():
        jobs.append(([tool, "check", "config", "--syntax-only", str(config)], folder, None))
    rules = sorted(str(p) for p in (folder / "prometheus" / "rules").glob("*.yml"))
    if rules := rules + _panel_rules(folder, scratch):
        jobs.append(([tool, "check", "rules", *rules], folder, None))
    tests = sorted(str(p.relative_to(folder)) for p in (folder / "prometheus").glob("tests/*"))
    if tests:
        jobs.append(([tool, "test", "rules", *tests], folder, None))
    return jobs


def _runtime(folder: Path) -> list[Job]:
    code = "import importlib, sys; sys.path.insert(0, sys.argv[1])\n"
    code += "importlib.import_module(sys.argv[2])"
    return [
        ([sys.executable, "-I", "-S", "-c", code, str(folder), module.stem], folder, None)
        for module in sorted(folder.glob("*.py"))
    ]


def check_build(document: Document, files: dict[str, bytes], root: Path) -> list[str]:
    """Write a whole build under `root` and run every tool on it; their complaints, if any."""
    write_tree(files, root / "out")
    names: list[str | None] = [*environments(document)] or [None]
    jobs: list[Job] = []
    for name in names:
        folder = root / "out" / (name or "")
        spec = environment_spec(document, name)
        variables = [var for var, _ in required_variables(spec)]
        variables += [n for n, v in spec.variables.items() if v is not None and v.needs_value]
        jobs += _compose(folder, variables) + _prometheus(folder, root) + _runtime(folder)
    composes = sorted(str(p) for p in (root / "out").rglob(COMPOSE))
    schema = [str(shutil.which("check-jsonschema")), "--builtin-schema", "vendor.compose-spec"]
    jobs.append(([*schema, *composes], root, None))
    # The tools start slowly (~1 s each for the Python ones): run them side by side.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return [failure for failure in pool.map(_run, jobs) if failure is not None]
