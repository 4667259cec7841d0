"""`diff`: what a spec change means, and its generated diff."""

from __future__ import annotations

from pathlib import Path

import click

from stagespec.cli.specs import (
    checked,
    spec_paths,
)


@click.command(short_help="What a spec change means, and its generated diff.")
@click.argument("old", required=False, type=click.Path(dir_okay=False))
@click.argument("new", required=False, type=click.Path(dir_okay=False))
@click.option("--git", "rev", metavar="REF", help="Compare OLD as git revision REF has it.")
def diff(old: str | None, new: str | None, rev: str | None) -> None:
    """Summarise what changes for the stack between two specs, then diff the generated files.

    `stagespec diff OLD NEW` compares two files; `stagespec diff SPEC --git REF` compares
    SPEC (default: ./stack.yaml) with its version at REF (for a pull request:
    `--git origin/main`).
    Both render as if at the newer spec's path. Exit 0 either way; 1 if a spec has errors.
    """
    from stagespec.diff.compare import diff_documents
    from stagespec.diff.revision import spec_at_revision

    if rev is None and old is not None and new is not None:
        new_path = Path(new)
        old_doc = checked(Path(old))  # validated once, and its Document used as it is
    elif rev is not None and new is None:
        new_path = spec_paths((old,) if old else ())[0]
        old_doc = spec_at_revision(new_path, rev)
    else:
        raise click.UsageError("give OLD and NEW, or one SPEC with --git REF")
    new_doc = checked(new_path)
    out = Path("generated") / str(new_doc.data.get("project", "stack"))
    result = diff_documents(old_doc, new_doc, new_path, out)
    click.echo("\n".join(result.summary) if result.summary else "no change to the stack")
    if result.files:
        click.echo()
        click.echo(result.files, nl=False)
