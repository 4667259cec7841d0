"""A variable's default can be written into the generated files unchanged.

Compose output keeps each reference as `${NAME:-default}`, and `.env.example` lists the
default as `NAME=default`. Compose ends the default at the first `}` and cannot carry a
line break inside it; `.env` refuses a control character, a backslash or `${`, and a
value with both a `'` and one of `"`, `$` or a backtick (see the `env-value` rule). A
default with any of these would reach the containers changed, so it is an error.

Failing:

    variables:
      GREETING: {default: "{hello}"}

Fixed: a default without `}`, e.g. `default: hello`, or set the value on the host and
leave the default out.
"""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.plan.envquote import EnvValueError, quote
from stagespec.rules.base import Context, Finding
from stagespec.rules.secret_plaintext import scalar_text
from stagespec.rules.variable_undefined import declared

CODE = "SS109"
NAME = "variable-default"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ()  # the raw document only: it runs on any spec that loads


def problem(name: str, default: str) -> str | None:
    """Why `default` cannot be written as the default of `name`; None when it can."""
    import unicodedata  # only for a spec with defaults

    if "}" in default:
        return "compose ends `${NAME:-default}` at the first `}`, which this default holds"
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in default):
        return "a line break or control character cannot go inside `${NAME:-default}`"
    try:
        quote(name, default)
    except EnvValueError as e:
        return f"it cannot be written to .env.example unchanged: {e}"
    return None


def check(ctx: Context) -> Iterator[Finding]:
    for name, variable in declared(ctx.doc.data).items():
        if not isinstance(variable, dict) or not isinstance(name, str):
            continue
        text = scalar_text(variable.get("default"))
        if text is not None and (why := problem(name, text)) is not None:
            yield Finding(("variables", name, "default"), f"the default of {name}: {why}")
