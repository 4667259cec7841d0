"""`build --target compose`: docker compose and the files it mounts, plus the runtime module."""

from __future__ import annotations

from collections.abc import Mapping

from stagespec.model.spec import Spec
from stagespec.targets import compose, envfile, grafana, prometheus, runtime, smoke
from stagespec.targets.base import Emitter

EMITTERS: tuple[Emitter, ...] = (compose, envfile, prometheus, grafana, runtime, smoke)


def notes(specs: Mapping[str | None, Spec]) -> list[str]:
    """What each environment's compose file leaves out of `depends_on`, as sentences."""
    found = []
    for name, spec in specs.items():
        where = f" in environment {name!r}" if name else ""
        for service, dependency in compose.dropped_dependencies(spec):
            found.append(
                f"{service!r} depends on {dependency!r}, which is disabled{where}: "
                "left out of its depends_on"
            )
    return found
