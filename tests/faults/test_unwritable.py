"""An output directory that cannot be written, or a full disk: a clear error, old output kept.

Each case makes the system refuse for real where a test can: a parent that is a regular
file (ENOTDIR), a read-only parent for a build that runs as another user (EACCES: as
root, which ignores permissions, the build runs in a forked child that drops to
`nobody`), and a file size limit (RLIMIT_FSIZE, so writing fails with EFBIG in the middle
of the output). A full disk, a read-only file system and an exhausted quota cannot be
made without mounting, so those errors are raised by a patched call instead.
Every case must end with `stagespec: error: cannot write ...`, exit code 2, no traceback,
and the previous output unchanged.
"""

from __future__ import annotations

import errno
import json
import os
import pwd
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from faultkit import REFERENCE, beside, tree

from stagespec.cli.main import main
from stagespec.engine import writer

USAGE = 2


@pytest.fixture
def work() -> Iterator[Path]:
    """A world-readable folder with the reference spec, so that `nobody` can read it too."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        folder.chmod(0o755)
        shutil.copy(REFERENCE, folder / "stack.yaml")
        (folder / "stack.yaml").chmod(0o644)
        yield folder


def _build(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", *args])
    return result.exit_code, result.output


def _assert_clear_error(code: int, output: str, reason: str) -> None:
    assert code == USAGE, output
    assert "Traceback" not in output
    last = output.strip().splitlines()[-1]
    assert last.startswith("stagespec: error: cannot write "), output
    assert reason in last, output


def _run(work: Path, *args: str, **popen: Any) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "stagespec", "build", *args]
    return subprocess.run(command, cwd=work, capture_output=True, text=True, **popen)


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        ("a-file/out", "a-file is not a directory"),
        ("a-file/sub/out", "Not a directory"),
    ],
)
def test_parent_that_is_a_file(work: Path, out: str, reason: str) -> None:
    (work / "a-file").write_text("not a folder\n")
    done = _run(work, "stack.yaml", "--out", out)
    _assert_clear_error(done.returncode, done.stderr, reason)
    assert (work / "a-file").read_text() == "not a folder\n"


def _as_nobody(args: list[str]) -> tuple[int, str]:
    """Run the CLI in a forked child that has dropped root for `nobody`."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        answer: list[object]
        try:
            os.close(read)
            nobody = pwd.getpwnam("nobody")
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            result = CliRunner().invoke(main, args)
            answer = [result.exit_code, result.output]
        except BaseException as e:  # reported, not raised: the child must not run pytest on
            answer = [-1, f"the child could not run as nobody: {e!r}"]
        finally:
            os.write(write, json.dumps(answer).encode())
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        reported = pipe.read()
    os.waitpid(child, 0)
    code, output = json.loads(reported)
    return int(code), str(output)


def test_read_only_parent(work: Path) -> None:
    out = work / "generated" / "out"
    assert _build(str(work / "stack.yaml"), "--out", str(out))[0] == 0  # also loads every module
    before = tree(out)
    out.parent.chmod(0o555)
    out.chmod(0o555)
    try:
        args = ["build", str(work / "stack.yaml"), "--out", str(out)]
        code, output = _as_nobody(args) if os.geteuid() == 0 else _build(*args[1:])
    finally:
        out.parent.chmod(0o755)
        out.chmod(0o755)
    _assert_clear_error(code, output, f"Permission denied: {out.parent}")
    assert tree(out) == before
    assert beside(out) == ["out"]


def test_file_size_limit_in_the_middle_of_a_build(work: Path) -> None:
    out = work / "generated" / "out"
    assert _run(work, "stack.yaml", "--out", str(out)).returncode == 0
    before = tree(out)
    limit = max(len(content) for content in before.values()) // 2

    def limited() -> None:  # runs in the child, before it starts Python
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of dying
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = _run(work, "stack.yaml", "--out", str(out), preexec_fn=limited)
    _assert_clear_error(done.returncode, done.stderr, "File too large")
    assert tree(out) == before
    assert _run(work, "stack.yaml", "--out", str(out)).returncode == 0
    assert beside(out) == ["out"]


@pytest.mark.parametrize(
    ("call", "code"),
    [
        ("write", errno.ENOSPC),
        ("fsync", errno.ENOSPC),
        ("write", errno.EDQUOT),
        ("mkdir", errno.EROFS),
        ("rename", errno.EROFS),
    ],
)
def test_full_disk_read_only_file_system_and_quota(
    work: Path, monkeypatch: pytest.MonkeyPatch, call: str, code: int
) -> None:
    out = work / "generated" / "out"
    assert _build(str(work / "stack.yaml"), "--out", str(out))[0] == 0
    before = tree(out)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))

    if call == "write":

        class Full:
            def __init__(self, *args: Any) -> None:
                pass

            def __enter__(self) -> Full:
                return self

            def __exit__(self, *exc: object) -> None:
                pass

            write = refuse

        monkeypatch.setattr(writer, "open", Full, raising=False)
    else:
        monkeypatch.setattr(os, call, refuse)
        if call == "rename":
            monkeypatch.setattr(writer, "_exchange", lambda a, b: False)
    exit_code, output = _build(str(work / "stack.yaml"), "--out", str(out))
    monkeypatch.undo()
    _assert_clear_error(exit_code, output, os.strerror(code))
    assert tree(out) == before
    assert _build(str(work / "stack.yaml"), "--out", str(out))[0] == 0
    assert beside(out) == ["out"]
