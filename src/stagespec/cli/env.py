"""`env check`: does this host provide every variable and secret file a spec needs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from stagespec.cli.specs import (
    EXIT_FINDINGS,
    EXIT_OK,
    checked,
    spec_paths,
)


@click.group(name="env")
def env_group() -> None:
    """Check the deploy host's environment against a spec."""


@env_group.command(name="check", short_help="Check this host provides every secret.")
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--env", "env", metavar="NAME", help="The environment to check.")
@click.option(
    "--env-file",
    "env_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Also read variables from FILE (repeatable; later files win over earlier ones).",
)
def env_check(spec: str | None, env: str | None, env_files: tuple[str, ...]) -> None:
    """Check that this host provides every variable and secret file SPEC needs.

    Lists what is missing or empty, never a value; exits 1 when anything is missing.
    The process environment wins over the files, as with docker compose.
    """
    from stagespec.envcheck.check import check_environment, format_report, select_environment

    path = spec_paths((spec,) if spec else ())[0]
    doc = checked(path)
    chosen = select_environment(doc, env)
    files = [Path(f) for f in env_files]
    report = check_environment(chosen, os.environ, files, path.parent)
    click.echo(format_report(report), nl=False)
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)
