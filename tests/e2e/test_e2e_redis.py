"""A real Redis, started with the `command` the spec gives its redis service.

The container command is translated into a host invocation: its first word,
`redis-server`, becomes the host's binary, and `--port <free port> --bind 127.0.0.1
--dir <temporary folder>` are appended (the container listens on 6379 inside its own
network and keeps its data in the `/data` volume; here the port is a free loopback one
and the data a temporary folder). Redis applies its options in order, so the appended
ones win should the spec ever set them; every other option is the spec's, unchanged.
"""

from __future__ import annotations

import re
import shlex
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from e2e_support import Built, free_port, running

pytestmark = [pytest.mark.e2e, pytest.mark.tools]

REDIS_SERVER = shutil.which("redis-server")
SERVICE = "redis"
CHECKED = ("maxmemory", "maxmemory-policy", "appendonly")
"""The settings the spec's command sets and the test reads back with CONFIG GET."""


class RedisError(Exception):
    """Redis answered with an error."""


def _reply(stream: BinaryIO) -> object:
    """One RESP2 reply, read from the stream."""
    line = stream.readline()
    if not line.endswith(b"\r\n"):
        raise RedisError(f"connection closed mid-reply: {line!r}")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else stream.read(size + 2)[:-2].decode()
    if kind == b"*":
        return [_reply(stream) for _ in range(int(rest))]
    raise RedisError(f"unknown reply {line!r}")


def redis(port: int, *words: str) -> object:
    """Send one command to Redis on the loopback port; its reply."""
    request = f"*{len(words)}\r\n" + "".join(f"${len(w.encode())}\r\n{w}\r\n" for w in words)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request.encode())
        with sock.makefile("rb") as stream:
            return _reply(stream)


def pings(port: int) -> bool:
    """Whether Redis answers PING, as the spec's healthcheck `redis-cli ping` asks."""
    try:
        return redis(port, "PING") == "PONG"
    except OSError:
        return False


def redis_bytes(value: str) -> int:
    """A Redis memory size in bytes: 1k = 1000, 1kb = 1024, and so on (redis.conf's units)."""
    match = re.fullmatch(r"(\d+)(?:([kmg])(b?))?", value.lower())
    assert match, f"not a Redis memory size: {value!r}"
    number, unit, binary = match.groups()
    if unit is None:
        return int(number)
    factor: int = (1024 if binary else 1000) ** ("kmg".index(unit) + 1)
    return int(number) * factor


def command_options(command: list[str]) -> dict[str, str]:
    """`--name value` pairs of a redis-server command line, by name."""
    words = command[1:]
    assert len(words) % 2 == 0 and all(w.startswith("--") for w in words[::2]), words
    pairs = zip(words[::2], words[1::2], strict=True)
    return {name.removeprefix("--"): value for name, value in pairs}


def spec_command(built: Built) -> list[str]:
    """The redis service's `command` in the spec, as a list of words."""
    command = built.spec.services[SERVICE].command
    assert command is not None, f"the spec gives service {SERVICE!r} no command"
    return shlex.split(command) if isinstance(command, str) else list(command)


@pytest.fixture
def redis_port(built: Built, tmp_path: Path) -> Iterator[int]:
    """Redis started with the spec's command, translated as the module docstring says."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    command = spec_command(built)
    assert Path(command[0]).name == "redis-server", command
    port = free_port()
    data = tmp_path / "data"
    data.mkdir()
    argv = [REDIS_SERVER, *command[1:]]
    argv += ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(data)]
    with running(argv, tmp_path / "redis.log", lambda: pings(port)):
        yield port


def test_redis_runs_with_the_settings_of_the_spec_command(built: Built, redis_port: int) -> None:
    options = command_options(spec_command(built))
    assert set(CHECKED) <= set(options), "the spec's redis command no longer sets these"
    expected = {name: options[name] for name in CHECKED}
    expected["maxmemory"] = str(redis_bytes(expected["maxmemory"]))
    actual = {}
    for name in CHECKED:
        reply = redis(redis_port, "CONFIG", "GET", name)
        assert isinstance(reply, list) and reply[0] == name, reply
        actual[name] = reply[1]
    assert actual == expected
    assert expected == {
        "maxmemory": str(64 * 1024 * 1024),
        "maxmemory-policy": "allkeys-lru",
        "appendonly": "yes",
    }


def test_redis_appends_writes_to_its_data_folder(built: Built, redis_port: int) -> None:
    assert redis(redis_port, "SET", "stagespec:e2e", "1") == "OK"
    assert redis(redis_port, "GET", "stagespec:e2e") == "1"
    dir_reply = redis(redis_port, "CONFIG", "GET", "dir")
    assert isinstance(dir_reply, list)
    append_dir = Path(dir_reply[1]) / "appendonlydir"
    assert any(append_dir.glob("*.aof")), f"no append-only file in {append_dir}"
