"""Every file stagespec reads is read one way: bounded, once, refused with a reason.

Each command that reads a file other than a spec (a config given or found, an env file,
a compose file to import, a spec to format) is given an input that never ends, a sparse
file of 3 GiB, a FIFO and a directory; the answer is a clean exit 2 within seconds, the
stream read no further than the limit and once. The commands run in subprocesses with a
timeout, so that a reader that reads everything fails the test instead of hanging it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from faultkit import REFERENCE

from stagespec.load.readfile import MAX_BYTES, ReadError, read_bytes, read_text

TIMEOUT = 60
GIB = 1 << 30


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stagespec", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _refused(done: subprocess.CompletedProcess[str], reason: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert reason in done.stderr + done.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository with the reference spec; the checks stop at its `.git`."""
    (tmp_path / ".git").mkdir()
    shutil.copy(REFERENCE, tmp_path / "stack.yaml")
    return tmp_path


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(size)  # a hole: nothing is written to the disk
    return path


TOO_LARGE = "file is larger than 8 MiB"


@pytest.mark.parametrize(
    "command",
    [
        ("validate", "--config", "/dev/zero", "stack.yaml"),
        ("import", "/dev/zero", "-o", "imported.yaml"),
        ("fmt", "/dev/zero"),
        ("fmt", "--check", "/dev/zero"),
        ("env", "check", "stack.yaml", "--env", "staging", "--env-file", "/dev/zero"),
    ],
    ids=["validate-config", "import", "fmt", "fmt-check", "env-file"],
)
def test_an_endless_input_is_refused_at_the_limit(project: Path, command: tuple[str, ...]) -> None:
    started = time.monotonic()
    _refused(_run(*command, cwd=project), TOO_LARGE)
    assert time.monotonic() - started < TIMEOUT / 2
    assert not (project / "imported.yaml").exists()


@pytest.mark.parametrize("found", ["beside the spec", "in a folder above"])
def test_a_3_gib_config_found_by_discovery_is_refused_by_its_size(
    project: Path, found: str
) -> None:
    spec = project / "stack.yaml"
    if found == "in a folder above":
        (project / "sub").mkdir()
        spec = spec.rename(project / "sub" / "stack.yaml")
    config = _sparse(project / ".stagespec.yaml", 3 * GIB)
    started = time.monotonic()
    done = _run("validate", str(spec), cwd=project)
    _refused(done, f"{config}:1:1: {TOO_LARGE}")
    assert time.monotonic() - started < 10  # refused by its size: not a byte is read
    assert config.stat().st_blocks == 0  # still a hole: nothing was written either


@contextlib.contextmanager
def _fifo(path: Path, data: bytes, endless: bool = False) -> Iterator[None]:
    """A FIFO at `path` written once, as a shell's `<(...)` is: `data`, or `data` forever.

    Its one writer goes when the reader closes, so a second open by the reader would
    block until the subprocess' timeout: a FIFO read twice fails the test.
    """
    os.mkfifo(path)

    def feed() -> None:
        with contextlib.suppress(OSError), open(path, "wb") as pipe:  # waits for a reader
            pipe.write(data)
            while endless:
                pipe.write(data)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield
    finally:
        if thread.is_alive():  # no reader came: open it once so that the writer can go
            with contextlib.suppress(OSError):
                os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        thread.join(timeout=5)


def test_an_env_file_from_a_process_substitution_is_read_once(project: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.endswith(("_PASSWORD", "_KEY"))}
    fifo = project / "env.fifo"
    command = ["env", "check", "stack.yaml", "--env", "staging", "--env-file", str(fifo)]
    with _fifo(fifo, b"POSTGRES_PASSWORD=from-the-pipe\n"):
        done = subprocess.run(
            [sys.executable, "-m", "stagespec", *command],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            env=environ,
        )
    assert "Traceback" not in done.stderr
    assert "does not exist" not in done.stderr
    assert f"from {fifo}" in done.stdout, done.stdout + done.stderr
    assert "from-the-pipe" not in done.stdout + done.stderr


# --- the reader itself ------------------------------------------------------------------


def test_a_file_of_exactly_the_limit_is_read_and_one_byte_more_is_not(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_bytes(path, limit=100) == b"x" * 100
    with pytest.raises(ReadError, match="larger than 99 bytes"):
        read_bytes(path, limit=99)
    assert MAX_BYTES == 8 * 1024 * 1024


def test_an_endless_stream_is_read_one_byte_past_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "endless"
    with _fifo(fifo, b"y" * 4096, endless=True), pytest.raises(ReadError, match="than 1 MiB"):
        read_bytes(fifo, limit=1 << 20)


def test_a_stream_under_the_limit_is_read_whole(tmp_path: Path) -> None:
    fifo = tmp_path / "short"
    with _fifo(fifo, "KEY=välue\n".encode()):
        assert read_text(fifo) == "KEY=välue\n"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.mkdir(), "is a directory, not a file"),
        (lambda p: None, "no such file"),
        (lambda p: p.symlink_to(p), "its path goes through a loop of symbolic links"),
        (lambda p: p.write_bytes(b"ok\n\xff\xfe"), "file is not UTF-8 text (line 2, column 1)"),
    ],
    ids=["directory", "missing", "symlink-loop", "not-utf-8"],
)
def test_what_cannot_be_read_is_said(tmp_path: Path, make: object, reason: str) -> None:
    path = tmp_path / "input"
    make(path)  # type: ignore[operator]
    with pytest.raises(ReadError) as caught:
        read_text(path)
    assert str(caught.value) == f"cannot read {path}: {reason}"
    assert "\xff" not in str(caught.value) and "0xff" not in str(caught.value)


def test_a_file_beneath_a_file_is_said_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    with pytest.raises(ReadError, match="Not a directory"):
        read_bytes(tmp_path / "plain" / "input")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to become another user")
def test_an_unreadable_file_is_said_so(tmp_path: Path) -> None:
    # Root reads a file of any mode: the child gives up root to meet a refusal.
    path = tmp_path / "secret"
    path.write_text("x")
    path.chmod(0)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.setuid(65534)
        try:
            read_bytes(path)
        except ReadError as e:
            os._exit(0 if e.reason == "Permission denied" and e.errno is not None else 1)
        os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
