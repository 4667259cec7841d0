"""`build`: validate each spec, then write (or `--check`) its generated files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from stagespec.cli.specs import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    print_diagnostics,
    spec_paths,
    unreadable,
)
from stagespec.diagnostics import printable
from stagespec.targets import TARGETS


@click.command(short_help="Generate every config file of the stack.")
@click.argument("specs", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), help="Output directory (one spec only).")
@click.option("--env", "env", metavar="NAME", help="Build only this environment.")
@click.option("--all-envs", is_flag=True, help="Build every environment (the default).")
@click.option(
    "--target",
    type=click.Choice(list(TARGETS)),
    default=next(iter(TARGETS)),
    show_default=True,
    help="; ".join(f"{name}: {target.help}" for name, target in TARGETS.items()) + ".",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the output is stale.")
@click.option(
    "--var",
    "variables",
    metavar="NAME=VALUE",
    multiple=True,
    help="The value of variable NAME in this build (repeatable), over its default and the "
    "environment's. For --target k8s only, which substitutes every ${NAME}: compose output "
    "keeps ${NAME} and reads the values at deploy time (.env or the shell). Never printed.",
)
def build(
    specs: tuple[str, ...],
    out: str | None,
    env: str | None,
    all_envs: bool,
    target: str,
    check: bool,
    variables: tuple[str, ...],
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
    given = _given(variables)
    if given:
        from stagespec.engine.build import substitutes

        if not substitutes(target):
            raise click.UsageError(
                f"--var is for --target k8s: {target} output keeps each ${{NAME}} and reads "
                "its value at deploy time (.env or the shell)"
            )
    codes = [_build_one(path, out_dir, env, target, check, given) for path in paths]
    sys.exit(max(codes))


def _given(variables: tuple[str, ...]) -> dict[str, str]:
    """`--var NAME=VALUE` options by name; a usage error names the option, never its value."""
    import re

    given: dict[str, str] = {}
    for index, item in enumerate(variables, 1):
        name, equals, value = item.partition("=")
        if not equals or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,127}", name):
            raise click.UsageError(
                f"--var number {index} is not NAME=VALUE with NAME a variable's name "
                "(its text is not shown: a value may be a secret)"
            )
        if name in given:
            raise click.UsageError(f"--var {name} is given twice")
        given[name] = value
    return given


def _build_one(
    path: Path,
    out: Path | None,
    env: str | None,
    target: str,
    check: bool,
    given: dict[str, str],
) -> int:
    from stagespec.engine.build import (
        environments,
        output_dir,
        render_all,
        target_notes,
        target_specs,
    )
    from stagespec.engine.validate import validate_file

    result = validate_file(path)
    print_diagnostics([result])
    if result.has_errors or result.document is None or result.spec is None:
        click.echo(f"{printable(result.file)}: not built, the spec has errors", err=True)
        return EXIT_USAGE if unreadable(result) else EXIT_FINDINGS
    if env is not None and env not in environments(result.document):
        known = ", ".join(environments(result.document)) or "none"
        raise click.UsageError(
            f"{printable(result.file)} has no environment {env!r} (it has: {known})"
        )
    folder = out or output_dir(result.spec.project, target) / (env or "")
    parsed = target_specs(result.document, target, result.specs, given, env)
    files = render_all(result.document, path, folder, only=env, target=target, parsed=parsed)
    if check:
        import shlex  # the command is for copying into a shell: paths are quoted as needed

        fix = f"stagespec build {shlex.quote(path.as_posix())}"
        fix += f" --target {target}" if target != "compose" else ""
        fix += f" --out {shlex.quote(out.as_posix())}" if out else ""
        fix += "".join(f" --var {name}=VALUE" for name in given)  # values never shown
        fix = (fix + f" --env {env}") if env else fix
        return _check_output(folder, files, fix, show_diff=not given)
    from stagespec.engine.build import build_inputs
    from stagespec.engine.writer import write_tree

    write_tree(folder, files, inputs=build_inputs(path))
    for note in target_notes(result.document, target, parsed, env):
        click.echo(f"note: {note}", err=True)
    click.echo(f"{printable(str(folder))}: wrote {len(files)} files from {printable(result.file)}")
    return EXIT_OK


def _check_output(target: Path, files: dict[str, bytes], fix: str, *, show_diff: bool) -> int:
    """Compare; `show_diff` False lists the files only (a diff could show a `--var` value)."""
    from stagespec.engine.writer import compare_tree

    drift = compare_tree(target, files)
    if drift.clean:
        click.echo(f"{printable(str(target))}: up to date ({len(files)} files)")
        return EXIT_OK
    if show_diff:
        click.echo(drift.diff, nl=False)
    else:
        for kind, paths in (("changed", drift.changed), ("missing", drift.missing)):
            for path in paths:
                click.echo(f"{kind}: {printable(path)}")
        for path in drift.stale:
            click.echo(f"not generated: {printable(path)}")
    click.echo(f"{printable(str(target))} is stale; run `{printable(fix)}` to update it", err=True)
    return EXIT_FINDINGS
