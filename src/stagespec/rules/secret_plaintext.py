"""No secret is written in plain text anywhere in the spec.

Every string of the spec is scanned (environment values, command arguments, healthcheck
tests, URLs, overlays): a literal value under a key that names a secret (password, token,
api key, private key, credentials...), a known token shape (AWS, GitHub, OpenAI, Slack,
private key blocks, JWTs), a URL with a password, or a high-entropy string. The value is
never shown, only a redacted hint.

Failing:

    services:
      postgres:
        image: postgres:15-alpine
        environment:
          POSTGRES_PASSWORD: hunter2

Fixed: declare the secret and refer to it.

    secrets:
      postgres_password: {env: POSTGRES_PASSWORD}
    services:
      postgres:
        environment:
          POSTGRES_PASSWORD: {secret: postgres_password}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from stagespec.diagnostics import Severity, dotted_path
from stagespec.loader import Document, Path
from stagespec.rules.base import Context, Finding
from stagespec.secretscan import scan

CODE = "SS301"
NAME = "secret-plaintext"
SEVERITY: Severity = "error"

# Declarations and references name secrets but hold none; each environment's overlay is
# scanned once, merged into that environment's spec, not again from the base document.
_SKIP = {("secrets",), ("environments",)}

_Literal = tuple[Path, str | None, str]  # where, the key or flag naming it, the text


def _strings(value: Any, path: Path, key: str | None, found: list[_Literal]) -> None:
    """Append every literal under `value` to `found`, in document order."""
    if isinstance(value, dict):
        if path in _SKIP or (len(value) == 1 and "secret" in value):
            return
        for k, v in value.items():
            _strings(v, (*path, k), k, found)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _strings(v, (*path, i), _flag(value[i - 1]) if i else None, found)
    elif isinstance(value, str):
        found.append((path, key, value))
    elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        found.append((path, key, str(value)))


def _flag(previous: Any) -> str | None:
    """`--requirepass` before a value in an argument list names that value, like a key."""
    if isinstance(previous, str) and previous.startswith("-") and "=" not in previous:
        return previous.lstrip("-")
    return None


def check(ctx: Context) -> Iterator[Finding]:
    return check_data(ctx.doc, ctx.options_for(CODE))


def check_data(doc: Document, options: Mapping[str, Any] | None = None) -> Iterator[Finding]:
    """Scan the raw document; it needs no model, so it runs even when the schema fails.

    Options: `entropy_base64` and `entropy_hex`, the entropy limits (4.5 and 3.0).
    """
    limits = {k: float(v) for k, v in (options or {}).items() if k.startswith("entropy_")}
    literals: list[_Literal] = []
    _strings(doc.data, (), None, literals)
    for path, key, value in literals:
        finding = scan(key, value, **limits)
        if finding is not None:
            where = dotted_path(path)
            yield Finding(
                path,
                f"{where} holds {finding.description} in plain text ({finding.redacted}); "
                "declare it under `secrets:` and refer to it with {secret: name}",
            )
