"""`smoke/`: a smoke-test program for the running stack, and its data, from the spec.

`smoke/smoke.py` is a fixed, standard-library-only program (`smoke.py.txt` here, behind
the usual header); `smoke/smoke.json` holds everything it checks, derived from the spec
(`suite.py`, `service.py`), with the spec line each check comes from. Spec values reach
the program only as JSON data, never as code. It is run on the deploy host after
`docker compose up` (see the program's docstring).

May import plan, model, the other targets and the bottom modules; never rules, engine or
cli.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

from stagespec.errors import StagespecError
from stagespec.plan.inputs import BuildInput
from stagespec.targets.base import header
from stagespec.targets.smoke.suite import suite
from stagespec.targets.source_path import with_printable_source

NAME = "smoke"
PROGRAM_PATH = "smoke/smoke.py"
DATA_PATH = "smoke/smoke.json"


class SmokeError(StagespecError, ValueError):
    """The spec's path cannot be written into the program's header comment."""


@functools.cache
def program_text() -> str:
    """The program, as shipped in this package."""
    return resources.files(__package__).joinpath("smoke.py.txt").read_text(encoding="utf-8")


def render(build: BuildInput) -> dict[str, bytes]:
    """`smoke/smoke.py` and `smoke/smoke.json` for one environment."""
    build = with_printable_source(build)
    comment = header(build)
    if not all(line.startswith("#") for line in comment.splitlines()):
        raise SmokeError(f"the spec's path {build.source!r} would break out of a comment")
    program = "#!/usr/bin/env python3\n" + comment + program_text()
    data = json.dumps(suite(build), indent=2, ensure_ascii=False) + "\n"
    return {PROGRAM_PATH: program.encode("utf-8"), DATA_PATH: data.encode("utf-8")}
