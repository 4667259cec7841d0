"""Fixtures of the end-to-end tests: the reference stack built for staging, and the dashboard.

Every server a fixture starts listens on a free loopback port, is polled for readiness
with a deadline, and is stopped (SIGTERM, then SIGKILL) when the fixture ends.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from e2e_support import Built, Dashboard, answers, free_port, running

from stagespec.engine.build import environment_spec
from stagespec.engine.validate import validate_file

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "inventario-retail" / "stack.yaml"
ENVIRONMENT = "staging"
DASHBOARD_DIR = ROOT / "examples" / "dashboard"
API_KEY = "e2e-test-key"
PROBE_INTERVAL = 0.1
"""Seconds between the dashboard's background calls to its dependencies, short for tests."""


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The reference spec built for staging by the real CLI, as the README tells users to."""
    out = tmp_path_factory.mktemp("generated") / ENVIRONMENT
    argv = [sys.executable, "-m", "stagespec", "build", str(SPEC), "--env", ENVIRONMENT]
    done = subprocess.run(
        [*argv, "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    document = validate_file(SPEC).document
    assert document is not None
    return Built(spec=environment_spec(document, ENVIRONMENT), out=out)


@pytest.fixture(scope="session")
def dashboard_package() -> Iterator[SimpleNamespace]:
    """The example dashboard's modules, imported from examples/dashboard."""
    for needed in ("prometheus_client", "fastapi", "uvicorn"):
        pytest.importorskip(needed, reason="pip install -e '.[test]'")
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(DASHBOARD_DIR))
        names = ("breaker", "dependencies", "health", "runtime")
        modules = {name: importlib.import_module(f"example_dashboard.{name}") for name in names}
        yield SimpleNamespace(**modules)


@pytest.fixture(scope="session")
def runtime(built: Built, dashboard_package: SimpleNamespace) -> ModuleType:
    """The generated runtime module, imported the way the dashboard imports it."""
    module: ModuleType = dashboard_package.runtime.load_runtime(built.runtime_module)
    return module


@contextlib.contextmanager
def start_dashboard(built: Built, folder: Path) -> Iterator[Dashboard]:
    """The example dashboard on the generated runtime module, on a free loopback port."""
    for needed in ("prometheus_client", "fastapi", "uvicorn"):
        pytest.importorskip(needed, reason="pip install -e '.[test]'")
    key_file = folder / "dashboard_api_key"
    key_file.write_text(API_KEY)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, str(DASHBOARD_DIR / "serve.py"), "--runtime", str(built.runtime_module)]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--api-key-file", str(key_file)]
    argv += ["--probe-interval", str(PROBE_INTERVAL)]
    env = {k: v for k, v in os.environ.items() if k not in ("API_KEY", "STAGESPEC_RUNTIME")}
    with running(argv, folder / "dashboard.log", lambda: answers(url + "/health"), env=env):
        yield Dashboard(url=url, api_key=API_KEY)


@pytest.fixture
def dashboard(built: Built, tmp_path: Path) -> Iterator[Dashboard]:
    """A dashboard of this test's own, to make dependencies fail in."""
    with start_dashboard(built, tmp_path) as started:
        yield started


@pytest.fixture(scope="module")
def idle_dashboard(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """A dashboard shared by a module's tests that change none of its state."""
    with start_dashboard(built, tmp_path_factory.mktemp("dashboard")) as started:
        yield started
