"""The reference stack built for staging, run on loopback, proved by its generated smoke suite.

Each server is configured from the generated files (docker-compose.yml, prometheus.yml and
its rules), never from constants of this test. What changes, and why:
- every container port becomes a free port on 127.0.0.1 (the containers listen on their
  own network; here everything shares the host's loopback), and the smoke suite is told
  each one with `--target NAME=127.0.0.1:PORT` (its published-port checks too);
- every `${VAR:?...}` of the compose file is given from a test env file that holds one
  random value per secret variable of the spec, the same file the smoke suite reads with
  `--env-file`;
- PostgreSQL (Debian's binaries; as root they run as the `postgres` user): a throwaway
  cluster made as the postgres image's entrypoint makes it, from the compose service's
  `environment`: `initdb` with POSTGRES_USER as the superuser and POSTGRES_PASSWORD as its
  password, scram-sha-256 for TCP from 127.0.0.1 (the image's default), then the
  database POSTGRES_DB; it listens on 127.0.0.1 only, and on a socket in its temporary
  folder (trust, used only to create the database);
- Redis: the compose service's `command`, its first word the host's `redis-server`, with
  `--port PORT --bind 127.0.0.1 --dir TMP` appended (see test_e2e_redis.py);
- the dashboard: the Dockerfile's command (`python serve.py --host --port`) with the
  compose service's `environment`; each bind mount of a generated file (the runtime
  module at `/app/...`) is a copy under a temporary root, and PYTHONPATH's entries are
  moved under that root the same way; STAGESPEC_RUNTIME is the module's name, as the
  Dockerfile sets it; stdout and stderr go to a log file, the smoke suite's `--log-file`;
- Prometheus (the installed binary): the compose service's `command` with
  `--config.file` and `--storage.tsdb.path` in a temporary folder, plus
  `--web.listen-address`; the config is the generated one rewritten by `loopback_config`
  of test_e2e_prometheus.py (targets to loopback, intervals 1s, key file and rules in a
  temporary folder; the rules themselves unchanged); the key file holds the value of
  the variable that the compose service's entrypoint writes to the key file.
Grafana is not installed here (no Debian package): its checks are skipped on purpose with
`--skip 'grafana.*'` and `--skip 'port.grafana.*'` (its published port), and the test
asserts that exactly the checks of the grafana service are left out.

Each test has its own Redis, dashboard and Prometheus, and shares the PostgreSQL cluster
(no test changes it). The dashboard's rate limit is a sliding window per client (100
requests per 60s for the reference), and every smoke run uses it up: the rate-limit
check sends requests until the 429. A later run on the same dashboard within the window
would get 429 from its first limited request, so a fresh dashboard per test (about a
second to start) is the only order-free choice; waiting out the window would take a minute.
"""

from __future__ import annotations

import contextlib
import fnmatch
import glob
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from e2e_support import Built, answers, free_port, running, stop
from test_e2e_prometheus import loopback_config
from test_e2e_redis import pings

from stagespec.engine.validate import validate_file
from stagespec.load.document import Document

pytestmark = [pytest.mark.e2e, pytest.mark.tools]

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "inventario-retail" / "stack.yaml"
DOCKERFILE_DIR = ROOT / "examples" / "dashboard"
PROMETHEUS = shutil.which("prometheus")
GRAFANA_SKIPS = ("grafana.*", "port.grafana.*")
"""Grafana is not installed here: its checks, and the check of its published port."""
SMOKE_WAIT = "20"
"""The smoke suite's --wait: Prometheus scrapes every second here, so targets are up fast."""
LINE = re.compile(r"^(PASS|FAIL|SKIP)  (\S+)  \((.+):(\d+)\)  ?(.*)$")


