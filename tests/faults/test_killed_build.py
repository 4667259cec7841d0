"""A `stagespec build` killed with SIGKILL at any moment leaves the old output or the new one.

The build runs as a real process on a generated spec of many services. It is killed
halfway through the time a `validate` of the same spec takes, and, to hit the few
milliseconds in which files are written, as soon as its staging folder appears, holds
some files, holds all of them, and right after the swap. After each kill the output
directory must equal the old build or the new one, byte for byte, manifests included;
what the killed build left beside it must be gone after the next build.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from faultkit import ROOT, beside, manifests_hold, tree

from stagespec.engine.build import render_all
from stagespec.engine.writer import write_tree
from stagespec.load.document import load_path

SERVICES = 200
GENSPEC = ROOT / "benchmarks" / "genspec.py"


@dataclass(frozen=True)
class Builds:
    """A folder with an old and a new spec, and the trees a full build of each writes."""

    work: Path
    old: dict[str, bytes]
    new: dict[str, bytes]
    seconds: float

    @property
    def out(self) -> Path:
        return self.work / "generated" / "out"

    def command(self, spec: str, out: Path) -> list[str]:
        return [sys.executable, "-m", "stagespec", "build", spec, "--out", str(out)]


def _spec(work: Path, name: str, services: int) -> None:
    text = subprocess.run(
        [sys.executable, str(GENSPEC), str(services)],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    (work / name).write_text(text)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    work = tmp_path_factory.mktemp("killed")
    _spec(work, "old.yaml", SERVICES - 1)
    _spec(work, "new.yaml", SERVICES)
    trees = []
    for name in ("old", "new"):
        # In this process, as the CLI would write them from `work` (the last test checks it).
        out = work / "generated" / f"reference-{name}"
        doc = load_path(work / f"{name}.yaml")
        with _cwd(work):
            write_tree(out, render_all(doc, Path(f"{name}.yaml"), out))
        trees.append(tree(out))
    assert trees[0] != trees[1] and len(trees[1]) > 8
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "stagespec", "validate", "new.yaml"], cwd=work, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    return Builds(work, trees[0], trees[1], time.monotonic() - started)


@contextmanager
def _cwd(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _staging_files(out: Path) -> int:
    """Files in the build's staging folders beside `out`; -1 while there is none."""
    found = -1
    for name in os.listdir(out.parent):
        if name.startswith(f".{out.name}.new-"):
            found = max(found, 0) + sum(len(f) for _, _, f in os.walk(out.parent / name))
    return found


def _after(seconds: float) -> Callable[[Path, float, int], bool]:
    return lambda out, elapsed, inode: elapsed >= seconds


def _staging_holds(count: int) -> Callable[[Path, float, int], bool]:
    return lambda out, elapsed, inode: _staging_files(out) >= count


def _swapped(out: Path, elapsed: float, inode: int) -> bool:
    return os.stat(out).st_ino != inode


TRIGGERS: dict[str, Callable[[Builds], Callable[[Path, float, int], bool]]] = {
    "halfway through a build": lambda b: _after(0.5 * b.seconds),
    "when the staging folder appears": lambda b: _staging_holds(0),
    "after 5 files": lambda b: _staging_holds(5),
    "after every file": lambda b: _staging_holds(len(b.new)),
    "right after the swap": lambda b: _swapped,
}


def _run_and_kill(builds: Builds, trigger: Callable[[Path, float, int], bool]) -> bool:
    """Start a build of the new spec, SIGKILL it when `trigger` holds; True if it was killed."""
    inode = os.stat(builds.out).st_ino
    process = subprocess.Popen(
        builds.command("new.yaml", builds.out),
        cwd=builds.work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = time.monotonic()
    try:
        while process.poll() is None:
            if trigger(builds.out, time.monotonic() - started, inode):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.0002)
    finally:
        process.wait(timeout=120)
    return process.returncode == -signal.SIGKILL


def test_a_killed_build_leaves_the_old_or_the_new_output(builds: Builds) -> None:
    outcomes = []
    for name, make in TRIGGERS.items():
        write_tree(builds.out, builds.old)  # also removes what the last kill left
        assert beside(builds.out) == ["out", "reference-new", "reference-old"]
        killed = _run_and_kill(builds, make(builds))
        left = tree(builds.out)
        assert left in (builds.old, builds.new), f"killed {name}: a mix of old and new"
        assert manifests_hold(builds.out)
        extra = [n for n in beside(builds.out) if n.startswith(".")]
        outcomes.append((name, killed, "new" if left == builds.new else "old", extra))
    assert any(killed and extra for _, killed, _, extra in outcomes), (
        f"no kill landed while files were being written: {outcomes}"
    )
    done = subprocess.run(
        builds.command("new.yaml", builds.out), cwd=builds.work, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert tree(builds.out) == builds.new
    assert beside(builds.out) == ["out", "reference-new", "reference-old"]
