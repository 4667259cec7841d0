"""The command line. Only this module prints, reads the environment or picks exit codes.

Heavy modules (pydantic, the emitters) are imported inside the commands that use them, so
that `--help`, `--version` and `validate` start fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from stagespec import __version__

if TYPE_CHECKING:
    from stagespec.engine import Result

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
DEFAULT_SPEC = "stack.yaml"


def _spec_paths(specs: tuple[str, ...]) -> list[Path]:
    if specs:
        return [Path(s) for s in specs]
    if not Path(DEFAULT_SPEC).exists():
        raise click.UsageError(f"no {DEFAULT_SPEC} here; give the path of a spec")
    return [Path(DEFAULT_SPEC)]


def _unreadable(result: Result) -> bool:
    return any(d.code == "SS005" for d in result.diagnostics)


def _summary(results: list[Result]) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for result in results:
        for d in result.diagnostics:
            counts[d.severity] += 1
    files = f"{len(results)} file" + ("s" if len(results) != 1 else "")
    parts = [f"{n} {k}" + ("s" if n != 1 else "") for k, n in counts.items() if n or k == "error"]
    return f"{files} checked: " + ", ".join(parts)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stagespec")
def main() -> None:
    """Validate a stack.yaml and compile it into every config file of the stack."""


@main.command()
@click.argument("specs", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def validate(specs: tuple[str, ...], fmt: Literal["text", "json"]) -> None:
    """Check SPEC files (default: ./stack.yaml) and report every problem at once."""
    from stagespec.engine import validate_file

    results = [validate_file(path) for path in _spec_paths(specs)]
    diagnostics = sorted(d for r in results for d in r.diagnostics)
    if fmt == "json":
        payload = {
            "version": 1,
            "files": [r.file for r in results],
            "diagnostics": [d.to_dict() for d in diagnostics],
            "summary": _summary(results),
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for d in diagnostics:
            click.echo(d.format())
        click.echo(_summary(results), err=True)
    if any(_unreadable(r) for r in results):
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if any(r.has_errors for r in results) else EXIT_OK)


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE.")
def schema(output: str | None) -> None:
    """Print the JSON Schema of spec version 1."""
    from stagespec.model.schema import schema_text

    text = schema_text()
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command(name="rules")
def list_rules() -> None:
    """List every rule with its code, name, default level and summary."""
    from stagespec.rules import RULES
    from stagespec.rules.core import CORE_CHECKS

    for rule in [*CORE_CHECKS.values(), *RULES.values()]:
        summary = (rule.__doc__ or "").strip().splitlines()[0]
        click.echo(f"{rule.CODE}  {rule.NAME:<26} {rule.SEVERITY:<8} {summary}")
