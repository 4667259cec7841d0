"""The one exception root of stagespec; the CLI maps it to exit codes."""

from __future__ import annotations

from stagespec.diagnostics import Diagnostic


class StagespecError(Exception):
    """Root of every error stagespec raises on purpose.

    `details` are further lines under the message (one problem each): the CLI prints each
    on a line of its own, escaped like the message, so that no value in one can start a
    line of its own.
    """

    exit_code = 2
    details: tuple[str, ...] = ()


class SpecLoadError(StagespecError):
    """The spec file cannot be read as a YAML mapping; carries its diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


class UsageError(StagespecError):
    """The command was called wrongly (missing file, bad option)."""


class OutputError(StagespecError):
    """Generated files could not be written."""
