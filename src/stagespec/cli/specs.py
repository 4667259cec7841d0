"""What every command shares: the specs it reads, the report of a failing spec, exit codes."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from stagespec.diagnostics import printable
from stagespec.errors import UsageError

if TYPE_CHECKING:
    from stagespec.engine.validate import Result
    from stagespec.load.document import Document


EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
DEFAULT_SPEC = "stack.yaml"


def spec_paths(specs: tuple[str, ...]) -> list[Path]:
    """The specs a command was given, or ./stack.yaml; every command that reads specs
    asks here, so that a missing default gets the same message and exit code everywhere."""
    if specs:
        return [Path(s) for s in specs]
    if not Path(DEFAULT_SPEC).exists():
        try:
            where = printable(os.getcwd())
        except OSError:  # the current folder was removed under us
            where = "the current folder"
        raise UsageError(f"no spec given, and no {DEFAULT_SPEC} in {where}: give a spec's path")
    return [Path(DEFAULT_SPEC)]


def unreadable(result: Result) -> bool:
    return any(d.code == "SS005" for d in result.diagnostics)


def print_diagnostics(results: list[Result]) -> None:
    for result in results:
        for d in result.diagnostics:
            click.echo(d.format(), err=True)


def checked(path: Path) -> Document:
    """The spec's Document when it validates; otherwise its diagnostics and exit 1."""
    from stagespec.engine.validate import validate_file

    result = validate_file(path)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if errors or result.document is None:
        for d in result.diagnostics:
            click.echo(d.format(), err=True)
        click.echo(f"{printable(result.file)}: the spec has errors; fix them first", err=True)
        unreadable = any(d.code == "SS005" for d in result.diagnostics)
        sys.exit(2 if unreadable else EXIT_FINDINGS)
    return result.document
