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

from collections.abc import Iterator
from typing import Any

from stagespec.diagnostics import Severity
from stagespec.load.document import Path
from stagespec.model.parse import TYPED_EXTENSIONS
from stagespec.model.values import references
from stagespec.rules.base import Context, Finding, did_you_mean

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
    left_out = {"variables"} if overlays else {"variables", "environments"}
    left_out.update(k for k in data if isinstance(k, str) and k.startswith("x-"))
    left_out -= TYPED_EXTENSIONS
    yield from _walk({k: v for k, v in data.items() if k not in left_out}, ())


def _walk(value: Any, path: Path) -> Iterator[tuple[Path, list[str]]]:
    # Scalars are judged in their container's loop, containers walked with a stack: the
    # walk meets every value of the spec, and most are short strings with no `${`.
    stack: list[tuple[Any, Path]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if "${" in node and (names := references(node)):
                yield where, names
            continue
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        found: list[tuple[Any, Path]] = []
        for k, v in items:
            if type(v) is str:
                if "${" in v and (names := references(v)):
                    found.append((v, (*where, k)))
            elif isinstance(v, dict | list):
                found.append((v, (*where, k)))
        stack.extend(reversed(found))  # document order


def check(ctx: Context) -> Iterator[Finding]:
    known = declared(ctx.doc.data)
    for path, names in referencing_strings(ctx.doc.data, overlays=False):
        for name in dict.fromkeys(names):  # each name once per string, in order
            if name in known:
                continue
            suffix = did_you_mean(name, [str(k) for k in known])
            yield Finding(
                path,
                f"`${{{name}}}` names no variable declared under `variables:`{suffix}",
            )
