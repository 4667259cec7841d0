"""The workflow commands: `env check`, `diff`, `init`, `import` and `fmt`.

They live apart from `cli.py` (validate, build and the rule commands) to keep each module
short; `cli.py` registers them. Like there, heavy modules are imported inside the commands.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from stagespec.diagnostics import printable
from stagespec.errors import UsageError

if TYPE_CHECKING:
    from stagespec.loader import Document

EXIT_OK, EXIT_FINDINGS = 0, 1


def _checked(path: Path) -> Document:
    """The spec's Document when it validates; otherwise its diagnostics and exit 1."""
    from stagespec.engine import validate_file

    result = validate_file(path)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if errors or result.document is None:
        for d in result.diagnostics:
            click.echo(d.format(), err=True)
        click.echo(f"{printable(result.file)}: the spec has errors; fix them first", err=True)
        unreadable = any(d.code == "SS005" for d in result.diagnostics)
        sys.exit(2 if unreadable else EXIT_FINDINGS)
    return result.document


@click.group(name="env")
def env_group() -> None:
    """Check the deploy host's environment against a spec."""


@env_group.command(name="check", short_help="Check this host provides every secret.")
@click.argument("spec", default="stack.yaml", type=click.Path(dir_okay=False))
@click.option("--env", "env", metavar="NAME", help="The environment to check.")
@click.option(
    "--env-file",
    "env_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Also read variables from FILE (repeatable; later files win over earlier ones).",
)
def env_check(spec: str, env: str | None, env_files: tuple[str, ...]) -> None:
    """Check that this host provides every variable and secret file SPEC needs.

    Lists what is missing or empty, never a value; exits 1 when anything is missing.
    The process environment wins over the files, as with docker compose.
    """
    from stagespec.envcheck import check_environment, format_report, select_environment

    path = Path(spec)
    for file in env_files:
        if not Path(file).is_file():
            raise UsageError(f"env file {file} does not exist")
    doc = _checked(path)
    chosen = select_environment(doc, env)
    files = [Path(f) for f in env_files]
    report = check_environment(chosen, os.environ, files, path.parent)
    click.echo(format_report(report), nl=False)
    sys.exit(EXIT_OK if report.ok else EXIT_FINDINGS)


@click.command(short_help="What a spec change means, and its generated diff.")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", required=False, type=click.Path(dir_okay=False))
@click.option("--git", "rev", metavar="REF", help="Compare OLD as git revision REF has it.")
def diff(old: str, new: str | None, rev: str | None) -> None:
    """Summarise what changes for the stack between two specs, then diff the generated files.

    `stagespec diff OLD NEW` compares two files; `stagespec diff SPEC --git REF` compares
    SPEC with its version at REF (for a pull request: `--git origin/main`).
    Both render as if at the newer spec's path. Exit 0 either way; 1 if a spec has errors.
    """
    from stagespec.loader import load_path
    from stagespec.revision import spec_at_revision
    from stagespec.specdiff import diff_documents

    if (new is None) == (rev is None):
        raise click.UsageError("give OLD and NEW, or one SPEC with --git REF")
    new_path = Path(new) if new is not None else Path(old)
    if rev is not None:
        old_doc = spec_at_revision(new_path, rev)
        _checked(new_path)
    else:
        _checked(Path(old))
        old_doc = load_path(Path(old))
    new_doc = _checked(new_path)
    out = Path("generated") / str(new_doc.data.get("project", "stack"))
    result = diff_documents(old_doc, new_doc, new_path, out)
    click.echo("\n".join(result.summary) if result.summary else "no change to the stack")
    if result.files:
        click.echo()
        click.echo(result.files, nl=False)


@click.command(short_help="Write a commented starter stack.yaml.")
@click.argument("path", default="stack.yaml", type=click.Path(dir_okay=False))
@click.option("--project", help="Project name [default: from the folder's name].")
def init(path: str, project: str | None) -> None:
    """Write a commented starter spec to PATH (default: ./stack.yaml); never overwrites."""
    from stagespec.importer_values import spec_name
    from stagespec.starter import starter_spec

    target = Path(path)
    name = project or spec_name(target.resolve().parent.name)
    if name is None:
        raise UsageError("cannot make a project name of this folder's name; give --project")
    _create(target, starter_spec(name))
    click.echo(f"{printable(str(target))}: wrote a starter spec for project {name!r}")
    click.echo(f"next: edit it, then `stagespec validate {target.as_posix()}`")


@click.command(name="import", short_help="Turn a docker-compose file into a stack.yaml.")
@click.argument("compose", type=click.Path(dir_okay=False, exists=True))
@click.option("--project", help="Project name [default: compose's name, or the folder's].")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Where to write the spec [default: stack.yaml beside COMPOSE].",
)
def import_(compose: str, project: str | None, output: str | None) -> None:
    """Turn a docker-compose file into a stack.yaml; literal secrets become references.

    Never overwrites. Prints what could not be mapped, and the variables to set.
    """
    from stagespec.importer import import_compose
    from stagespec.loader import decode

    source = Path(compose)
    try:
        raw = source.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {source}: {e.strerror}") from e
    text = decode(source.as_posix(), raw)
    result = import_compose(
        text, source.as_posix(), project=project, folder=source.resolve().parent.name
    )
    target = Path(output) if output else source.parent / "stack.yaml"
    _create(target, result.text)
    click.echo(f"{printable(str(target))}: imported {printable(str(source))}")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if result.variables:
        click.echo("set before building: " + ", ".join(result.variables), err=True)


def _create(target: Path, text: str) -> None:
    try:
        with open(target, "x", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except FileExistsError as e:
        raise UsageError(f"{target} exists; not overwriting it") from e
    except OSError as e:
        raise UsageError(f"cannot write {target}: {e.strerror}") from e


@click.command(short_help="Rewrite specs in canonical layout, keeping comments.")
@click.argument("specs", nargs=-1, type=click.Path(dir_okay=False, exists=True))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file would change.")
def fmt(specs: tuple[str, ...], check: bool) -> None:
    """Rewrite SPEC files (default: ./stack.yaml) in canonical layout, keeping comments."""
    from stagespec.fmt import format_spec
    from stagespec.loader import decode

    paths = [Path(s) for s in specs] or [Path("stack.yaml")]
    changed = 0
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise UsageError(f"cannot read {path}: {e.strerror}") from e
        text = decode(path.as_posix(), raw)
        formatted = format_spec(text, path.as_posix())
        if formatted == text:
            continue
        changed += 1
        if check:
            click.echo(f"would reformat {printable(str(path))}")
        else:
            _replace(path, formatted)
            click.echo(f"reformatted {printable(str(path))}")
    unchanged = len(paths) - changed
    verb = "would be reformatted" if check else "reformatted"
    click.echo(f"{changed} file(s) {verb}, {unchanged} left unchanged", err=True)
    sys.exit(EXIT_FINDINGS if check and changed else EXIT_OK)


def _replace(path: Path, text: str) -> None:
    """Write `text` over `path` atomically: a crash leaves the old file, not half of one."""
    real = path.resolve()  # a symlinked spec keeps its link; its target is rewritten
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{real.name}.", dir=real.parent)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temp, os.stat(real).st_mode & 0o7777)
        os.replace(temp, real)
    except OSError as e:
        Path(temp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {e.strerror}") from e


COMMANDS = (env_group, diff, init, import_, fmt)