def pg_bin(name: str) -> str | None:
    """A PostgreSQL server binary: on PATH, else the newest of Debian's versioned folders."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return shutil.which(name) or (found[-1] if found else None)


def need(tool: str | None, what: str) -> str:
    """The tool's path; a skip naming the package when it is missing (a failure in CI)."""
    if tool is None:
        pytest.skip(f"{what} is not installed")
    return tool


# --- the generated files -------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+][^}]*)?\}")


def interpolate(text: str, values: Mapping[str, str]) -> str:
    """A compose value with each `${VAR...}` replaced as compose does, from `values` only."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        if name not in values:
            pytest.fail(f"the compose file needs ${{{name}}}, which the test env file lacks")
        return values[name]

    return _INTERPOLATION.sub(one, text)


@dataclass(frozen=True)
class Generated:
    """The built stack's files, read once, and the test's secret values."""

    built: Built
    compose: dict[str, Any]
    smoke: dict[str, Any]
    secret_values: dict[str, str]
    """Each secret variable of the spec: a random test value."""
    env_file: Path

    def service(self, name: str) -> dict[str, Any]:
        service: dict[str, Any] = self.compose["services"][name]
        return service

    def environment(self, name: str) -> dict[str, str]:
        """A compose service's `environment`, interpolated from the test env file."""
        env = self.service(name).get("environment") or {}
        return {key: interpolate(str(value), self.secret_values) for key, value in env.items()}

    def target_of(self, kind: str) -> str:
        """The service that the smoke suite's checks of this kind talk to."""
        [name] = {c["target"] for c in self.smoke["checks"] if c["kind"] == kind}
        return str(name)


def write_env_file(path: Path, values: Mapping[str, str]) -> Path:
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return path


