"""Helpers of the end-to-end tests: free ports, bounded waits, servers that always stop, HTTP."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from stagespec.model.spec import Spec

T = TypeVar("T")

STOP_TIMEOUT = 10.0
"""Seconds a server gets to exit after SIGTERM before it is killed."""


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(
    probe: Callable[[], T | None], what: str, timeout: float, interval: float = 0.1
) -> T:
    """Poll `probe` until it returns something other than None or False; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result is not None and result is not False:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"{what}: not within {timeout:g}s")
        time.sleep(interval)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT; reaped either way."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)


@contextlib.contextmanager
def running(
    argv: Sequence[str],
    log: Path,
    ready: Callable[[], bool],
    timeout: float = 20.0,
    env: Mapping[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, ready when `ready()` is true; stopped on leaving, whatever happened."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env
        )

    def up() -> bool:
        if process.poll() is not None:
            pytest.fail(f"{argv[0]} exited with {process.returncode}:\n{tail(log)}")
        return ready()

    try:
        wait_until(up, f"{argv[0]} ready", timeout)
        yield process
    finally:
        stop(process)
        # Captured, so pytest shows it only with a failing test.
        print(f"--- last lines of {Path(argv[0]).name}'s log ---\n{tail(log)}")


def tail(log: Path, lines: int = 30) -> str:
    """The last lines of a server's log, for a failure message."""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def http(
    method: str, url: str, headers: Mapping[str, str] | None = None, timeout: float = 5.0
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request: status, headers and body, also for 4xx/5xx answers."""
    request = urllib.request.Request(url, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def http_json(method: str, url: str, headers: Mapping[str, str] | None = None) -> Any:
    """The JSON body of a request that must answer 200."""
    status, _, body = http(method, url, headers)
    assert status == 200, f"{method} {url}: {status} {body[:300]!r}"
    return json.loads(body)


def answers(url: str) -> bool:
    """Whether GET `url` answers 200 now."""
    try:
        return http("GET", url, timeout=1.0)[0] == 200
    except OSError:
        return False


@dataclass(frozen=True)
class Built:
    """The reference stack's files for one environment, as `stagespec build` writes them."""

    spec: Spec
    out: Path

    @property
    def runtime_module(self) -> Path:
        """The generated runtime module's file."""
        assert self.spec.runtime is not None
        return self.out / f"{self.spec.runtime.module}.py"


@dataclass(frozen=True)
class Dashboard:
    """A running example dashboard."""

    url: str
    api_key: str

    @property
    def address(self) -> str:
        """host:port, as a Prometheus target."""
        return self.url.removeprefix("http://")

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        """GET a path, with these headers."""
        return http("GET", self.url + path, headers)

    def post(self, path: str) -> Any:
        """POST to a path with the API key; the JSON answer."""
        return http_json("POST", self.url + path, {"X-API-Key": self.api_key})

    def health(self) -> Any:
        """The `/health` body."""
        return http_json("GET", self.url + "/health")
