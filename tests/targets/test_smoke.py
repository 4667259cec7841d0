"""The generated smoke suite (`smoke/smoke.py` and its data): what it checks, the spec line
each check names, that no spec value becomes code, its output (lines, JUnit XML, exit
status), and its HTTP checks against a stand-in for the example dashboard's contract.

The protocol checks against real PostgreSQL and Redis servers are in test_smoke_servers.py.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import py_compile
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest

from stagespec.engine.build import render_all
from stagespec.engine.validate import validate_file
from stagespec.envcheck.check import check_environment, select_environment
from stagespec.load.document import load_text
from stagespec.targets import smoke

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
KEY = "canary-key-7f3a9"
"""The API key the stand-in dashboard wants: it must never appear in any output."""


def _build(spec_path: Path, out: Path) -> dict[str, bytes]:
    result = validate_file(spec_path)
    assert result.document is not None, result.diagnostics
    return render_all(result.document, spec_path, out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference stack built into a folder, as `stagespec build` writes it."""
    out = tmp_path_factory.mktemp("generated")
    for path, content in _build(REFERENCE, out).items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(content)
    return out


def _load(program: Path) -> ModuleType:
    """The generated program, imported under a name of its own."""
    name = f"smoke_{abs(hash(program))}"
    found = importlib.util.spec_from_file_location(name, program)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    sys.modules[name] = module
    found.loader.exec_module(module)
    return module


def _data(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "smoke" / "smoke.json").read_text())
    return data


def _run(program: ModuleType, *argv: str, environ: dict[str, str] | None = None) -> tuple[int, str]:
    out = io.StringIO()
    status = program.main(list(argv), environ=environ or {}, out=out)
    return status, out.getvalue()


# --- what the suite checks, and where each check comes from --------------------------------

SPEC_LINES = REFERENCE.read_text().splitlines()

# Each check of the reference stack, and text its spec line must hold.
EXPECTED_LINES = {
    "env.POSTGRES_PASSWORD": "postgres_password:",
    "env.DASHBOARD_API_KEY": "dashboard_api_key:",
    "env.OPENAI_API_KEY": "openai_api_key:",
    "env.GRAFANA_ADMIN_PASSWORD": "grafana_admin_password:",
    "env.S3_SECRET_ACCESS_KEY": "s3_secret_access_key:",
    "port.postgres.5433": "5433:5432",
    "port.redis.6380": "6380:6379",
    "port.dashboard.9000": "9000:8080",
    "port.grafana.3003": "port: 3003",
    "postgres.query": "POSTGRES_USER:",
    "redis.ping": "redis:",
    "redis.maxmemory": "--maxmemory,",
    "redis.maxmemory-policy": "allkeys-lru",
    "redis.appendonly": "--appendonly",
    "health": "service: dashboard",
    "health.tier.optimal": "name: optimal",
    "health.tier.degraded": "name: degraded",
    "health.tier.limited": "name: limited",
    "health.tier.minimal": "name: minimal",
    "health.tier.emergency": "name: emergency",
    "health.breaker.openai": "openai:",
    "health.breaker.database": "database:",
    "health.breaker.redis": "redis:",
    "health.breaker.s3": "s3:",
    "metrics.format": "metrics:",
    "metrics.auth": "api_key:",
    "metrics.stack_circuit_breaker_state": "prometheus:",
    "metrics.stack_degradation_level": "prometheus:",
    "metrics.stack_health_score": "grafana:",
    "api-key.missing": "api_key:",
    "api-key.wrong": "api_key:",
    "api-key.valid": "api_key:",
    "headers.hsts": "hsts:",
    "https-redirect": "force_https:",
    "headers.csp": "csp:",
    "headers.request-id": "request_id_header:",
    "rate-limit": "rate_limit:",
    "logs.request-id": "format: json",
    "prometheus.target.prometheus": "prometheus:",
    "prometheus.target.dashboard": "metrics:",
    "prometheus.rules": "prometheus:",
    "grafana.datasource.stagespec-prometheus": "prometheus:",
    "grafana.datasource.stagespec-redis": "plugins:",
}


def test_reference_suite_has_every_check_each_on_its_spec_line(reference: Path) -> None:
    data = _data(reference / "staging")
    names = [check["name"] for check in data["checks"]]
    assert set(names) == set(EXPECTED_LINES) and len(names) == len(set(names))
    for check in data["checks"]:
        line = SPEC_LINES[check["line"] - 1]
        assert EXPECTED_LINES[check["name"]] in line, (check["name"], check["line"], line)
    assert data["source"] == "specs/inventario-retail/stack.yaml"


