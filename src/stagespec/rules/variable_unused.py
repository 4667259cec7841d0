"""A declared variable is used by some string of the spec.

A variable nothing references still shows up in `.env.example` and in `env check`, so
every host is asked for a setting that changes nothing. A reference in an environment's
overlay counts as a use, and a variable that only an overlay declares is checked too.

Failing:

    variables:
      WEB_PORT: {default: "8080"}
    services:
      web: {image: "nginx:1.27", ports: ["8080:80"]}

Fixed: `ports: ["${WEB_PORT}:80"]`, or remove the variable.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.load.events import Path
from stagespec.rules.base import Context, Finding
from stagespec.rules.variable_undefined import declared, referencing_strings

CODE = "SS108"
NAME = "variable-unused"
SEVERITY: Severity = "warning"
READS: tuple[str, ...] = ()  # the raw document only: it runs on any spec that loads


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.environment is not None:
        # the base document holds every overlay, so the base spec's run decides for all
        return
    data = ctx.doc.data
    places: dict[str, Path] = {}  # each variable, where it is first declared
    for name in declared(data):
        places.setdefault(name, ("variables", name))
    overlays = data.get("environments") if isinstance(data, dict) else None
    for env, overlay in overlays.items() if isinstance(overlays, dict) else ():
        for name in declared(overlay):  # one only an overlay declares
            places.setdefault(name, ("environments", env, "variables", name))
    if not places:
        return
    used = {n for _, names in referencing_strings(data, overlays=True) for n in names}
    for name, path in places.items():
        if isinstance(name, str) and name not in used:
            yield Finding(path, f"variable {name!r} is declared but no string uses it", on_key=True)
