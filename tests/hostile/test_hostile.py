"""The hostile-input corpus, run through the real CLI: every case of `cases.yaml` is given to
`stagespec validate` (and, unless the loader alone refuses it, `stagespec build`) in
subprocesses, which must exit with the case's code and diagnostics, without a traceback,
within 2 seconds and 300 MB, and write nothing outside the output directory.

How each child is run and measured is in `watch.py`.
"""

from __future__ import annotations

import ast
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
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
from hostile_watch import LIMIT_BYTES, LIMIT_SECONDS, Run, run_cli

MAX_OUTPUT = 64 * 1024  # a diagnostic quotes a bounded excerpt of its input, not all of it
DIAGNOSTIC_LINE = re.compile(r"^.+?:\d+:\d+: (error|warning|info) (SS\d{3}) [a-z-]+: .+$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ENV_LINE = re.compile(r"^(#.*|[A-Za-z_][A-Za-z0-9_]*=.*|)$")
LOADER_CODES = {"SS001", "SS002", "SS004", "SS005", "SS006"}

CASES = load_cases()


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
