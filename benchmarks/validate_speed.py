"""Cold `stagespec validate` against `check-jsonschema` (schema only) on the same spec.

Each round runs both commands once, alternating, as fresh processes (cold start: imports
included); the table shows the median and the best of the rounds, and the ratio of medians.

    python benchmarks/validate_speed.py [SPEC] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    """The console script beside this interpreter, so both tools start the same way."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        sys.exit(f"{name} is not installed (pip install -e '.[test]')")
    return found


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{command[0]} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("spec", nargs="?", default="specs/inventario-retail/stack.yaml")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    commands = {
        "stagespec validate": [_tool("stagespec"), "validate", args.spec],
        "check-jsonschema": [
            _tool("check-jsonschema"),
            "--schemafile",
            "schemas/stack.schema.json",
            args.spec,
        ],
    }
    for command in commands.values():
        _time(command)  # warm the disk cache, not the interpreter
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, command in commands.items():
            times[name].append(_time(command))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"spec: {args.spec}, {args.rounds} rounds, cold processes\n")
    print(f"| command | median (s) | best (s) |\n|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.3f} | {min(values):.3f} |")
    ratio = statistics.median(times["stagespec validate"]) / statistics.median(
        times["check-jsonschema"]
    )
    print(f"\nratio (median stagespec / median check-jsonschema): {ratio:.2f}x")


if __name__ == "__main__":
    main()
