"""The smoke program's PostgreSQL and Redis checks against real servers on loopback.

PostgreSQL (Debian's `postgresql`): a throwaway cluster with one role per authentication
method (SCRAM-SHA-256, md5, trust); `initdb` and `postgres` refuse to run as root, so as
root they run as the `postgres` user, in a folder of its own. Redis (`redis-server`): the
reference spec's command, on a free port. Each server stops when its fixture ends.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from stagespec.engine.build import environment_spec
from stagespec.engine.validate import validate_file
from stagespec.plan.inputs import BuildInput
from stagespec.targets import smoke

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
PASSWORD = "canary-pw-51c0"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(ready: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not ready within {timeout:g}s")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The generated program of the reference stack, imported."""
    result = validate_file(REFERENCE)
    assert result.document is not None
    build = BuildInput(environment_spec(result.document, "staging"), "stack.yaml")
    path = tmp_path_factory.mktemp("smoke") / "smoke.py"
    path.write_bytes(smoke.render(build)[smoke.PROGRAM_PATH])
    found = importlib.util.spec_from_file_location("smoke_servers_program", path)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    sys.modules[found.name] = module
    found.loader.exec_module(module)
    return module


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


HBA = """\
local all all trust
host all scram_user 127.0.0.1/32 scram-sha-256
host all md5_user 127.0.0.1/32 md5
host all trust_user 127.0.0.1/32 trust
"""


