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


class _Group(click.Group):
    """Maps stagespec's own errors to a clean message and exit code; never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from stagespec.errors import StagespecError

        try:
            return super().invoke(ctx)
        except StagespecError as e:
            click.echo(f"stagespec: error: {e}", err=True)
            sys.exit(e.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="markdown prints docs/rules.md.",
)
def list_rules(fmt: str) -> None:
    """List every rule with its code, name, default level and summary."""
    from stagespec.ruledocs import rules_markdown
    from stagespec.rules import all_rules

    if fmt == "markdown":
        click.echo(rules_markdown(), nl=False)
        return
    for rule in all_rules():
        click.echo(f"{rule.code}  {rule.name:<26} {rule.severity:<8} {rule.summary}")


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Print the documentation of RULE (a code such as SS201, or a name)."""
    from stagespec.ruledocs import explain as explain_text
    from stagespec.ruledocs import find_rule

    found = find_rule(rule)
    if found is None:
        raise click.UsageError(f"no rule {rule!r}; `stagespec rules` lists them")
    click.echo(explain_text(found), nl=False)


def _report(results: list[Result]) -> None:
    for result in results:
        for d in result.diagnostics:
            click.echo(d.format(), err=True)


@main.command()
@click.argument("specs", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), help="Output directory (one spec only).")
@click.option("--env", "env", metavar="NAME", help="Build only this environment.")
@click.option("--all-envs", is_flag=True, help="Build every environment (the default).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the output is stale.")
def build(
    specs: tuple[str, ...], out: str | None, env: str | None, all_envs: bool, check: bool
) -> None:
    """Validate SPEC files and generate every config file of their stacks.

    Output goes to generated/<project>/ (or --out), one folder per environment, replaced
    as a whole; with --env NAME only generated/<project>/<NAME>/ is written. Nothing is
    written when a spec has an error.
    """
    if env and all_envs:
        raise click.UsageError("--env and --all-envs exclude each other")
    paths = _spec_paths(specs)
    if out and len(paths) > 1:
        raise click.UsageError("--out takes one spec")
    codes = [_build_one(path, Path(out) if out else None, env, check) for path in paths]
    sys.exit(max(codes))


def _build_one(path: Path, out: Path | None, env: str | None, check: bool) -> int:
    from stagespec.build import dropped_dependencies, environments, render_all
    from stagespec.engine import validate_file

    result = validate_file(path)
    _report([result])
    if result.has_errors or result.document is None or result.spec is None:
        click.echo(f"{result.file}: not built, the spec has errors", err=True)
        return EXIT_USAGE if _unreadable(result) else EXIT_FINDINGS
    if env is not None and env not in environments(result.document):
        known = ", ".join(environments(result.document)) or "none"
        raise click.UsageError(f"{result.file} has no environment {env!r} (it has: {known})")
    target = out or Path("generated") / result.spec.project / (env or "")
    files = render_all(result.document, path, target, only=env)
    for note in dropped_dependencies(result.document):
        click.echo(f"note: {note}", err=True)
    if check:
        fix = f"stagespec build {path.as_posix()}" + (f" --out {out}" if out else "")
        return _check_output(target, files, (fix + f" --env {env}") if env else fix)
    from stagespec.writer import write_tree

    write_tree(target, files)
    click.echo(f"{target}: wrote {len(files)} files from {result.file}")
    return EXIT_OK


def _check_output(target: Path, files: dict[str, bytes], fix: str) -> int:
    from stagespec.writer import compare_tree

    drift = compare_tree(target, files)
    if drift.clean:
        click.echo(f"{target}: up to date ({len(files)} files)")
        return EXIT_OK
    click.echo(drift.diff, nl=False)
    click.echo(f"{target} is stale; run `{fix}` to update it", err=True)
    return EXIT_FINDINGS
