"""The `stagespec` group: every command registered, stagespec's errors mapped to exit codes.

Heavy modules (pydantic, the emitters) are imported inside the commands that use them, so
that `--help`, `--version` and `validate` start fast.
"""

from __future__ import annotations

import gc
import sys

import click

from stagespec import __version__
from stagespec.diagnostics import printable


class _Group(click.Group):
    """Maps stagespec's own errors to a clean message and exit code; never a traceback.

    Its commands are those of `COMMANDS`, each imported on first use.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        import importlib

        module, attribute = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def invoke(self, ctx: click.Context) -> object:
        from stagespec.errors import StagespecError
        from stagespec.gcpause import gc_paused

        try:
            with gc_paused():  # a command allocates much and frees little: see gc_paused
                return super().invoke(ctx)
        except StagespecError as e:
            lines = [f"stagespec: error: {printable(str(e))}"]
            lines += [f"  {printable(detail)}" for detail in e.details]
            click.echo("\n".join(lines), err=True)
            sys.exit(e.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stagespec")
def main() -> None:
    """Validate a stack.yaml and compile it into every config file of the stack."""


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


# Each command by name, and where it is defined: a command's module is imported when the
# command runs (or `--help` lists it), so that `validate`, run on every commit by the hooks,
# does not pay for the imports of `import`, `fmt`, `build`, `diff` and `env`.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("stagespec.cli.validate", "validate"),
    "schema": ("stagespec.cli.validate", "schema"),
    "rules": ("stagespec.cli.validate", "list_rules"),
    "explain": ("stagespec.cli.validate", "explain"),
    "build": ("stagespec.cli.build", "build"),
    "env": ("stagespec.cli.env", "env_group"),
    "diff": ("stagespec.cli.diff", "diff"),
    "init": ("stagespec.cli.author", "init"),
    "import": ("stagespec.cli.author", "import_"),
    "fmt": ("stagespec.cli.author", "fmt"),
}
