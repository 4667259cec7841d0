"""`stagespec import`, then `validate`, then `build`, of a real-sized compose stack.

The stack is `tests/corpus/33-microservices-57.yml` (57 services) unless a file is named.
Each round copies the corpus into a temporary folder (the file's `env_file`s and build
folders come along), then times:

- the three commands as a user runs them, each a fresh process (bytecode cached, as an
  installed package has it), and their sum;
- the same work in one process, the way a pre-commit hook or an editor would run it
  (`import_compose`, `validate_file`, the compose target's files), start-up left out.

    python benchmarks/import_speed.py [COMPOSE_FILE] [--rounds 5]
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
CORPUS = ROOT / "tests" / "corpus"
DEFAULT = CORPUS / "33-microservices-57.yml"
TARGET = 1.0  # real-stacks issue: import + validate + build of a 57-service stack under 1 s

_IN_PROCESS = """
import sys, time
from pathlib import Path
start = time.perf_counter()
from stagespec.importer.convert import import_compose
from stagespec.engine.validate import validate_file
from stagespec.engine.build import render_all
imported = time.perf_counter()
folder = Path(sys.argv[1])
compose = folder / sys.argv[2]
result = import_compose(compose.read_text(encoding="utf-8"), compose.name, folder=str(folder))
(folder / "stack.yaml").write_text(result.text, encoding="utf-8")
checked = validate_file(folder / "stack.yaml")
assert checked.spec is not None and checked.document is not None, checked.diagnostics
files = render_all(checked.document, folder / "stack.yaml", folder / "out")
done = time.perf_counter()
print(f"{imported - start:.4f} {done - imported:.4f} {len(files)}")
"""

def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _round(compose: Path, env: dict[str, str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "stack"
        shutil.copytree(compose.parent, folder)
        spec = folder / "stack.yaml"
        stagespec = tool("stagespec")
        times = {
            "import": _timed([stagespec, "import", compose.name, "-o", spec.name], folder, env),
            "validate": _timed([stagespec, "validate", spec.name], folder, env),
            "build": _timed([stagespec, "build", spec.name, "--out", "out"], folder, env),
        }
        times["three commands"] = sum(times.values())
        shutil.rmtree(folder)
        shutil.copytree(compose.parent, folder)
        out = subprocess.run(
            [sys.executable, "-c", _IN_PROCESS, str(folder), compose.name],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        times["one process (imports)"] = float(out[0])
        times["one process (work)"] = float(out[1])
        return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("compose", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    compose = args.compose.resolve()
    with tempfile.TemporaryDirectory() as pycache:
        env = cached_env(pycache)
        _round(compose, env)  # warm-up: fills the bytecode cache
        rounds = [_round(compose, env) for _ in range(args.rounds)]
    print(f"date: {datetime.date.today().isoformat()}")
    print(f"machine: {platform.platform()}, {cpu_model()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print(f"file: {compose.relative_to(ROOT) if compose.is_relative_to(ROOT) else compose}, {args.rounds} rounds")
    print()
    print("| step | median (s) | best (s) |")
    print("|---|---:|---:|")
    for step in rounds[0]:
        values = [r[step] for r in rounds]
        print(f"| {step} | {statistics.median(values):.3f} | {min(values):.3f} |")
    work = statistics.median(r["one process (work)"] for r in rounds)
    three = statistics.median(r["three commands"] for r in rounds)
    print()
    print(f"import + validate + build, the work in one process: {work:.3f} s (< {TARGET} s: {'met' if work < TARGET else 'not met'})")
    print(f"the three commands, each a cold process: {three:.3f} s (< {TARGET} s: {'met' if three < TARGET else 'not met'})")


if __name__ == "__main__":
    main()