@pytest.fixture(scope="module")
def generated(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    variables = [s.env for s in built.spec.secrets.values() if s.env is not None]
    values = {name: f"e2e-{secrets.token_hex(12)}" for name in variables}
    folder = tmp_path_factory.mktemp("secrets")
    return Generated(
        built=built,
        compose=yaml.safe_load((built.out / "docker-compose.yml").read_text()),
        smoke=json.loads((built.out / "smoke" / "smoke.json").read_text()),
        secret_values=values,
        env_file=write_env_file(folder / "secrets.env", values),
    )


@pytest.fixture(scope="module")
def document() -> Document:
    """The reference spec as loaded, with the position of every key."""
    result = validate_file(SPEC)
    assert result.document is not None
    return result.document


def key_line(document: Document, *path: str) -> int:
    """The line of a key of the spec."""
    return document.key_span(path).start.line


# --- the servers ---------------------------------------------------------------------------


@contextlib.contextmanager
def start_postgres(generated: Generated, folder: Path) -> Iterator[int]:
    """A throwaway cluster in `folder`, made from the compose service's environment; its port.

    As root, `initdb` and `postgres` run as the `postgres` user (they refuse root), so
    `folder` and the password file are that user's.
    """
    initdb = need(pg_bin("initdb"), "initdb (Debian: postgresql)")
    server = need(pg_bin("postgres"), "postgres (Debian: postgresql)")
    psql = need(pg_bin("psql"), "psql (Debian: postgresql-client)")
    env = generated.environment(generated.target_of("postgres"))
    user, database = env["POSTGRES_USER"], env["POSTGRES_DB"]
    as_root = os.geteuid() == 0
    as_user = ["runuser", "-u", "postgres", "--"] if as_root else []
    data, password_file = folder / "data", folder / "password"
    password_file.touch(mode=0o600)
    password_file.write_text(env["POSTGRES_PASSWORD"] + "\n")
    if as_root:
        for path in (folder, password_file):
            shutil.chown(path, "postgres", "postgres")
    initialise = [*as_user, initdb, "-D", str(data), "-U", user, f"--pwfile={password_file}"]
    initialise += ["--auth-host=scram-sha-256", "--auth-local=trust"]
    done = subprocess.run(initialise, capture_output=True, text=True, timeout=120)
    password_file.unlink()
    assert done.returncode == 0, done.stderr
    port = free_port()
    argv = [*as_user, server, "-D", str(data), "-p", str(port), "-k", str(folder)]
    argv += ["-c", "listen_addresses=127.0.0.1"]
    sql = [*as_user, psql, "-h", str(folder), "-p", str(port), "-U", user, "-d", "postgres"]
    sql += ["-v", "ON_ERROR_STOP=1", "-q", "-c"]

    def ready() -> bool:
        return subprocess.run([*sql, "SELECT 1"], capture_output=True).returncode == 0

    with running(argv, folder.parent / "postgres.log", ready):
        create = subprocess.run(
            [*sql, f'CREATE DATABASE "{database}"'], capture_output=True, text=True, timeout=30
        )
        assert create.returncode == 0, create.stderr
        yield port


@pytest.fixture(scope="module")
def postgres(generated: Generated) -> Iterator[int]:
    """The cluster the tests share; none of them changes it."""
    # Not in pytest's temporary folders: they are private to the user running the tests,
    # and the server may run as another one.
    folder = Path(tempfile.mkdtemp(prefix="e2e-stack-pg-"))
    try:
        folder.chmod(0o755)
        (folder / "cluster").mkdir()
        with start_postgres(generated, folder / "cluster") as port:
            yield port
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Stack:
    """The running servers, by service name: their loopback addresses."""

    addresses: dict[str, str]
    dashboard_log: Path
    redis: subprocess.Popen[bytes]
    folder: Path


@contextlib.contextmanager
def start_redis(generated: Generated, folder: Path) -> Iterator[tuple[int, Any]]:
    command = generated.service(generated.target_of("redis-ping"))["command"]
    words = command.split() if isinstance(command, str) else [str(w) for w in command]
    binary = need(shutil.which(words[0]), f"{words[0]} (redis-server)")
    port = free_port()
    data = folder / "redis-data"
    data.mkdir()
    argv = [binary, *words[1:], "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data)]
    with running(argv, folder / "redis.log", lambda: pings(port)) as process:
        yield port, process


@contextlib.contextmanager
def start_dashboard(generated: Generated, folder: Path) -> Iterator[tuple[int, Path]]:
    built = generated.built
    assert built.spec.runtime is not None
    name = built.spec.runtime.service
    service = generated.service(name)
    root = folder / "container"
    for volume in service.get("volumes") or []:
        source, target = str(volume).split(":")[:2]
        if source.startswith("./"):
            placed = root / target.lstrip("/")
            placed.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(built.out / source, placed)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("API_KEY", "STAGESPEC_RUNTIME") and k not in generated.secret_values
    }
    env |= generated.environment(name)
    pythonpath = [str(root / p.lstrip("/")) for p in env.get("PYTHONPATH", "").split(":") if p]
    inherited = [os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []
    env["PYTHONPATH"] = os.pathsep.join([*pythonpath, *inherited])
    env["STAGESPEC_RUNTIME"] = built.spec.runtime.module
    port = free_port()
    argv = [sys.executable, str(DOCKERFILE_DIR / "serve.py"), "--host", "127.0.0.1"]
    argv += ["--port", str(port)]
    log = folder / "dashboard.log"
    health = f"http://127.0.0.1:{port}/health"
    with running(argv, log, lambda: answers(health), env=env):
        yield port, log


@contextlib.contextmanager
def start_prometheus(
    generated: Generated, folder: Path, addresses: Mapping[str, str]
) -> Iterator[int]:
    binary = need(PROMETHEUS, "prometheus (Debian: prometheus, 3.5 from unstable)")
    out = generated.built.out / "prometheus"
    name = generated.target_of("prometheus-rules")
    service = generated.service(name)
    port = free_port()
    own = f"127.0.0.1:{port}"
    config = yaml.safe_load((out / "prometheus.yml").read_text())
    targets = {}
    for job in config["scrape_configs"]:
        [host] = {t.split(":")[0] for s in job["static_configs"] for t in s["targets"]}
        targets[job["job_name"]] = own if host == "localhost" else addresses[host]
    rules = folder / "rules"
    shutil.copytree(out / "rules", rules)
    # The entrypoint writes the one variable of the service's environment to the key file.
    [key] = generated.environment(name).values()
    key_file = folder / "prometheus_key"
    key_file.write_text(key)
    config_file = folder / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(loopback_config(config, targets, rules, key_file)))
    moved = {"--config.file": config_file, "--storage.tsdb.path": folder / "tsdb"}
    argv = [binary]
    for word in service["command"]:
        option = str(word).split("=", 1)[0]
        argv.append(f"{option}={moved[option]}" if option in moved else str(word))
    assert {a.split("=", 1)[0] for a in argv} >= set(moved), argv
    argv.append(f"--web.listen-address={own}")
    with running(argv, folder / "prometheus.log", lambda: answers(f"http://{own}/-/ready")):
        yield port


@pytest.fixture
def stack(generated: Generated, postgres: int, tmp_path: Path) -> Iterator[Stack]:
    """Redis, the dashboard and Prometheus of this test, with the shared PostgreSQL."""
    loopback = "127.0.0.1"
    addresses = {generated.target_of("postgres"): f"{loopback}:{postgres}"}
    with contextlib.ExitStack() as servers:
        redis_port, redis = servers.enter_context(start_redis(generated, tmp_path))
        addresses[generated.target_of("redis-ping")] = f"{loopback}:{redis_port}"
        dashboard_port, log = servers.enter_context(start_dashboard(generated, tmp_path))
        assert generated.built.spec.runtime is not None
        addresses[generated.built.spec.runtime.service] = f"{loopback}:{dashboard_port}"
        prometheus = servers.enter_context(start_prometheus(generated, tmp_path, addresses))
        addresses[generated.target_of("prometheus-rules")] = f"{loopback}:{prometheus}"
        yield Stack(addresses, log, redis, tmp_path)


# --- the smoke suite -----------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    status: str
    name: str
    source: str
    line: int
    detail: str


@dataclass(frozen=True)
class SmokeRun:
    returncode: int
    output: str
    checks: dict[str, Check]
    junit: Path

    def failed(self) -> dict[str, Check]:
        return {n: c for n, c in self.checks.items() if c.status == "FAIL"}


def run_smoke(
    generated: Generated, stack: Stack, out: Path | None = None, env_file: Path | None = None
) -> SmokeRun:
    """The generated smoke suite of `out` (default: the built stack), run against `stack`."""
    out = out or generated.built.out
    junit = stack.folder / f"junit-{secrets.token_hex(4)}.xml"
    argv = [sys.executable, str(out / "smoke" / "smoke.py")]
    argv += ["--env-file", str(env_file or generated.env_file)]
    argv += ["--log-file", str(stack.dashboard_log), "--junit", str(junit), "--wait", SMOKE_WAIT]
    for name, address in stack.addresses.items():
        argv += ["--target", f"{name}={address}"]
    for pattern in GRAFANA_SKIPS:
        argv += ["--skip", pattern]
    env = {k: v for k, v in os.environ.items() if k not in generated.secret_values}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=out)
    output = done.stdout + done.stderr
    print(output)  # captured: shown with a failure, and with -s for the closing note
    for value in generated.secret_values.values():
        assert value not in output, "a secret value is in the smoke suite's output"
    lines = done.stdout.splitlines()
    checks = {}
    for text in lines[:-1]:
        match = LINE.match(text)
        assert match, f"not a check line: {text!r}"
        status, name, source, line, detail = match.groups()
        checks[name] = Check(status, name, source, int(line), detail)
    counts = {s: sum(c.status == s for c in checks.values()) for s in ("PASS", "FAIL", "SKIP")}
    assert lines[-1] == ", ".join(f"{n} {s.lower()}" for s, n in counts.items())
    return SmokeRun(done.returncode, output, checks, junit)


