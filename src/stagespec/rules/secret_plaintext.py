"""No secret is written in plain text anywhere in the spec.

Every string and number of the spec is scanned (environment values, commands and
entrypoints as a string or a list, healthcheck tests, labels, build arguments, extra hosts,
URLs, variable defaults, `x-compose`, overlays) for:

- a value under a key that names a secret (password, token, api key, private key,
  credentials...), digits included: `POSTGRES_PASSWORD: 48151623` is a password;
- a known token shape (AWS, GitHub, GitLab, OpenAI, Anthropic, Slack, Stripe, Google,
  npm, Hugging Face, private key blocks, JWTs);
- a URL with a password (`postgres://app:...@db/app`);
- a password in a command: an option or variable that names one (`--requirepass X`,
  `--password=X`, `PGPASSWORD=X psql`), a Redis directive (`masterauth X`), an SQL
  `PASSWORD '...'`, or a client's short option (`mysql -pX`, `redis-cli -a X`); in a
  list-form command the option and its value are separate items;
- a high-entropy string.

Values are literal, as the emitters write them: a `$` in a value excuses nothing. Only a
value that is one whole reference (`${NAME}`, `$NAME`, or `$(cat /run/secrets/x)` in a
command, which the container's shell runs) is not a secret; the default of
`${NAME:-default}` is judged as a value, and so is a variable's `default`, under the
variable's name as its key (`variables: {DB_PASSWORD: {default: x}}` is a password).

The message names the key path, the place in the value where the secret starts, and what
it looks like ("a password given to --requirepass", "a GitHub token", "a URL with a
password"); it never shows any character of the value.

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
from stagespec.load.document import Document, Path
from stagespec.rules.base import Context, Finding
from stagespec.secretscan.scanner import (
    SHORTEST_SELF_EVIDENT,
    is_sensitive_key,
    option_name,
    scan,
    scan_words,
)
from stagespec.secretscan.scanner import Finding as Secret

CODE = "SS301"
NAME = "secret-plaintext"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ()  # the raw document only: it runs on any spec that loads

# References name secrets but hold none; each environment's overlay is scanned once,
# merged into that environment's spec, not again from the base document.
_SKIP = {("environments",)}

# Where, the key or option naming it, and the text (a tuple: the words of a list).
_Literal = tuple[Path, str | None, str | tuple[str, ...]]


def scalar_text(value: Any) -> str | None:
    """A scalar as the text the scanner judges: strings and numbers, not booleans."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    return None


def _key(path: Path, key: str) -> str:
    """The key a value is judged under: a variable's default is judged as its variable."""
    if key == "default" and len(path) == 2 and path[0] == "variables":
        return str(path[1])
    return key


def _strings(value: Any, path: Path, key: str | None, found: list[_Literal]) -> None:
    """Append every literal under `value` to `found`, in document order, but those that
    `scan` passes over at once (shorter than `k=v`, under a key that names no secret)."""
    if isinstance(value, dict):
        if path in _SKIP or (len(value) == 1 and "secret" in value):
            return
        if len(path) == 4 and path[0] == "services" and path[2] == "secrets":
            value = {k: v for k, v in value.items() if k != "secret"}  # a mount names one
        for k, v in value.items():
            kind = type(v)
            if kind is str or kind is int:  # most values: judged here, as scan() begins
                text = v if kind is str else str(v)
                name = _key(path, k) if k == "default" else k
                if len(text) >= SHORTEST_SELF_EVIDENT or is_sensitive_key(name):
                    found.append(((*path, k), name, text))
            else:
                _strings(v, (*path, k), _key(path, k), found)
    elif isinstance(value, list):
        words = [scalar_text(v) for v in value]
        if value and all(word is not None for word in words):
            found.append((path, None, tuple(word for word in words if word is not None)))
            return
        for i, v in enumerate(value):
            _strings(v, (*path, i), option_name(value[i - 1]) if i else None, found)
    elif (text := scalar_text(value)) is not None and (
        len(text) >= SHORTEST_SELF_EVIDENT or (key is not None and is_sensitive_key(key))
    ):
        found.append((path, key, text))


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
        if isinstance(value, tuple):
            for index, secret in scan_words(value, **limits):
                yield _finding((*path, index), secret)
        elif (secret_found := scan(key, value, **limits)) is not None:
            yield _finding(path, secret_found)


def _finding(path: Path, secret: Secret) -> Finding:
    """The diagnostic: where, and what the value looks like; never any of the value."""
    at = f" (from character {secret.offset + 1} of the value)" if secret.offset else ""
    return Finding(
        path,
        f"{dotted_path(path)} holds {secret.description} in plain text{at}; "
        "declare it under `secrets:` and refer to it with {secret: name}",
    )
