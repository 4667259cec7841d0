"""Secret variables (`variables.NAME.secret: true`) in a build that substitutes variables.

The Kubernetes target substitutes each variable's value at build time, but a secret
variable's value must never be written into a manifest. So the substitution writes a
marker in its place, which names the variable and holds no value, and the target turns
each marker into a reference the container resolves at run time: `$(NAME)` in a command,
an argument or an env value (the kubelet expands it from the container's env, where
`NAME` is read from a Secret), `${NAME}` in a shell healthcheck (the shell expands it).

Only those places can take a secret at run time (`usable_at`, by the path of a string in
the spec's data), and the substitution refuses a secret variable anywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from stagespec.load.events import Path

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters: no spec text holds them
MARKER = re.compile(_OPEN + r"([A-Za-z_][A-Za-z0-9_]*)" + _CLOSE)
SERVICE_KEYS = ("command", "entrypoint", "environment", "healthcheck")
"""The keys of a service under which a secret variable can be used."""


def marker(name: str) -> str:
    """What the substitution writes for secret variable `name`: its name, no value."""
    return f"{_OPEN}{name}{_CLOSE}"


def usable_at(path: Path) -> bool:
    """Whether a secret variable can be used in the string at `path`: a service's
    command, entrypoint, env value or healthcheck (its test: the other fields are
    durations and counts, where a variable needs a default, which a secret has not)."""
    return len(path) >= 3 and path[0] == "services" and path[2] in SERVICE_KEYS


def names(text: str) -> list[str]:
    """The secret variables whose markers `text` holds, in order, each once."""
    return list(dict.fromkeys(MARKER.findall(text)))


def replaced(text: str, reference: Callable[[str], str]) -> str:
    """`text` with each marker replaced by `reference(name)`."""
    return MARKER.sub(lambda m: reference(m.group(1)), text)