def assert_junit_matches(run: SmokeRun, generated: Generated) -> None:
    """The JUnit file parses and says what the output says, check by check."""
    from junitparser import Failure, JUnitXml, Skipped, TestSuite

    text = run.junit.read_text()
    for value in generated.secret_values.values():
        assert value not in text
    parsed = JUnitXml.fromfile(str(run.junit))
    [suite] = [parsed] if isinstance(parsed, TestSuite) else list(parsed)
    assert (suite.tests, suite.failures, suite.skipped, suite.errors) == (
        len(run.checks),
        len(run.failed()),
        sum(c.status == "SKIP" for c in run.checks.values()),
        0,
    )
    statuses = {}
    for case in suite:
        kinds = {type(r) for r in case.result}
        statuses[case.name] = "FAIL" if Failure in kinds else "SKIP" if Skipped in kinds else "PASS"
    assert statuses == {name: check.status for name, check in run.checks.items()}


def assert_only_failing(run: SmokeRun, expected: Mapping[str, int], source: str) -> None:
    """Exactly these checks fail, each naming its spec line; every other one passes."""
    assert run.returncode == 1, run.output
    failed = run.failed()
    assert set(failed) == set(expected), run.output
    for name, line in expected.items():
        assert (failed[name].source, failed[name].line) == (source, line), failed[name]
    assert {c.status for n, c in run.checks.items() if n not in expected} == {"PASS"}, run.output