def test_reference_tiers_and_breakers_are_the_specs(reference: Path) -> None:
    checks = {c["name"]: c for c in _data(reference / "staging")["checks"]}
    counts = [
        checks[f"health.tier.{n}"]["features"]
        for n in ("optimal", "degraded", "limited", "minimal", "emergency")
    ]
    assert counts == [16, 12, 8, 4, 0]
    assert checks["health.breaker.database"]["expected"] == {
        "failure_threshold": 3,
        "recovery_timeout_s": 20,
        "half_open_requests": 1,
        "weight": "0.30",
    }
    doc = validate_file(REFERENCE).document
    assert doc is not None
    command = select_environment(doc, "staging").services["redis"].command
    assert isinstance(command, list)
    assert checks["redis.maxmemory"]["expected"] == command[command.index("--maxmemory") + 1]
    assert checks["rate-limit"]["requests"] == 100 and checks["rate-limit"]["window_s"] == 60


def test_production_checks_what_production_runs(reference: Path) -> None:
    names = {c["name"] for c in _data(reference / "production")["checks"]}
    # production publishes neither database port; the rest is the same suite
    assert "port.postgres.5433" not in names and "port.redis.6380" not in names
    assert {"postgres.query", "redis.maxmemory", "port.dashboard.9000"} <= names
    assert _data(reference / "production")["environment"] == "production"


def test_env_checks_are_what_env_check_decides(reference: Path) -> None:
    doc = validate_file(REFERENCE).document
    assert doc is not None
    report = check_environment(select_environment(doc, "staging"), {}, [], REFERENCE.parent)
    needed = {f"env.{r.name}" for r in report.requirements if r.status != "not needed"}
    found = {
        c["name"] for c in _data(reference / "staging")["checks"] if c["kind"] == "env-variable"
    }
    assert found == needed


HOSTILE = """\
stagespec: 1
project: hostile
variables:
  TAG: {required: true}
secrets:
  key: {file: "./it's \\"here\\".txt"}
  db: {env: DB_PASS}
services:
  web:
    image: "nginx:${TAG}"
    ports: ["8080:80"]
    environment:
      NOTE: "'''); import os; os.system('false') #"
      KEY: {secret: key}
    metrics: {port: 80, api_key: {secret: key}}
  postgres:
    image: postgres:16
    environment:
      POSTGRES_USER: "u\\"'; DROP"
      POSTGRES_PASSWORD: {secret: db}
runtime:
  service: web
  module: web_runtime
  security:
    csp: 'default-src "self"; x\"\"\"; import os #'
"""


def test_no_spec_value_becomes_code(tmp_path: Path, reference: Path) -> None:
    spec_path = tmp_path / "stack.yaml"
    spec_path.write_text(HOSTILE)
    files = _build(spec_path, tmp_path / "out")
    program = files["smoke/smoke.py"].decode()
    reference_program = (reference / "staging" / "smoke" / "smoke.py").read_text()
    # the program is the same text whatever the spec: only its header names the spec file
    assert program.split('"""', 1)[1] == reference_program.split('"""', 1)[1]
    assert program.count("\n#") == reference_program.count("\n#")
    data = json.loads(files["smoke/smoke.json"])
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["headers.csp"]["expected"] == 'default-src "self"; x"""; import os #'
    assert checks["postgres.query"]["user"] == {"text": "u\"'; DROP"}
    assert data["secrets"]["key"] == {"file": '../it\'s "here".txt'}
    assert checks["variable.TAG"]["kind"] == "env-variable"
    assert checks["file.key"]["kind"] == "secret-file"


def test_program_compiles(reference: Path, tmp_path: Path) -> None:
    py_compile.compile(
        str(reference / "staging" / "smoke" / "smoke.py"),
        doraise=True,
        cfile=str(tmp_path / "smoke.pyc"),
    )


