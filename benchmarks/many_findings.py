"""Cold `stagespec validate` of specs with N unknown keys: time, and lines printed.

Each spec is a valid one-service stack plus N unknown keys `kI: 1`, at the top level or
inside the service. Every key is an SS011 finding; only the first 100 of a rule are
printed, then one line counts the rest, so the output stays 101 lines whatever N is, and
the time grows linearly with N (the table shows microseconds per key). Each round runs
every size once as a fresh process, with bytecode cached as in `validate_speed.py`.

    python benchmarks/many_findings.py [--sizes 1000,10000,100000,200000] [--rounds 3]
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

from common import cached_env, cpu_model, tool

ROOT = Path(__file__).resolve().parent.parent
HEAD = (
    "stagespec: 1\nproject: demo\nservices:\n  api:\n    image: api:1.0\n"
    "    healthcheck: {test: [CMD, ping]}\n"
)
WHERE = {"top level": "", "in a service": "    "}
TARGET = (200_000, 2.0)  # hardening issue: 200,000 unknown keys in under 2 s, wall time


def spec_text(count: int, indent: str) -> str:
    """A valid spec followed by `count` unknown keys at `indent`."""
    return HEAD + "".join(f"{indent}k{i}: 1\n" for i in range(count))


def _run(spec: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """Wall and CPU seconds of one `stagespec validate`, and the lines it printed."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [tool("stagespec"), "validate", str(spec)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    lines = proc.stdout.read().count(b"\n")
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.stdout.close()
    if os.waitstatus_to_exitcode(status) != 1:
        sys.exit(f"stagespec validate {spec} did not exit 1")
    return elapsed, usage.ru_utime + usage.ru_stime, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000,200000")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="many-findings-"))
    try:
        env = cached_env(str(folder / "pycache"))
        specs = {}
        for where, indent in WHERE.items():
            for n in sizes:
                specs[where, n] = folder / f"{where.replace(' ', '-')}-{n}.yaml"
                specs[where, n].write_text(spec_text(n, indent), encoding="utf-8")
        for spec in specs.values():
            _run(spec, env)  # warm the disk and bytecode caches
        samples: dict[tuple[str, int], list[tuple[float, float, int]]] = {k: [] for k in specs}
        for _ in range(args.rounds):
            for key, spec in specs.items():
                samples[key].append(_run(spec, env))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    _report(args.rounds, samples)


def _report(rounds: int, samples: dict[tuple[str, int], list[tuple[float, float, int]]]) -> None:
    print(f"date: {datetime.date.today().isoformat()}")
    print(
        f"machine: {platform.platform()}, {cpu_model()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"{rounds} rounds, cold processes, load average {os.getloadavg()[0]:.2f} after")
    print("\n| unknown keys | where | median (s) | median CPU (s) | CPU per key (µs) | lines |")
    print("|---:|---|---:|---:|---:|---:|")
    for (where, n), runs in samples.items():
        wall = statistics.median(w for w, _, _ in runs)
        cpu = statistics.median(c for _, c, _ in runs)
        print(f"| {n:,} | {where} | {wall:.2f} | {cpu:.2f} | {cpu / n * 1e6:.1f} | {runs[0][2]} |")
    count, limit = TARGET
    for where in WHERE:
        runs = samples.get((where, count))
        if runs:
            wall = statistics.median(w for w, _, _ in runs)
            met = "met" if wall < limit else "NOT met"
            print(f"target, {count:,} keys {where} in under {limit} s wall: {met}")


if __name__ == "__main__":
    main()
