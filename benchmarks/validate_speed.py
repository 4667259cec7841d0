"""Cold `stagespec validate` against `check-jsonschema` (schema only) on the same spec.

Each round runs both commands once, alternating, as fresh processes (cold start: imports
included); the table shows the median and the best wall time of the rounds and the median
CPU time (user + system, which other load on the machine disturbs much less), and the
ratios of the medians.

Both tools load cached bytecode, as installed packages do: every child runs with
PYTHONDONTWRITEBYTECODE removed and PYTHONPYCACHEPREFIX set to one temporary directory,
which the warm-up run fills. Without it an editable install (or PYTHONDONTWRITEBYTECODE=1)
compiles all of stagespec's modules on every start; `--no-bytecode-cache` measures that.
stagespec runs with this checkout's `src/` first on PYTHONPATH.

    python benchmarks/validate_speed.py [SPEC] [--rounds N] [--no-bytecode-cache]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import cpu_model, tool

ROOT = Path(__file__).resolve().parent.parent
Samples = list[tuple[float, float]]  # (wall, CPU) seconds of each round
TARGETS = (("foundation issue", 0.65), ("hardening issue", 0.55))


def _env(pycache: str | None, source: Path | None = None) -> dict[str, str]:
    """This environment, with bytecode cached in `pycache` and `source` first on the path."""
    env = dict(os.environ)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    return env


def _time(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `command`."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{command[0]} failed ({code}): {stderr.decode()[-500:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spec", nargs="?", default="specs/inventario-retail/stack.yaml")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-bytecode-cache", action="store_true")
    args = parser.parse_args()
    pycache = None if args.no_bytecode_cache else tempfile.mkdtemp(prefix="validate-speed-")
    commands = {
        "stagespec validate": (
            [tool("stagespec"), "validate", args.spec],
            _env(pycache, ROOT / "src"),
        ),
        "check-jsonschema": (
            [tool("check-jsonschema"), "--schemafile", "schemas/stack.schema.json", args.spec],
            _env(pycache),
        ),
    }
    try:
        for command, env in commands.values():
            _time(command, env)  # warm the disk and bytecode caches, not the interpreter
        times: dict[str, Samples] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, (command, env) in commands.items():
                times[name].append(_time(command, env))
    finally:
        if pycache is not None:
            shutil.rmtree(pycache, ignore_errors=True)
    _report(args.spec, args.rounds, pycache is not None, times)


def _report(spec: str, rounds: int, cached: bool, times: dict[str, Samples]) -> None:
    load = os.getloadavg()[0]
    python = platform.python_version()
    print(f"date: {datetime.date.today().isoformat()}")
    cores = os.cpu_count()
    print(f"machine: {platform.platform()}, {cpu_model()}, {cores} cores, Python {python}")
    print(f"spec: {spec}, {rounds} rounds, cold processes, load average {load:.2f} after")
    print("bytecode: " + ("cached for both tools" if cached else "stagespec compiled every start"))
    print("\n| command | median (s) | best (s) | median CPU (s) |\n|---|---|---|---|")
    for name, samples in times.items():
        wall = [w for w, _ in samples]
        cpu = [c for _, c in samples]
        print(
            f"| {name} | {statistics.median(wall):.3f} | {min(wall):.3f} "
            f"| {statistics.median(cpu):.3f} |"
        )
    ours, theirs = times["stagespec validate"], times["check-jsonschema"]
    wall_ratio = statistics.median(w for w, _ in ours) / statistics.median(w for w, _ in theirs)
    cpu_ratio = statistics.median(c for _, c in ours) / statistics.median(c for _, c in theirs)
    print(f"\nratio (median stagespec / median check-jsonschema): {wall_ratio:.2f}x")
    print(f"same, CPU time: {cpu_ratio:.2f}x")
    for issue, target in TARGETS:
        met = "met" if wall_ratio <= target else "NOT met"
        print(f"{issue} target, at most {target}x wall: {met}")


if __name__ == "__main__":
    main()
