"""A build that fails at any one system call leaves the old output or the new one.

Every call the writer makes to the file system (mkdir, open, write, flush, fsync,
rename, the renameat2 swap, scandir, unlink, rmdir, flock) is counted, and the k-th one
raises, for every k until a build makes fewer than k calls. After each failure the output
directory must hold exactly the old tree or exactly the new one, byte for byte; the
error must be one of stagespec's own; and the next build must clean up whatever the
failed one left beside the output.
"""

from __future__ import annotations

import errno
import fcntl
import itertools
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from faultkit import NEW, OLD, beside, manifests_hold, tree

from stagespec.engine import writer
from stagespec.engine.writer import write_tree
from stagespec.errors import OutputError

_OS_CALLS = ("mkdir", "open", "fsync", "rename", "scandir", "unlink", "rmdir")


@pytest.fixture(autouse=True)
def _no_disk_flush(monkeypatch: pytest.MonkeyPatch) -> None:
    """fsync does nothing here: these tests check what each call's failure leaves, not
    durability, and their hundreds of builds would otherwise wait for the disk ~15 times each.
    """
    monkeypatch.setattr(os, "fsync", lambda fd: None)


class FaultPlan:
    """Counts the calls it sees and makes the `fail_at`-th one raise OSError(`code`)."""

    def __init__(self, fail_at: int, code: int) -> None:
        self.fail_at = fail_at
        self.code = code
        self.calls = 0
        self.fired: str | None = None

    def tick(self, name: str) -> None:
        self.calls += 1
        if self.calls == self.fail_at:
            self.fired = name
            raise OSError(self.code, os.strerror(self.code))

    def wrap(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.tick(name)
            return real(*args, **kwargs)

        return counted


class _Handle:
    """A file opened by the writer, whose write and flush count as calls."""

    def __init__(self, inner: Any, plan: FaultPlan) -> None:
        self._inner = inner
        self._plan = plan

    def __enter__(self) -> _Handle:
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.close()

    def write(self, data: bytes) -> int:
        self._plan.tick("write")
        return int(self._inner.write(data))

    def flush(self) -> None:
        self._plan.tick("flush")
        self._inner.flush()

    def fileno(self) -> int:
        return int(self._inner.fileno())


@contextmanager
def failing(plan: FaultPlan, swap: str) -> Iterator[None]:
    """Route the writer's system calls through `plan` while the block runs."""
    with pytest.MonkeyPatch.context() as patch:
        for name in _OS_CALLS:
            patch.setattr(os, name, plan.wrap(f"os.{name}", getattr(os, name)))
        patch.setattr(fcntl, "flock", plan.wrap("flock", fcntl.flock))

        def opened(*args: Any, **kwargs: Any) -> _Handle:
            plan.tick("open file")
            return _Handle(open(*args, **kwargs), plan)  # _Handle closes it

        patch.setattr(writer, "open", opened, raising=False)
        real_exchange = writer._exchange
        if swap == "two renames":  # the path of systems without renameat2

            def exchange(a: Path, b: Path) -> bool:
                plan.tick("renameat2")
                return False

        else:

            def exchange(a: Path, b: Path) -> bool:
                plan.tick("renameat2")
                return real_exchange(a, b)

        patch.setattr(writer, "_exchange", exchange)
        yield


def _attempt(out: Path, plan: FaultPlan, swap: str) -> OutputError | None:
    with failing(plan, swap):
        try:
            write_tree(out, NEW)
        except OutputError as e:
            return e
    return None


@pytest.mark.parametrize(
    ("swap", "code"), [("renameat2", errno.ENOSPC), ("two renames", errno.EIO)]
)
def test_a_failure_at_any_call_leaves_the_old_or_the_new_output(
    tmp_path: Path, swap: str, code: int
) -> None:
    out = tmp_path / "generated" / "demo"
    write_tree(out, OLD)
    seen: Counter[str] = Counter()
    for k in itertools.count(1):
        plan = FaultPlan(k, code)
        error = _attempt(out, plan, swap)
        if plan.fired is None:  # the build made fewer than k calls: nothing failed
            assert error is None
            break
        now = tree(out)
        assert now in (OLD, NEW), f"call {k} ({plan.fired}) left a mix"
        assert manifests_hold(out)
        if error is not None:
            assert os.strerror(code) in str(error)
        seen["new" if now == NEW else "old"] += 1
        write_tree(out, OLD)  # the next build cleans up and starts again from the old tree
        assert beside(out) == ["demo"], f"call {k} ({plan.fired}) left {beside(out)}"
    assert tree(out) == NEW
    assert beside(out) == ["demo"]
    assert k > 40, "the writer made suspiciously few calls"
    assert seen["old"] > 20 and seen["new"] >= 1


@pytest.mark.parametrize("swap", ["renameat2", "two renames"])
def test_a_failure_of_a_first_build_leaves_no_output_or_all_of_it(
    tmp_path: Path, swap: str
) -> None:
    for k in itertools.count(1):
        out = tmp_path / f"round-{k}" / "demo"
        plan = FaultPlan(k, errno.EIO)
        _attempt(out, plan, swap)
        if plan.fired is None:
            break
        assert tree(out) == NEW or not os.path.lexists(out), f"call {k} ({plan.fired})"
        write_tree(out, NEW)
        assert beside(out) == ["demo"]
    assert tree(out) == NEW
    assert k > 30