@pytest.fixture(scope="module")
def postgres() -> Iterator[int]:
    """A cluster on a free loopback port with roles scram_user, md5_user and trust_user."""
    initdb, server, psql = _pg_bin("initdb"), _pg_bin("postgres"), _pg_bin("psql")
    if not (initdb and server and psql):
        pytest.skip("PostgreSQL is not installed (Debian: postgresql)")
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="smoke-pg-"))
    try:
        if as_user:
            shutil.chown(folder, "postgres", "postgres")
        data, sockets = folder / "data", folder
        subprocess.run(
            [*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        hba = data / "pg_hba.conf"
        hba.write_text(HBA)
        if as_user:
            shutil.chown(hba, "postgres", "postgres")
        port = _free_port()
        argv = [
            *as_user,
            server,
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(sockets),
            "-c",
            "listen_addresses=127.0.0.1",
        ]
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            sql = [
                *as_user,
                psql,
                "-h",
                str(sockets),
                "-p",
                str(port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
                "-c",
            ]
            _wait(
                lambda: subprocess.run([*sql, "SELECT 1"], capture_output=True).returncode == 0,
                "postgres",
            )
            for statement in (
                "SET password_encryption = 'scram-sha-256'; "
                f"CREATE ROLE scram_user LOGIN PASSWORD '{PASSWORD}'",
                "SET password_encryption = 'md5'; "
                f"CREATE ROLE md5_user LOGIN PASSWORD '{PASSWORD}'",
                "CREATE ROLE trust_user LOGIN",
                "CREATE DATABASE shop OWNER scram_user",
            ):
                subprocess.run([*sql, statement], check=True, capture_output=True, timeout=30)
            yield port
        finally:
            _stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.tools
@pytest.mark.parametrize(
    ("user", "method"),
    [("scram_user", "scram-sha-256"), ("md5_user", "md5"), ("trust_user", "trust")],
)
def test_postgres_query_with_each_auth_method(
    program: ModuleType, postgres: int, user: str, method: str
) -> None:
    sql = "SELECT current_user, current_database()"
    used, rows = program.postgres_query("127.0.0.1", postgres, user, "shop", PASSWORD, sql, 5.0)
    assert (used, rows) == (method, [[user, "shop"]])


@pytest.mark.tools
@pytest.mark.parametrize("user", ["scram_user", "md5_user"])
def test_postgres_wrong_password_is_refused(program: ModuleType, postgres: int, user: str) -> None:
    with pytest.raises(program.PostgresError, match="password authentication failed") as e:
        program.postgres_query("127.0.0.1", postgres, user, "shop", "wrong", "SELECT 1", 5.0)
    assert PASSWORD not in str(e.value)


def _check_lines(
    program: ModuleType, data: dict[str, Any], *argv: str, environ: dict[str, str]
) -> tuple[int, list[str]]:
    import io
    import json

    folder = Path(tempfile.mkdtemp(prefix="smoke-data-"))
    try:
        (folder / "smoke.json").write_text(json.dumps(data))
        out = io.StringIO()
        status = program.main(
            ["--data", str(folder / "smoke.json"), *argv], environ=environ, out=out
        )
    finally:
        shutil.rmtree(folder)
    return status, out.getvalue().splitlines()[:-1]


def _suite(checks: list[dict[str, Any]], **targets: int) -> dict[str, Any]:
    return {
        "format": 1,
        "source": "stack.yaml",
        "project": "p",
        "environment": "e",
        "variables": {},
        "secrets": {"pw": {"env": "PW"}},
        "targets": {name: {"port": port, "published": port} for name, port in targets.items()},
        "checks": checks,
    }


@pytest.mark.tools
def test_postgres_check_passes_and_fails_naming_its_line(
    program: ModuleType, postgres: int
) -> None:
    check = {
        "name": "db.query",
        "kind": "postgres",
        "line": 7,
        "target": "db",
        "user": {"text": "scram_user"},
        "database": {"text": "shop"},
        "password": {"secret": "pw"},
    }
    other = {**check, "name": "db.other", "line": 9, "database": {"text": "missing_db"}}
    status, lines = _check_lines(
        program,
        _suite([check, other], db=postgres),
        "--target",
        f"db=127.0.0.1:{postgres}",
        environ={"PW": PASSWORD},
    )
    assert status == 1
    assert lines[0] == (
        "PASS  db.query  (stack.yaml:7)  SELECT current_user, current_database()"
        " -> scram_user, shop (scram-sha-256 auth)"
    )
    assert lines[1].startswith("FAIL  db.other  (stack.yaml:9)  ")
    assert 'database "missing_db" does not exist' in lines[1]
    assert not any(PASSWORD in line for line in lines)


# --- Redis ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _redis(*flags: str) -> Iterator[int]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    folder = Path(tempfile.mkdtemp(prefix="smoke-redis-"))
    port = _free_port()
    argv = [
        server,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(folder),
        "--save",
        "",
        *flags,
    ]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def up() -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return True
        return False

    try:
        _wait(up, "redis-server")
        yield port
    finally:
        _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _reference_redis_checks() -> list[dict[str, Any]]:
    result = validate_file(REFERENCE)
    assert result.document is not None
    build = BuildInput(
        environment_spec(result.document, "staging"), "stack.yaml", document=result.document
    )
    import json

    data = json.loads(smoke.render(build)[smoke.DATA_PATH])
    return [c for c in data["checks"] if c["kind"] in ("redis-ping", "redis-config")]


@pytest.mark.tools
def test_redis_checks_of_the_reference_pass_against_its_command(program: ModuleType) -> None:
    checks = _reference_redis_checks()
    assert [c["name"] for c in checks] == [
        "redis.ping",
        "redis.maxmemory",
        "redis.maxmemory-policy",
        "redis.appendonly",
    ]
    flags = [word for c in checks[1:] for word in (f"--{c['setting']}", c["expected"])]
    with _redis(*flags) as port:
        status, lines = _check_lines(
            program, _suite(checks, redis=port), "--target", f"redis=127.0.0.1:{port}", environ={}
        )
    assert status == 0, lines
    assert [line.split("  ")[0] for line in lines] == ["PASS"] * 4


@pytest.mark.tools
def test_redis_config_that_differs_from_the_spec_fails(program: ModuleType) -> None:
    checks = _reference_redis_checks()
    with _redis("--maxmemory", "1gb", "--maxmemory-policy", "noeviction") as port:
        status, lines = _check_lines(
            program, _suite(checks, redis=port), "--target", f"redis=127.0.0.1:{port}", environ={}
        )
    assert status == 1
    results = {line.split("  ")[1]: line for line in lines}
    assert results["redis.ping"].startswith("PASS")
    assert results["redis.maxmemory"].startswith("FAIL")
    assert "maxmemory is 1073741824, the spec's command says" in results["redis.maxmemory"]
    assert results["redis.maxmemory-policy"].startswith("FAIL")


@pytest.mark.tools
def test_redis_auth(program: ModuleType) -> None:
    with _redis("--requirepass", PASSWORD) as port:
        client = program.Redis("127.0.0.1", port, 5.0)
        try:
            with pytest.raises(program.RedisError, match="NOAUTH"):
                client.command("PING")
            assert client.command("AUTH", PASSWORD) == "OK"
            assert client.command("CONFIG", "GET", "maxmemory-policy") == [
                "maxmemory-policy",
                "noeviction",
            ]
        finally:
            client.close()


@pytest.mark.parametrize(
    ("text", "size"),
    [("512mb", 512 * 1024**2), ("1g", 10**9), ("64MB", 64 * 1024**2), ("100", 100), ("3kb", 3072)],
)
def test_redis_sizes(program: ModuleType, text: str, size: int) -> None:
    assert program.redis_bytes(text) == size
