"""Load: a spec's bytes to `Document`s, YAML nodes with their positions, and its comments.

Reads files (bounded, `readfile`) and turns YAML into data with 1-based positions
(`document`, `events`). May import only diagnostics, errors and gcpause.

Importing the package imports PyYAML with its regular expressions compiled on first use:
see `_import_yaml`.
"""

from __future__ import annotations

import importlib
import re
import sys
from typing import Any

_compile = re.compile


class _Deferred:
    """A regular expression that PyYAML compiles as it is imported, compiled when first used."""

    __slots__ = ("_args", "_pattern")

    def __init__(self, *args: Any) -> None:
        self._args = args
        self._pattern: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        pattern = self._pattern
        if pattern is None:
            pattern = self._pattern = _compile(*self._args)
        return getattr(pattern, name)


def _deferred(pattern: Any, flags: int = 0) -> Any:
    return _Deferred(pattern, flags)


def _import_yaml() -> None:
    """Import PyYAML without compiling the regular expressions of its pure-Python reader,
    resolver and constructor, a tenth of a `validate`'s work (the reader's test for
    printable characters alone is a fifteenth): stagespec reads with libyaml, and builds
    values itself, so a `validate` uses none of them. Each is compiled when it is first used.
    """
    if "yaml" in sys.modules:
        return
    re.compile = _deferred
    try:
        importlib.import_module("yaml")
    finally:
        re.compile = _compile


_import_yaml()
