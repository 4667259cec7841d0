"""The dashboard's image: what its Dockerfile installs, copies and runs."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.utils import canonicalize_name

from conftest import DASHBOARD_DIR, ROOT
from stagespec.model.spec import Spec

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$", re.MULTILINE)
DOCKERFILE = (DASHBOARD_DIR / "Dockerfile").read_text(encoding="utf-8")


def pins(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def test_the_image_lock_pins_the_versions_the_tests_ran_with_hashes() -> None:
    lock = DASHBOARD_DIR / "requirements.txt"
    image, tested = pins(lock), pins(ROOT / "requirements" / "test.txt")
    assert {"fastapi", "uvicorn", "prometheus-client", "starlette"} <= set(image)
    differing = {name: (v, tested.get(name)) for name, v in image.items() if tested.get(name) != v}
    assert not differing, "run `bash examples/dashboard/lock`"
    entries = [e for e in re.split(r"\n(?=\S)", lock.read_text(encoding="utf-8")) if PIN.match(e)]
    assert entries and all("--hash=sha256:" in entry for entry in entries)
    assert "pip install --require-hashes -r requirements.txt" in DOCKERFILE


def test_the_image_lock_holds_every_package_the_app_imports() -> None:
    imported: set[str] = set()
    for path in [DASHBOARD_DIR / "serve.py", *(DASHBOARD_DIR / "example_dashboard").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.partition(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"__future__", "example_dashboard"}
    assert third_party == {"fastapi", "uvicorn", "prometheus_client"}
    distributions = packages_distributions()
    image = pins(DASHBOARD_DIR / "requirements.txt")
    for name in third_party:
        assert any(canonicalize_name(d) in image for d in distributions[name]), name


def test_the_image_runs_uvicorn_where_the_spec_expects_the_dashboard(reference: Spec) -> None:
    assert re.search(r"^FROM python:3\.11-slim$", DOCKERFILE, re.MULTILINE)
    for source in re.findall(r"^COPY (\S+) ", DOCKERFILE, re.MULTILINE):
        assert (DASHBOARD_DIR / source).exists(), source
    runtime = reference.runtime
    assert runtime is not None
    service = reference.services[runtime.service]
    assert service.metrics is not None
    port = service.metrics.port
    cmd = f'["python", "serve.py", "--host", "0.0.0.0", "--port", "{port}"]'
    assert f"CMD {cmd}" in DOCKERFILE
    assert f"EXPOSE {port}" in DOCKERFILE
    # The module is imported by name from the folder delivery mounts it into.
    assert f"ARG RUNTIME_MODULE={runtime.module}\n" in DOCKERFILE
    assert f"PYTHONPATH={runtime.path}\n" in DOCKERFILE