# --- the tests -----------------------------------------------------------------------------


def test_smoke_suite_passes_on_the_running_stack(generated: Generated, stack: Stack) -> None:
    run = run_smoke(generated, stack)
    assert run.returncode == 0, run.output
    listed = [c["name"] for c in generated.smoke["checks"]]
    grafana = generated.target_of("grafana-datasource")
    of_grafana = {c["name"] for c in generated.smoke["checks"] if c.get("target") == grafana}
    skipped = {n for n in listed if any(fnmatch.fnmatchcase(n, p) for p in GRAFANA_SKIPS)}
    # The --skip patterns leave out exactly the grafana service's checks (its datasources
    # and its published port), and nothing skips for another reason: every other check
    # ran, in the suite's order, and passed.
    assert skipped == of_grafana and len(skipped) >= 2
    assert list(run.checks) == [name for name in listed if name not in skipped]
    assert {c.status for c in run.checks.values()} == {"PASS"}, run.output
    assert_junit_matches(run, generated)
    log = stack.dashboard_log.read_text()
    for value in generated.secret_values.values():
        assert value not in log, "a secret value is in the dashboard's log"


def test_wrong_key_fails_the_checks_that_send_it(
    generated: Generated, stack: Stack, document: Document, tmp_path: Path
) -> None:
    """The smoke run's key is not the dashboard's (Prometheus keeps the right one)."""
    spec = generated.built.spec
    assert spec.runtime is not None and spec.runtime.security.api_key is not None
    variable = spec.secrets[spec.runtime.security.api_key.secret].env
    assert variable is not None
    wrong = dict(generated.secret_values) | {variable: f"e2e-{secrets.token_hex(12)}"}
    run = run_smoke(generated, stack, env_file=write_env_file(tmp_path / "wrong.env", wrong))
    service = spec.runtime.service
    monitoring = {
        "an alert": key_line(document, "monitoring", "prometheus"),
        "a panel": key_line(document, "monitoring", "grafana"),
    }
    expected = {
        # 200 with the key that runtime.security.api_key names
        "api-key.valid": key_line(document, "runtime", "security", "api_key"),
        # /metrics with the scrape credentials of the service's metrics
        "metrics.format": key_line(document, "services", service, "metrics"),
        # the rate-limit check sends the key: 401 before the 429, where 200 is due
        "rate-limit": key_line(document, "runtime", "security", "rate_limit"),
    }
    # each metric that an alert (monitoring.prometheus) or a panel (.grafana) queries,
    # read from /metrics with the scrape credentials
    for check in generated.smoke["checks"]:
        if check["kind"] == "metric-present":
            by = "an alert" if check["queried_by"].startswith("an alert") else "a panel"
            expected[check["name"]] = monitoring[by]
    # Everything else passes: api-key.missing, api-key.wrong and metrics.auth send no key
    # or a made-up one and get their 401; Prometheus's target is up with the right key.
    assert_only_failing(run, expected, generated.smoke["source"])
    assert "HTTP 401, not 200" in run.checks["api-key.valid"].detail
    for name in expected.keys() - {"api-key.valid", "rate-limit"}:
        assert run.checks[name].detail.endswith("HTTP 401"), run.checks[name]
    assert "[401]" in run.checks["rate-limit"].detail
    assert run.checks[f"prometheus.target.{service}"].status == "PASS"
    assert_junit_matches(run, generated)


