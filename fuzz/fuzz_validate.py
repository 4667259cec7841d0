"""Fuzz the spec loader and validator with atheris (libFuzzer for Python), on demand.

    pip install atheris
    python fuzz/fuzz_validate.py -atheris_runs=100000 -dict=fuzz/yaml.dict NEW_DIR fuzz/corpus

Each input is written as a spec file and goes through `validate_file` (read, decode, load,
model, rules, every environment, suppression comments) and, when it has no error,
`render_all` (every emitter). Only StagespecError subclasses may come out; any other
exception, or a diagnostic placed outside the file, is a crash, which libFuzzer saves as
`crash-<sha1>` in the current folder. See fuzz/README.md.
"""

from __future__ import annotations

import contextlib
import pkgutil
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["stagespec"]):
    import stagespec

    # Import every module now, so that the ones the code imports lazily are instrumented.
    # (Not the command line: importing `stagespec.__main__` would run it.)
    for module in pkgutil.walk_packages(stagespec.__path__, "stagespec."):
        if not module.name.startswith(("stagespec.__main__", "stagespec.cli")):
            __import__(module.name)
    from stagespec.engine.build import render_all
    from stagespec.engine.validate import validate_file
    from stagespec.errors import StagespecError

WORKDIR = Path(tempfile.mkdtemp(prefix="stagespec-fuzz-"))
SPEC = WORKDIR / "stack.yaml"


def check_positions(result: object, data: bytes) -> None:
    """Every diagnostic and related location is at line >= 1, column >= 1, inside the file."""
    lines = len(data.decode("utf-8", "replace").splitlines()) + 1
    for d in [*result.diagnostics, *result.suppressed]:  # type: ignore[attr-defined]
        for where in (d, *d.related):
            if not (1 <= where.line <= lines and where.column >= 1):
                raise AssertionError(f"position outside the file: {d.format()}")


def test_one_input(data: bytes) -> None:
    """One fuzz input through validate and, if it has no error, build."""
    SPEC.write_bytes(data)
    result = validate_file(SPEC)
    check_positions(result, data)
    if result.has_errors or result.document is None:
        return
    with contextlib.suppress(StagespecError):  # refused with a message: allowed
        render_all(result.document, SPEC, WORKDIR / "out")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
