"""Running `stagespec` in a child process and measuring it, for the hostile-input corpus.

Kept apart from `test_hostile.py` so that the small interpreter `run_cli` starts imports
only this (not pytest): that interpreter's size is the floor under every child's peak.

Each child's time and memory are its own: `os.wait4` returns the rusage of that one child.
Its time is the wall time less the time it was ready to run but waited for a CPU (from
/proc/<pid>/schedstat), so that a busy machine does not fail a case, and its CPU time, which
a busy machine does not change much. A child that goes over the CPU or memory limit, or
hangs, is killed at once, so a case that shows a bug fails fast instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LIMIT_SECONDS = 2.0
LIMIT_BYTES = 300 * 1000 * 1000
HANG_SECONDS = 10.0  # a child that is neither done nor over the CPU limit by then hangs
POLL_SECONDS = 0.01


@dataclass(frozen=True)
class Run:
    """One finished child: its answer and what it cost."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    wall: float
    waiting: float  # of `wall`, the time it was ready to run but had no CPU
    cpu: float
    peak_bytes: int
    killed: str | None  # why the helper killed it, if it did

    @property
    def elapsed(self) -> float:
        """Wall time without the time a busy machine made it wait for a CPU."""
        return self.wall - self.waiting

    def describe(self) -> str:
        killed = f", killed: {self.killed}" if self.killed else ""
        return (
            f"stagespec {' '.join(self.args)} -> exit {self.returncode}, {self.elapsed:.2f} s "
            f"({self.wall:.2f} s wall, {self.waiting:.2f} s waiting for a CPU), {self.cpu:.2f} s "
            f"CPU, {self.peak_bytes / 1e6:.0f} MB{killed}\n"
            f"--- stdout ---\n{self.stdout[:2000]}\n--- stderr ---\n{self.stderr[:2000]}"
        )


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    return {**env, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass
class _Usage:
    """What /proc says about a running child (zeros where /proc has nothing)."""

    cpu: float = 0.0
    rss: int = 0
    waiting: float = 0.0

    @classmethod
    def of(cls, pid: int, before: _Usage) -> _Usage:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            # schedstat: ns on a CPU, ns runnable but waiting for one, time slices
            waited = int(Path(f"/proc/{pid}/schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            return before  # the child is exiting: keep the last sample
        cpu = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        return cls(cpu, pages * os.sysconf("SC_PAGE_SIZE"), waited / 1e9)

    def over_limit(self, elapsed: float) -> str | None:
        if self.cpu > LIMIT_SECONDS:
            return f"over {LIMIT_SECONDS} s of CPU"
        if self.rss > LIMIT_BYTES:
            return f"over {LIMIT_BYTES / 1e6:.0f} MB resident"
        if elapsed > HANG_SECONDS:
            return f"still running after {HANG_SECONDS} s"
        return None


def _watch(
    proc: subprocess.Popen[bytes], start: float
) -> tuple[resource.struct_rusage, _Usage, str | None]:
    """Reap `proc` with wait4, killing it as soon as it goes over a limit or hangs."""
    usage, killed = _Usage(), None
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not reap it again
            return rusage, usage, killed
        usage = _Usage.of(proc.pid, usage)
        if killed is None:
            killed = usage.over_limit(time.monotonic() - start - usage.waiting)
            if killed:
                os.kill(proc.pid, signal.SIGKILL)
        time.sleep(POLL_SECONDS)


def run_cli(args: Sequence[str], cwd: Path) -> Run:
    """Run and measure `python -m stagespec ARGS` in `cwd`, from a fresh, small process.

    A child's peak resident size starts from the high-water mark of the process it was
    forked from (the kernel copies it at fork and keeps it across exec), so a child of
    pytest, which grows past 300 MB over a whole run, would be charged pytest's peak. The
    grandchild of a fresh interpreter starts from that interpreter's few megabytes."""
    code = (
        "import dataclasses, json, pathlib, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import hostile_watch\n"
        "run = hostile_watch.run_cli_here(sys.argv[3:], pathlib.Path(sys.argv[2]))\n"
        "print(json.dumps(dataclasses.asdict(run)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent), str(cwd), *args],
        capture_output=True,
        check=True,
        text=True,
        env=_child_env(),
        timeout=60,
    )
    fields = json.loads(done.stdout)
    fields["args"] = tuple(fields["args"])
    return Run(**fields)


def run_cli_here(args: Sequence[str], cwd: Path) -> Run:
    """Run `python -m stagespec ARGS` in `cwd` as a child of this process, and measure it."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "stagespec", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=_child_env(),
        )
        rusage, usage, killed = _watch(proc, start)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    cpu = rusage.ru_utime + rusage.ru_stime
    peak = rusage.ru_maxrss * 1024  # KiB on Linux
    return Run(tuple(args), proc.returncode, stdout, stderr, wall, usage.waiting, cpu, peak, killed)
