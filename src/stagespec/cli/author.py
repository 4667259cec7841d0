"""The commands that write specs: `init`, `import` and `fmt`; never over a file by accident."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

import click

from stagespec.cli.specs import (
    EXIT_FINDINGS,
    EXIT_OK,
    spec_paths,
)
from stagespec.diagnostics import printable
from stagespec.errors import UsageError


@click.command(short_help="Write a commented starter stack.yaml.")
@click.argument("path", default="stack.yaml", type=click.Path())
@click.option("--project", help="Project name [default: from the folder's name].")
def init(path: str, project: str | None) -> None:
    """Write a commented starter spec to PATH (default: ./stack.yaml); never overwrites.

    PATH may be a folder (one that exists, or any path ending in `/` or without a .yaml
    or .yml suffix): the spec is then its stack.yaml.
    """
    from stagespec.engine.writer import real_path
    from stagespec.importer.values import spec_name
    from stagespec.init.starter import starter_spec

    target = _init_target(path)
    name = project or spec_name(real_path(target).parent.name)
    if name is None:
        raise UsageError("cannot make a project name of this folder's name; give --project")
    _create(target, starter_spec(name))
    click.echo(f"{printable(str(target))}: wrote a starter spec for project {name!r}")
    click.echo(f"next: edit it, then `stagespec validate {printable(target.as_posix())}`")


def _init_target(path: str) -> Path:
    """The file `init PATH` writes: PATH itself, or stack.yaml in PATH when it names a folder.

    A name with no YAML suffix that does not exist is taken for a folder too (and made): a
    spec file named `somedir` is never what was meant.
    """
    target = Path(path)
    is_file_name = target.suffix.lower() in {".yaml", ".yml"} or target.exists()
    if path.endswith(("/", os.sep)) or target.is_dir() or not is_file_name:
        return target / "stack.yaml"
    return target


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
    from stagespec.importer.convert import import_compose
    from stagespec.load.document import decode
    from stagespec.load.readfile import read_bytes

    source = Path(compose)
    text = decode(source.as_posix(), read_bytes(source))
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
    try:  # like `git init DIR`: a folder that is not there yet is made
        target.parent.mkdir(parents=True, exist_ok=True)
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
    from stagespec.fmt.formatter import format_spec
    from stagespec.load.document import decode
    from stagespec.load.readfile import read_bytes

    paths = spec_paths(specs)
    changed = 0
    for path in paths:
        text = decode(path.as_posix(), read_bytes(path))
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
    """Write `text` over `path` atomically: a crash leaves the old file, not half of one.

    The new file takes the old one's owner, group and mode before it takes its place: run
    as root, a rewrite must not leave a user's spec root-owned (and unreadable to them).
    Where the owner cannot be kept (not root, someone else's file), nothing is written.
    """
    real = path.resolve()  # a symlinked spec keeps its link; its target is rewritten
    try:
        old = os.stat(real)
        if not stat.S_ISREG(old.st_mode):
            raise UsageError(f"cannot rewrite {path}: not a regular file (try --check)")
        fd, temp = tempfile.mkstemp(prefix=f".{real.name}.", dir=real.parent)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}") from e
    replaced = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            _take_owner(handle.fileno(), old, path)
            # The mode after the owner: chown clears the set-id bits.
            os.fchmod(handle.fileno(), stat.S_IMODE(old.st_mode))
        os.replace(temp, real)
        replaced = True
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}") from e
    finally:
        if not replaced:
            Path(temp).unlink(missing_ok=True)


def _take_owner(fd: int, old: os.stat_result, path: Path) -> None:
    """Give the open file `fd` the owner and group of `old`."""
    new = os.fstat(fd)
    if (old.st_uid, old.st_gid) == (new.st_uid, new.st_gid):
        return
    try:
        os.fchown(fd, old.st_uid, old.st_gid)
    except PermissionError as e:
        raise UsageError(
            f"cannot rewrite {path}: its owner or group ({old.st_uid}:{old.st_gid}) could not "
            "be kept; run as its owner"
        ) from e
