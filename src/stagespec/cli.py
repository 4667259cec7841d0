"""The command line: only this module and cli_workflow.py print, read os.environ or exit.

Heavy modules (pydantic, the emitters) are imported inside the commands that use them, so
that `--help`, `--version` and `validate` start fast.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from stagespec import __version__
from stagespec.diagnostics import printable
from stagespec.errors import UsageError

if TYPE_CHECKING:
    from stagespec.config import Config
    from stagespec.engine import Result

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
        from stagespec.gcpause import gc_paused

        try:
            with gc_paused():  # a command allocates much and frees little: see gc_paused
                return super().invoke(ctx)
        except StagespecError as e:
            click.echo(f"stagespec: error: {printable(str(e))}", err=True)
            sys.exit(e.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stagespec")
def main() -> None:
    """Validate a stack.yaml and compile it into every config file of the stack."""


FORMAT_NAMES = ("text", "json", "github", "sarif", "junit")


@main.command(short_help="Check specs and report every problem at once.")
@click.argument("specs", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_NAMES),
    help="Output format [default: text; github when GITHUB_ACTIONS=true].",
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT=FILE",
    help="Also write FORMAT to FILE (repeatable), e.g. sarif=stagespec.sarif.",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Lowest severity that fails the run.",
)
@click.option("--strict", is_flag=True, help="Same as --fail-on warning.")
@click.option("--no-suppressions", is_flag=True, help="Ignore every suppression comment.")
def validate(
    specs: tuple[str, ...],
    fmt: str | None,
    outputs: tuple[str, ...],
    config_path: str | None,
    fail_on: str,
    strict: bool,
    no_suppressions: bool,
) -> None:
    """Check SPEC files (default: ./stack.yaml) and report every problem at once."""
    from stagespec.engine import validate_file

    writes = [_parse_output(o) for o in outputs]
    chosen = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    threshold: Literal["error", "warning"] = "warning" if strict else fail_on  # type: ignore[assignment]
    results = [
        validate_file(path, config=_config_for(path, config_path), suppress=not no_suppressions)
        for path in spec_paths(specs)
    ]
    if chosen == "text" and not writes and not any(r.suppressed for r in results):
        _print_text(results)  # the common path stays free of the reporters' imports
    else:
        _print_report(results, chosen, writes, threshold)
    if any(_unreadable(r) for r in results):
        sys.exit(EXIT_USAGE)
    failing = {"error"} if threshold == "error" else {"error", "warning"}
    found = any(d.severity in failing for r in results for d in r.diagnostics)
    sys.exit(EXIT_FINDINGS if found else EXIT_OK)


def _parse_output(option: str) -> tuple[str, Path]:
    fmt, sep, file = option.partition("=")
    if not sep or fmt not in FORMAT_NAMES or not file:
        raise click.BadParameter(f"{option!r}: write FORMAT=FILE", param_hint="--output")
    return fmt, Path(file)


def _config_for(spec: Path, explicit: str | None) -> Config | None:
    from stagespec.config import find_config, load_config

    found = Path(explicit) if explicit else find_config(spec)
    return load_config(found) if found else None


def _print_text(results: list[Result]) -> None:
    for d in sorted(d for r in results for d in r.diagnostics):
        click.echo(d.format())
    click.echo(_summary(results), err=True)


def _print_report(
    results: list[Result],
    fmt: str,
    writes: list[tuple[str, Path]],
    fail_on: Literal["error", "warning"],
) -> None:
    from stagespec.reporters import render, report_for
    from stagespec.reporters.base import summary_line

    suppressed = sum(len(r.suppressed) for r in results)
    report = report_for(results, tool_version=__version__, suppressed=suppressed)
    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    text = render(fmt, report, color=color, fail_on=fail_on)
    if fmt == "text":  # the summary goes to stderr, as on the plain path
        text = "".join(text.splitlines(keepends=True)[:-1])
        click.echo(text, nl=False)
        click.echo(summary_line(report), err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))
    for out_fmt, file in writes:
        try:
            with open(file, "w", encoding="utf-8", newline="") as handle:
                handle.write(render(out_fmt, report, fail_on=fail_on))
        except OSError as e:
            raise click.FileError(str(file), hint=e.strerror) from e


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


@main.command(name="rules", short_help="List every rule.")
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


@main.command(short_help="Print a rule's documentation.")
@click.argument("rule")
def explain(rule: str) -> None:
    """Print the documentation of RULE (a code such as SS201, or a name)."""
    from stagespec.ruledocs import explain as explain_text
    from stagespec.ruledocs import find_rule, similar_rules

    found = find_rule(rule)
    if found is None:
        close = [f"{r.code} ({r.name})" for r in similar_rules(rule)]
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        message = f"no rule {printable(repr(rule))}; {hint}`stagespec rules` lists them"
        raise click.UsageError(message)
    click.echo(explain_text(found), nl=False)


def _report(results: list[Result]) -> None:
    for result in results:
        for d in result.diagnostics:
            click.echo(d.format(), err=True)


@main.command(short_help="Generate every config file of the stack.")
@click.argument("specs", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), help="Output directory (one spec only).")
@click.option("--env", "env", metavar="NAME", help="Build only this environment.")
@click.option("--all-envs", is_flag=True, help="Build every environment (the default).")
@click.option(
    "--target",
    type=click.Choice(["compose", "k8s"]),
    default="compose",
    show_default=True,
    help="compose: docker compose and its files; k8s: Kubernetes manifests.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the output is stale.")
def build(
    specs: tuple[str, ...],
    out: str | None,
    env: str | None,
    all_envs: bool,
    target: str,
    check: bool,
) -> None:
    """Validate SPEC files and generate every config file of their stacks.

    Output goes to generated/<project>/ (generated/<project>.k8s/ for --target k8s, or
    --out), one folder per environment, replaced as a whole; with --env NAME only that
    environment's folder is written. Nothing is written when a spec has an error.
    """
    if env and all_envs:
        raise click.UsageError("--env and --all-envs exclude each other")
    paths = spec_paths(specs)
    if out and len(paths) > 1:
        raise click.UsageError("--out takes one spec")
    out_dir = Path(out) if out else None
    codes = [_build_one(path, out_dir, env, target, check) for path in paths]
    sys.exit(max(codes))


def _build_one(path: Path, out: Path | None, env: str | None, target: str, check: bool) -> int:
    from stagespec.build import environments, output_dir, render_all, target_notes
    from stagespec.engine import validate_file

    result = validate_file(path)
    _report([result])
    if result.has_errors or result.document is None or result.spec is None:
        click.echo(f"{printable(result.file)}: not built, the spec has errors", err=True)
        return EXIT_USAGE if _unreadable(result) else EXIT_FINDINGS
    if env is not None and env not in environments(result.document):
        known = ", ".join(environments(result.document)) or "none"
        raise click.UsageError(
            f"{printable(result.file)} has no environment {env!r} (it has: {known})"
        )
    folder = out or output_dir(result.spec.project, target) / (env or "")
    parsed = result.specs
    files = render_all(result.document, path, folder, only=env, target=target, parsed=parsed)
    if check:
        import shlex  # the command is for copying into a shell: paths are quoted as needed

        fix = f"stagespec build {shlex.quote(path.as_posix())}"
        fix += f" --target {target}" if target != "compose" else ""
        fix += f" --out {shlex.quote(out.as_posix())}" if out else ""
        return _check_output(folder, files, (fix + f" --env {env}") if env else fix)
    from stagespec.build import build_inputs
    from stagespec.writer import write_tree

    write_tree(folder, files, inputs=build_inputs(path))
    for note in target_notes(result.document, target, parsed):
        click.echo(f"note: {note}", err=True)
    click.echo(f"{printable(str(folder))}: wrote {len(files)} files from {printable(result.file)}")
    return EXIT_OK


def _check_output(target: Path, files: dict[str, bytes], fix: str) -> int:
    from stagespec.writer import compare_tree

    drift = compare_tree(target, files)
    if drift.clean:
        click.echo(f"{printable(str(target))}: up to date ({len(files)} files)")
        return EXIT_OK
    click.echo(drift.diff, nl=False)
    click.echo(f"{printable(str(target))} is stale; run `{printable(fix)}` to update it", err=True)
    return EXIT_FINDINGS


def run() -> None:
    """The `stagespec` program: `main` in a process of its own.

    The cyclic garbage collector stays off from here to the end (commands pause it anyway:
    see `gcpause`), and what is still alive at exit is frozen, so the interpreter's shutdown
    does not walk every object once more to find cycles that no longer matter.
    """
    gc.disable()
    try:
        main()
    finally:
        gc.freeze()


def _register_workflow() -> None:
    from stagespec.cli_workflow import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_register_workflow()
