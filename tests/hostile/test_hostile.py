"""The hostile-input corpus, run through the real CLI: every case of `cases.yaml` is given to
`stagespec validate` (and, unless the loader alone refuses it, `stagespec build`) in
subprocesses, which must exit with the case's code and diagnostics, without a traceback,
within 2 seconds and 300 MB, and write nothing outside the output directory.

Each child's time and memory are its own: `os.wait4` returns the rusage of that one child.
Its time is the wall time less the time it was ready to run but waited for a CPU (from
/proc/<pid>/schedstat), so that a busy machine does not fail a case, and its CPU time, which
a busy machine does not change much. A child that goes over the CPU or memory limit, or
hangs, is killed at once, so a case that shows a bug fails fast instead of stalling the suite.
"""

from __future__ import annotations

import ast
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hostile_corpus import (
    FILES,
    GENERATORS,
    README,
    Case,
    load_cases,
    readme_with_table,
    render_table,
)

LIMIT_SECONDS = 2.0
LIMIT_BYTES = 300 * 1000 * 1000
HANG_SECONDS = 10.0  # a child that is neither done nor over the CPU limit by then hangs
MAX_OUTPUT = 64 * 1024  # a diagnostic quotes a bounded excerpt of its input, not all of it
POLL_SECONDS = 0.01

DIAGNOSTIC_LINE = re.compile(r"^.+?:\d+:\d+: (error|warning|info) (SS\d{3}) [a-z-]+: .+$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ENV_LINE = re.compile(r"^(#.*|[A-Za-z_][A-Za-z0-9_]*=.*|)$")
LOADER_CODES = {"SS001", "SS002", "SS004", "SS005", "SS006"}

CASES = load_cases()


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
        "import dataclasses, json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import test_hostile\n"
        "run = test_hostile.run_cli_here(sys.argv[3:], test_hostile.Path(sys.argv[2]))\n"
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


def listing(root: Path, skip: Path) -> list[str]:
    """Every path under `root`, except `skip` and what is in it."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p != skip and skip not in p.parents
    )


def case_param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.name, marks=marks)


# --- the checks on each run ------------------------------------------------------------


def check_limits(run: Run) -> None:
    assert run.killed is None, run.describe()
    assert "Traceback" not in run.stderr, run.describe()
    assert run.elapsed < LIMIT_SECONDS, run.describe()
    assert run.cpu < LIMIT_SECONDS, run.describe()
    assert run.peak_bytes < LIMIT_BYTES, run.describe()


def check_output_is_clean(run: Run, case: Case) -> None:
    for stream in (run.stdout, run.stderr):
        assert len(stream) <= MAX_OUTPUT, run.describe()
        assert not CONTROL.search(stream), f"a control character in the output\n{run.describe()}"
        for text in case.absent:
            assert text not in stream, f"{text!r} is in the output\n{run.describe()}"


def check_validate(run: Run, case: Case) -> None:
    """Exit code, and exactly the expected codes on well-formed diagnostic lines."""
    assert run.returncode == case.exit, run.describe()
    lines = run.stdout.splitlines()
    matches = [DIAGNOSTIC_LINE.match(line) for line in lines]
    assert all(matches), f"not a diagnostic line in the output\n{run.describe()}"
    codes = {m.group(2) for m in matches if m}
    assert codes == set(case.codes), run.describe()
    for position in case.at:
        assert f":{position}: " in run.stdout, run.describe()


def check_build(run: Run, case: Case) -> None:
    assert run.returncode == case.exit, run.describe()
    for code in case.codes:
        assert f" {code} " in run.stderr, run.describe()


def check_outputs_intact(out: Path, case: Case) -> None:
    """An accepted case's output parses: compose services, `.env` lines, Python modules."""
    [compose] = out.rglob("docker-compose.yml")
    data = yaml.safe_load(compose.read_text(encoding="utf-8"))
    assert sorted(data["services"]) == sorted(case.services)
    for env in out.rglob(".env*"):
        lines = env.read_text(encoding="utf-8").splitlines()
        assert all(ENV_LINE.match(line) for line in lines), lines
    for module in out.rglob("*.py"):
        ast.parse(module.read_text(encoding="utf-8"))
    written = "\n".join(p.read_text("utf-8") for p in out.rglob("*") if p.is_file())
    assert not any(text in written for text in case.absent)


# --- the tests -------------------------------------------------------------------------


def builds(case: Case) -> bool:
    """Whether `build` runs too: for every case the loader does not refuse on its own.

    A case refused by the loader (syntax, duplicate keys, limits, encoding, not a mapping)
    never reaches the model or an emitter, and `build` runs the same loader as `validate`.
    """
    return case.default_out or bool(set(case.codes) - LOADER_CODES) or not case.codes


def run_case(case: Case, spec: Path, tmp_path: Path, out: Path) -> list[Run]:
    """`validate` and, where it matters, `build`, side by side, in `tmp_path/work`."""
    work = tmp_path / "work"
    commands = [["validate", str(spec)]]
    if builds(case):
        commands.append(["build", str(spec)] + ([] if case.default_out else ["--out", str(out)]))
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        return list(pool.map(lambda args: run_cli(args, work), commands))


@pytest.mark.parametrize("case", [case_param(c) for c in CASES])
def test_hostile_case(case: Case, tmp_path: Path) -> None:
    (tmp_path / "input").mkdir()
    (tmp_path / "work").mkdir()
    spec = case.materialise(tmp_path / "input")
    if not spec.exists():
        pytest.skip(f"{spec} does not exist on this system")
    out = tmp_path / "work" / "generated" if case.default_out else tmp_path / "out"
    before = listing(tmp_path, out)
    try:
        runs = run_case(case, spec, tmp_path, out)
        assert listing(tmp_path, out) == before, "something was written outside the output"
    finally:  # generated inputs can be large: keep none in pytest's kept tmp dirs
        shutil.rmtree(tmp_path / "input")
    for run in runs:
        check_limits(run)
        check_output_is_clean(run, case)
    check_validate(runs[0], case)
    for run in runs[1:]:
        check_build(run, case)
    if case.exit == 0:
        check_outputs_intact(out, case)
    else:
        assert not out.exists(), "a spec with errors was built"


def test_corpus_is_large_enough_and_every_file_has_a_case() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "a case name is used twice"
    assert sum(1 for c in CASES if c.exit in (1, 2)) >= 60
    files = sorted(p.stem for p in FILES.iterdir())
    assert files == sorted(c.name for c in CASES if c.generated is None)
    assert sorted(GENERATORS) == sorted(c.name for c in CASES if c.generated is not None)
    for case in CASES:
        assert case.exit in (0, 1, 2), case.name
        assert case.name.startswith(("ok-", *case.codes)), f"{case.name}: named after its code"
        assert (case.exit == 0) == case.name.startswith("ok-"), case.name


def test_readme_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert readme_with_table(text, render_table(CASES)) == text, (
        "tests/hostile/README.md is stale: run `python tests/hostile/hostile_corpus.py`"
    )
