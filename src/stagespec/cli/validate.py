"""`validate`, and the commands about the checks: `rules`, `explain` and `schema`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from stagespec import __version__
from stagespec.cli.specs import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    spec_paths,
    unreadable,
)
from stagespec.diagnostics import printable

if TYPE_CHECKING:
    from stagespec.config.settings import Config
    from stagespec.engine.validate import Result


FORMAT_NAMES = ("text", "json", "github", "sarif", "junit")


@click.command(short_help="Check specs and report every problem at once.")
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
    from stagespec.engine.validate import validate_file

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
    if any(unreadable(r) for r in results):
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
    from stagespec.config.settings import find_config, load_config

    found = Path(explicit) if explicit else find_config(spec)
    return load_config(found) if found else None


def _print_text(results: list[Result]) -> None:
    for d in sorted(d for r in results for d in r.diagnostics):
        click.echo(d.format())
    click.echo(_summary(results), err=True)


def _summary(results: list[Result]) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for result in results:
        for d in result.diagnostics:
            counts[d.severity] += 1
    files = f"{len(results)} file" + ("s" if len(results) != 1 else "")
    parts = [f"{n} {k}" + ("s" if n != 1 else "") for k, n in counts.items() if n or k == "error"]
    return f"{files} checked: " + ", ".join(parts)


def _print_report(
    results: list[Result],
    fmt: str,
    writes: list[tuple[str, Path]],
    fail_on: Literal["error", "warning"],
) -> None:
    from stagespec.report import render, report_for
    from stagespec.report.base import summary_line

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


@click.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE.")
def schema(output: str | None) -> None:
    """Print the JSON Schema of spec version 1."""
    from stagespec.model.schema import schema_text

    text = schema_text()
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@click.command(name="rules", short_help="List every rule.")
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
    from stagespec.rules import all_rules
    from stagespec.rules.docs import rules_markdown

    if fmt == "markdown":
        click.echo(rules_markdown(), nl=False)
        return
    for rule in all_rules():
        click.echo(f"{rule.code}  {rule.name:<26} {rule.severity:<8} {rule.summary}")


@click.command(short_help="Print a rule's documentation.")
@click.argument("rule")
def explain(rule: str) -> None:
    """Print the documentation of RULE (a code such as SS201, or a name)."""
    from stagespec.rules.docs import explain as explain_text
    from stagespec.rules.docs import find_rule, similar_rules

    found = find_rule(rule)
    if found is None:
        close = [f"{r.code} ({r.name})" for r in similar_rules(rule)]
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        message = f"no rule {printable(repr(rule))}; {hint}`stagespec rules` lists them"
        raise click.UsageError(message)
    click.echo(explain_text(found), nl=False)
