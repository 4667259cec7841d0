"""Writing one `KEY=value` line that every reader of `.env` takes literally.

Two parsers read the generated `.env` (as the project's interpolation file and as the
runtime service's `env_file`):

- Compose v2 (compose-go `dotenv`, docs.docker.com/compose/env-file): unquoted and
  double-quoted values are interpolated (`$VAR`, `${VAR}`); single-quoted values are
  literal; an unquoted value ends at ` #`.
- docker-compose 1.29 (python-dotenv 0.21 `dotenv_values(interpolate=True)`): expands
  `${VAR}` in every value, single-quoted included, and has no escape for it; `$VAR`
  without braces stays literal. Both decode backslash escapes in quoted values, not
  identically.

So: a line break or control character is refused (it would start a new variable); so
are `${` (1.29 would expand it) and a backslash (the two parsers decode escapes
differently, and a trailing one swallows the closing quote). Then a value is written bare
when it has only safe characters; else in single quotes when it has no `'`; else in
double quotes when it has no `"`, `$` or backtick, where neither parser changes anything.
Any other value is refused: no quoting keeps it literal for both.
"""

from __future__ import annotations

import re
import unicodedata

from stagespec.errors import StagespecError

_BARE = re.compile(r"^[A-Za-z0-9_./:,@%+=-]*$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class EnvValueError(StagespecError):
    """A setting cannot be written to `.env` so that it reads back unchanged."""


def _breaks_line(value: str) -> bool:
    # Cc covers \n, \r, NUL, DEL and U+0085; Zl/Zp end a line for str.splitlines() too.
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value)


def quote(key: str, value: str) -> str:
    """`value` as the right-hand side of a `.env` line, or EnvValueError."""
    if _breaks_line(value):
        raise EnvValueError(f"{key}: a control character or line break cannot go in .env")
    if "${" in value:
        raise EnvValueError(
            f"{key}: docker-compose 1.29 expands `${{...}}` in .env values whatever the "
            "quoting; write the value without `${`"
        )
    if "\\" in value:
        raise EnvValueError(f"{key}: a backslash cannot be written to .env unambiguously")
    if _BARE.match(value):
        return value
    if "'" not in value:
        return f"'{value}'"
    if not any(c in value for c in '"$`'):
        return f'"{value}"'
    raise EnvValueError(
        f'{key}: a value with a single quote and any of " $ ` cannot be quoted so that '
        "both compose v2 and docker-compose 1.29 read it unchanged"
    )


def line(key: str, value: str) -> str:
    """One `KEY=value` line, newline included."""
    if not _KEY.match(key):
        raise EnvValueError(f"{key!r} is not a valid variable name")
    return f"{key}={quote(key, value)}\n"
