"""How `build` grows with the number of services, for each target: compose and k8s.

For each N the spec comes from `benchmarks/genspec.py`. Each measurement is a fresh
process that does what `stagespec build` does, in the same steps: load the spec, check it
(model and rules), render every file of the target and its notes, with the garbage
collector paused as the CLI pauses it. It times each step on its own, so a step that grows
faster than N shows up by name. Writing the files is left out (it is the same for both
targets and linear), and so is the CLI's 8 MiB limit on a spec file, which a spec of 20,000
services passes: the text is handed to the loader directly.

    python benchmarks/target_speed.py [--sizes 1000,5000,20000] [--targets compose,k8s]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import cpu_model

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "src"  # the checkout this script sits in, whatever is pip-installed
STEPS = ("load", "check", "render")
TARGETS = ("compose", "k8s")


def child(target: str, spec: Path) -> dict[str, float]:
    """Run one build of `spec` for `target` in this process; each step's wall time."""
    sys.path.insert(0, str(SOURCE))
    from stagespec.engine.build import render_all, target_notes
    from stagespec.engine.validate import check_document
    from stagespec.gcpause import gc_paused
    from stagespec.load.document import load_text

    text = spec.read_text(encoding="utf-8")
    with gc_paused(), tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        doc = load_text(text, spec.name)
        loaded = time.perf_counter()
        parsed, diagnostics = check_document(doc)
        checked = time.perf_counter()
        if parsed is None or any(d.severity == "error" for d in diagnostics):
            sys.exit(f"{spec} does not validate: {diagnostics[0].format()}")
        files = render_all(doc, spec, Path(out), target=target, parsed={None: parsed})
        target_notes(doc, target, {None: parsed})
        rendered = time.perf_counter()
    times = {"load": loaded - start, "check": checked - loaded, "render": rendered - checked}
    return times | {"files": float(len(files))}


def measure(n: int, target: str, spec: Path) -> dict[str, float]:
    """One fresh process's step times (and peak memory, MB) for `target` on `spec`."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", target, str(spec)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"N={n} {target}: the build failed:\n{err.decode(errors='replace')[-2000:]}")
    result: dict[str, float] = json.loads(out)
    return result | {"peak_mb": usage.ru_maxrss / 1024}  # Linux reports kilobytes


def run_all(sizes: list[int], targets: list[str], rounds: int) -> list[dict[str, Any]]:
    """Every (N, target) row: the median of each step over the rounds, the peak memory."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="stagespec-target-speed-") as tmp:
        for n in sizes:
            spec = Path(tmp) / f"spec-{n}.yaml"
            with spec.open("wb") as stream:
                genspec = [sys.executable, str(HERE / "genspec.py"), str(n)]
                subprocess.run(genspec, stdout=stream, check=True)
            for target in targets:
                samples = []
                for i in range(rounds):
                    print(f"N={n} {target}: round {i + 1}/{rounds}", file=sys.stderr)
                    samples.append(measure(n, target, spec))
                row: dict[str, Any] = {"n": n, "target": target, "kb": spec.stat().st_size / 1024}
                for step in (*STEPS, "total"):
                    row[step] = statistics.median(_step(s, step) for s in samples)
                row["peak_mb"] = max(s["peak_mb"] for s in samples)
                rows.append(row)
    return rows


def _step(sample: dict[str, float], step: str) -> float:
    return sum(sample[s] for s in STEPS) if step == "total" else sample[step]


def table(rows: list[dict[str, Any]]) -> str:
    """The markdown table, with each row's growth over the previous N of its target."""
    lines = [
        "| N | target | spec KB | load s | check s | render s | total s | peak MB "
        "| render / previous N | N / previous N |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    previous: dict[str, dict[str, Any]] = {}
    for r in rows:
        before = previous.get(r["target"])
        growth = f"{r['render'] / before['render']:.2f}x" if before else ""
        sizes = f"{r['n'] / before['n']:.2f}x" if before else ""
        lines.append(
            f"| {r['n']:,} | {r['target']} | {r['kb']:,.0f} | {r['load']:.2f} | {r['check']:.2f} "
            f"| {r['render']:.2f} | {r['total']:.2f} | {r['peak_mb']:.0f} | {growth} | {sizes} |"
        )
        previous[r["target"]] = r
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000,20000", help="comma-separated N values")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated targets")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("TARGET", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown:
        sys.exit(f"unknown targets {unknown}; known: {list(TARGETS)}")
    load_before = os.getloadavg()[0]
    rows = run_all(sizes, targets, args.rounds)
    print(
        f"date: {datetime.date.today().isoformat()}\n"
        f"machine: {platform.platform()}, {cpu_model()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after\n"
        f"{args.rounds} rounds, one fresh process each; times are medians of wall time\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