@pytest.mark.tools
@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_program_passes_mypy_strict(reference: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-version",
            "3.11",
            "--no-incremental",
            str(reference / "staging" / "smoke" / "smoke.py"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout


@pytest.mark.tools
@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_program_passes_ruff(reference: Path) -> None:
    program = reference / "staging" / "smoke" / "smoke.py"
    done = subprocess.run(
        [
            "ruff",
            "check",
            "--isolated",
            "--target-version",
            "py311",
            "--line-length",
            "100",
            "--select",
            "E,F,W,I,B,UP,SIM,RUF",
            str(program),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout


def test_program_runs_with_the_standard_library_only(reference: Path) -> None:
    program = reference / "staging" / "smoke" / "smoke.py"
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(program), "--list", "--only", "health*"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.splitlines()[0]
        == "health  (specs/inventario-retail/stack.yaml:"
        + str(
            next(c["line"] for c in _data(reference / "staging")["checks"] if c["name"] == "health")
        )
        + ")  health"
    )


# --- output: lines, JUnit XML, exit status -------------------------------------------------


def test_env_checks_lines_junit_and_exit_status(reference: Path, tmp_path: Path) -> None:
    junitparser = pytest.importorskip("junitparser")
    program = _load(reference / "staging" / "smoke" / "smoke.py")
    env_file = tmp_path / "deploy.env"
    env_file.write_text(
        f"POSTGRES_PASSWORD='{KEY}'\nOPENAI_API_KEY=\nexport S3_SECRET_ACCESS_KEY=x\n"
    )
    environ = {"DASHBOARD_API_KEY": KEY, "GRAFANA_ADMIN_PASSWORD": ""}
    report = tmp_path / "smoke.xml"
    status, out = _run(
        program,
        "--only",
        "env.*",
        "--only",
        "postgres.query",
        "--published",
        "--env-file",
        str(env_file),
        "--junit",
        str(report),
        "--timeout",
        "0.5",
        "--target",
        "postgres=127.0.0.1:9",
        environ=environ,
    )
    assert status == 1
    lines = dict(line.split("  ", 2)[1::-1] for line in out.splitlines()[:-1])
    assert lines["env.POSTGRES_PASSWORD"] == "PASS" and lines["env.DASHBOARD_API_KEY"] == "PASS"
    assert lines["env.OPENAI_API_KEY"] == "FAIL" and lines["env.GRAFANA_ADMIN_PASSWORD"] == "FAIL"
    assert lines["postgres.query"] == "FAIL"
    assert (
        "FAIL  env.OPENAI_API_KEY  (specs/inventario-retail/stack.yaml:20)  OPENAI_API_KEY is "
        "empty in an env file (secret openai_api_key)" in out
    )
    assert out.splitlines()[-1] == "3 pass, 3 fail, 0 skip"
    assert KEY not in out and KEY not in report.read_text()
    xml = junitparser.JUnitXml.fromfile(str(report))
    suites = [xml] if isinstance(xml, junitparser.TestSuite) else list(xml)
    assert [(s.tests, s.failures, s.skipped) for s in suites] == [(6, 3, 0)]
    failed = [case.name for case in suites[0] if not case.is_passed]
    assert failed == ["env.OPENAI_API_KEY", "env.GRAFANA_ADMIN_PASSWORD", "postgres.query"]


def test_usage_errors_exit_2(reference: Path, tmp_path: Path) -> None:
    program = reference / "staging" / "smoke" / "smoke.py"
    for argv in (
        ["--target", "nonsense"],
        ["--env-file", str(tmp_path / "missing.env")],
        ["--data", str(tmp_path / "none.json")],
    ):
        done = subprocess.run(
            [sys.executable, str(program), *argv], capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 2, (argv, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr


# --- the runtime service's checks against a stand-in dashboard ------------------------------

SMALL = """\
stagespec: 1
project: small
secrets:
  api_key: {env: API_KEY_VALUE}
services:
  web:
    build: ./web
    ports: ["9000:8080"]
    metrics: {port: 8080, api_key: {secret: api_key}, auth: {header: X-API-Key}}
resilience:
  breakers:
    db: {weight: 1, failure_threshold: 3, recovery_timeout: 20s}
  degradation:
    features: [a, b]
    tiers:
      - {name: full, min_score: 90, features: all}
      - {name: none, min_score: 0, features: []}
runtime:
  service: web
  module: web_runtime
  security:
    api_key: {secret: api_key}
    rate_limit: {requests: 5, window: 30s}
    csp: "default-src 'self'"
    force_https: true
  logging:
    request_id_header: X-Request-ID
"""


class Stand(BaseHTTPRequestHandler):
    """The example dashboard's contract, for the SMALL spec; `broken` breaks one promise."""

    broken: ClassVar[set[str]] = set()
    seen: ClassVar[list[float]] = []
    log: ClassVar[Path]

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path
        rid = self.headers.get("X-Request-ID") or "generated"
        if path not in ("/health", "/metrics"):
            now = time.monotonic()
            recent = [t for t in self.seen if t > now - 30]
            limit = 6 if "rate" in self.broken else 5
            if len(recent) >= limit:
                return self._send(429, b"{}", {"Retry-After": "30"}, rid)
            self.seen.append(now)
        keyed = self.headers.get("X-API-Key") == KEY
        forwarded = self.headers.get("X-Forwarded-Proto") == "http"
        if forwarded and path not in ("/health", "/metrics") and "https" not in self.broken:
            return self._send(308, b"", {"Location": f"https://web{path}"}, rid)
        if path == "/health":
            body = {
                "status": "ok",
                "score": 100,
                "tier": "full",
                "level": 0,
                "features": ["a", "b"],
                "breakers": {
                    "db": {
                        "state": "closed",
                        "failure_threshold": 3,
                        "recovery_timeout_s": 20.0,
                        "half_open_requests": 1,
                        "weight": 1.0,
                    }
                },
                "tiers": [
                    {"name": "full", "min_score": 90, "features": 2},
                    {"name": "none", "min_score": 0, "features": 0},
                ],
            }
            return self._send(200, json.dumps(body).encode(), {}, rid)
        if path == "/metrics" and (keyed or "metrics-open" in self.broken):
            text = (
                "# HELP stack_health_score x\n# TYPE stack_health_score gauge\n"
                "stack_health_score 100.0\n"
                'stack_circuit_breaker_state{breaker="db",state="open"} 0.0\n'
                "stack_degradation_level 0\n"
            )
            return self._send(200, text.encode(), {}, rid)
        if path == "/api/features" and keyed:
            return self._send(200, b'["a","b"]', {}, rid)
        return self._send(401, b"{}", {}, rid)

    def _send(self, status: int, body: bytes, headers: dict[str, str], rid: str) -> None:
        self.send_response(status)
        csp = "default-src *" if "csp" in self.broken else "default-src 'self'"
        for name, value in {
            **headers,
            "Content-Security-Policy": csp,
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
            "X-Request-ID": rid,
            "Content-Length": str(len(body)),
        }.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        with self.log.open("a") as log:
            log.write(json.dumps({"path": self.path, "status": status, "request_id": rid}) + "\n")


@contextlib.contextmanager
def stand_in(tmp_path: Path, broken: set[str]) -> Iterator[int]:
    handler = type("Handler", (Stand,), {"broken": broken, "seen": [], "log": tmp_path / "log"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    (folder / "stack.yaml").write_text(SMALL)
    for path, content in _build(folder / "stack.yaml", folder / "out").items():
        (folder / "out" / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / "out" / path).write_bytes(content)
    return folder / "out" / "smoke" / "smoke.py"


def _results(out: str) -> dict[str, str]:
    return {line.split("  ")[1]: line for line in out.splitlines()[:-1]}


RUNTIME_CHECKS = [
    "health*",
    "metrics*",
    "api-key*",
    "headers*",
    "https-redirect",
    "rate-limit",
    "logs*",
]


def _run_small(small: Path, tmp_path: Path, broken: set[str]) -> tuple[int, dict[str, str]]:
    program = _load(small)
    with stand_in(tmp_path, broken) as port:
        argv = [
            "--target",
            f"web=127.0.0.1:{port}",
            "--log-file",
            str(tmp_path / "log"),
            "--wait",
            "2",
        ]
        for pattern in RUNTIME_CHECKS:
            argv += ["--only", pattern]
        status, out = _run(program, *argv, environ={"API_KEY_VALUE": KEY})
    assert KEY not in out
    return status, _results(out)


def test_runtime_checks_pass_against_the_contract(small: Path, tmp_path: Path) -> None:
    status, results = _run_small(small, tmp_path, set())
    assert status == 0, "\n".join(results.values())
    assert all(line.startswith("PASS") for line in results.values()), results
    assert len(results) == 15
    assert results["https-redirect"].endswith("308 to https://web/api/features")
    # the https-redirect check's request counts too
    assert results["rate-limit"].endswith("429 with Retry-After after 1 request (+4 earlier)")


@pytest.mark.parametrize(
    ("broken", "failing", "line"),
    [
        ("csp", "headers.csp", "csp:"),
        ("https", "https-redirect", "force_https:"),
        ("rate", "rate-limit", "rate_limit:"),
        ("metrics-open", "metrics.auth", "api_key: {secret: api_key}, auth"),
    ],
)
def test_each_broken_promise_fails_its_check(
    small: Path, tmp_path: Path, broken: str, failing: str, line: str
) -> None:
    status, results = _run_small(small, tmp_path, {broken})
    assert status == 1
    assert [name for name, text in results.items() if text.startswith("FAIL")] == [failing]
    number = int(results[failing].split("stack.yaml:")[1].split(")")[0])
    assert line in SMALL.splitlines()[number - 1]


def test_document_positions_reach_the_emitter() -> None:
    doc = load_text(SMALL, "stack.yaml")
    from stagespec.engine.build import environment_spec
    from stagespec.plan.inputs import BuildInput

    build = BuildInput(environment_spec(doc, None), "stack.yaml", document=doc)
    data = json.loads(smoke.render(build)["smoke/smoke.json"])
    assert {c["name"]: c["line"] for c in data["checks"]}["headers.csp"] == 24
    bare = json.loads(smoke.render(BuildInput(build.spec, "stack.yaml"))["smoke/smoke.json"])
    assert {c["line"] for c in bare["checks"]} == {None}