def test_redis_down_fails_the_redis_checks(
    generated: Generated, stack: Stack, document: Document
) -> None:
    stop(stack.redis)
    run = run_smoke(generated, stack)
    name = generated.target_of("redis-ping")
    checks = generated.smoke["checks"]
    [port] = [c["name"] for c in checks if c["kind"] == "tcp" and c["target"] == name]
    command = key_line(document, "services", name, "command")
    expected = {
        port: key_line(document, "services", name, "ports"),
        "redis.ping": key_line(document, "services", name),
        "redis.maxmemory": command,
        "redis.maxmemory-policy": command,
        "redis.appendonly": command,
    }
    assert_only_failing(run, expected, generated.smoke["source"])
    for check in expected:
        assert "refused" in run.checks[check].detail.lower(), run.checks[check]
    assert_junit_matches(run, generated)


def test_rate_limit_changed_but_not_redeployed_fails_the_rate_limit_check(
    generated: Generated, stack: Stack, document: Document, tmp_path: Path
) -> None:
    """The spec says fewer requests than the running dashboard allows: the check sees no 429."""
    path = ("runtime", "security", "rate_limit", "requests")
    deployed = document.data["runtime"]["security"]["rate_limit"]["requests"]
    changed = deployed // 2
    copy = tmp_path / "repo" / SPEC.relative_to(ROOT)
    copy.parent.mkdir(parents=True)
    # what the spec names relative to itself: the dashboard's build context
    (tmp_path / "repo" / "examples").symlink_to(ROOT / "examples")
    span = document.span(path)
    assert span.start.line == span.end.line
    lines = document.text.splitlines(keepends=True)
    row = lines[span.start.line - 1]
    assert row[span.start.column - 1 : span.end.column - 1] == str(deployed)
    lines[span.start.line - 1] = (
        row[: span.start.column - 1] + str(changed) + row[span.end.column - 1 :]
    )
    copy.write_text("".join(lines))
    out = tmp_path / "rebuilt" / "staging"
    argv = [sys.executable, "-m", "stagespec", "build", str(copy), "--env", "staging"]
    done = subprocess.run(
        [*argv, "--out", str(out)],
        cwd=tmp_path / "repo",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    changed_document = validate_file(copy).document
    assert changed_document is not None
    assert changed_document.data["runtime"]["security"]["rate_limit"]["requests"] == changed

    run = run_smoke(generated, stack, out=out)
    line = key_line(changed_document, "runtime", "security", "rate_limit")
    assert line == key_line(document, "runtime", "security", "rate_limit")
    rebuilt = json.loads((out / "smoke" / "smoke.json").read_text())
    assert_only_failing(run, {"rate-limit": line}, rebuilt["source"])
    assert f"the spec allows {changed}" in run.checks["rate-limit"].detail
    assert_junit_matches(run, generated)
