"""Every `${NAME}` in the spec names a variable declared under `variables:`.

A reference can stand in any string of the spec: an image tag, a port, a command, an
environment value, a mount source, a healthcheck, `x-compose`. Compose would read an
undeclared one as an empty string and Kubernetes would get no value for it, so it is an
error at the string that holds it, with a did-you-mean. `$${` writes a literal `${`; any
other `$` is literal text and names nothing.

Failing:

    variables:
      PG_VERSION: {default: "16"}
    services:
      db: {image: "postgres:${PG_VERISON}-alpine"}

Fixed: `image: "postgres:${PG_VERSION}-alpine"`, or declare `PG_VERISON`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from stagespec.diagnostics import Severity
from stagespec.load.document import Path
from stagespec.model.parse import TYPED_EXTENSIONS
from stagespec.model.values import references
from stagespec.rules.base import Context, Finding

CODE = "SS107"
NAME = "variable-undefined"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ()  # the raw document only: it runs on any spec that loads


def declared(data: Any) -> dict[str, Any]:
    """The variables the raw document declares, by name."""
    found = data.get("variables") if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


def referencing_strings(data: Any, *, overlays: bool) -> Iterator[tuple[Path, list[str]]]:
    """Each string of the document that names variables, with the names, in document order.

    The `variables` section itself is left out (a default is literal text, a description
    prose), as are the top-level `x-` keys that only hold YAML anchors. `overlays`: also
    the strings of `environments`, which a base spec's document still holds.
    """
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if key == "variables" or (key == "environments" and not overlays):
            continue
        if isinstance(key, str) and key.startswith("x-") and key not in TYPED_EXTENSIONS:
            continue
        yield from _walk(value, (key,))


def _walk(value: Any, path: Path) -> Iterator[tuple[Path, list[str]]]:
    if isinstance(value, str):
        if "${" in value and (names := references(value)):
            yield path, names
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, (*path, i))


def check(ctx: Context) -> Iterator[Finding]:
    known = declared(ctx.doc.data)
    for path, names in referencing_strings(ctx.doc.data, overlays=False):
        for name in dict.fromkeys(names):  # each name once per string, in order
            if name in known:
                continue
            hint = difflib.get_close_matches(name, [str(k) for k in known], n=1)
            suffix = f"; did you mean {hint[0]!r}?" if hint else ""
            yield Finding(
                path,
                f"`${{{name}}}` names no variable declared under `variables:`{suffix}",
            )
