"""Compose text: `$` escaping, interpolation of the spec's variables, and the YAML dumper.

Every string of the spec reaches the compose file through `compose_text`, the one place
strings are escaped: a `${NAME}` reference becomes compose interpolation, a spec `$${`
(a literal `${`) is written `$${`, and every other `$` is doubled, so compose reads it as
the `$` it is. Compose interpolates values, never mapping keys, so a key is written as it
reads (`keys`).

A reference becomes, by how its variable is declared:
- `${NAME:-default}` with a default: compose uses the default when NAME is unset or empty;
- `${NAME:?NAME is required: set it in .env}` when it is required;
- `${NAME:-}` with neither (an unset NAME is empty, without compose's warning).

Compose (compose-go, v2) reads a default up to the first `}`, and interpolates it again:
a `$` of a default is written `$$`. So a default holding `}` or `${` cannot be written
(compose would end it early or count a brace that is not one) and is refused. Older
compose v2 releases choose the kind of an interpolation by the first `?` or `-` of the
whole string, so a default holding `?` is refused where a `?` comes before the string's
first `-`. docker-compose 1.29 reads a default as it is written: one holding `$` reads
`$$` there (compose v2 is the authority; see the README).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from stagespec.errors import StagespecError
from stagespec.model.spec import Variable
from stagespec.model.values import REFERENCE, VarInt
from stagespec.targets.base import YamlWriter

REQUIRED_HINT = "set it in .env"
"""What the message of a required variable tells the user to do."""

Variables = Mapping[str, Variable | None]


class ComposeError(StagespecError):
    """The spec cannot be written as a compose file."""


class Raw(str):
    """Compose text stagespec wrote itself (`${VAR:?...}`): exempt from `$` escaping."""

    __slots__ = ()


class Quoted(str):
    """A string always written in double quotes: compose-spec asks it of port mappings."""

    __slots__ = ()


def required(var: str) -> Raw:
    """Interpolation that makes compose fail with a clear message when `var` is unset."""
    return Raw(f"${{{var}:?{var} is required}}")


def _default(name: str, default: str) -> str:
    """A variable's default as compose reads it back inside `${NAME:-...}`."""
    if "}" in default:
        raise ComposeError(
            f"the default of variable {name} holds `}}`: compose ends a default at the "
            "first `}`, so it cannot be written; change the default"
        )
    if "${" in default:
        raise ComposeError(
            f"the default of variable {name} holds `${{`: compose would read it as an "
            "interpolation of its own; change the default"
        )
    return default.replace("$", "$$")


def interpolation(name: str, variables: Variables) -> str:
    """The compose interpolation of a reference to `name`."""
    if name not in variables:
        raise ComposeError(f"`${{{name}}}` names no variable: declare {name} under `variables`")
    variable = variables[name]
    if variable is not None and variable.needs_value:
        return f"${{{name}:?{name} is required: {REQUIRED_HINT}}}"
    if variable is None or variable.default is None:
        return f"${{{name}:-}}"
    return f"${{{name}:-{_default(name, variable.default)}}}"


def compose_text(text: str, variables: Variables) -> str:
    """A spec string as compose text: references interpolated, every other `$` literal."""
    if "$" not in text:
        return text
    parts: list[str] = []
    start = 0
    asked = False  # a default holding `?` is written
    for match in REFERENCE.finditer(text):
        parts.append(text[start : match.start()].replace("$", "$$"))
        name = match.group(1)
        if name is None:
            parts.append("$${")
        else:
            parts.append(interpolation(name, variables))
            variable = variables[name]
            asked = asked or bool(variable and variable.default and "?" in variable.default)
        start = match.end()
    parts.append(text[start:].replace("$", "$$"))
    result = "".join(parts)
    if asked and -1 < result.find("?") < result.find("-"):
        raise ComposeError(
            "a default holding `?` follows a `?` of the same text: older compose v2 "
            "releases would read it as a required variable; change the default or the text"
        )
    return result


def key_text(key: str) -> str:
    """A mapping key as compose reads it: keys are never interpolated."""
    if "${" not in key:
        return key
    found = [m.group(1) for m in REFERENCE.finditer(key) if m.group(1)]
    if found:
        raise ComposeError(
            f"a key names variable {found[0]}, but compose does not interpolate keys; "
            "put the variable in a value"
        )
    return key.replace("$${", "${")


class _Text(str):
    """A string already in compose's text."""

    __slots__ = ()


class _QuotedText(_Text):
    __slots__ = ()


def _where(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _text(value: str, variables: Variables) -> _Text:
    if type(value) is Raw:
        return _Text(value)
    text = compose_text(value, variables)
    return _QuotedText(text) if type(value) is Quoted else _Text(text)


def _prepared(data: Any, variables: Variables, path: tuple[str | int, ...] = ()) -> Any:
    """`data` in compose's text, with the numbers the writer knows only as int and float."""
    kind = type(data)
    try:
        if kind is dict:
            return {
                (_Text(key_text(key)) if isinstance(key, str) else key): _prepared(
                    value, variables, (*path, str(key))
                )
                for key, value in data.items()
            }
        if kind is list:
            return [_prepared(item, variables, (*path, i)) for i, item in enumerate(data)]
        if isinstance(data, VarInt):
            if data.template is None:
                return int(data)
            return _text(data.template, variables)
        if isinstance(data, str):
            return _text(data, variables)
    except ComposeError as error:
        if not path or str(error).startswith("at "):
            raise
        raise ComposeError(f"at {_where(path)} of the compose file: {error}") from None
    if isinstance(data, Decimal):
        whole = data == data.to_integral_value() and int(data.as_tuple().exponent) >= 0
        return int(data) if whole else float(data)
    return data


class _Writer(YamlWriter):
    """Writes strings prepared by `_prepared` as they are."""

    def string(self, value: str) -> tuple[str, str | None]:
        if isinstance(value, _Text):
            return str(value), '"' if type(value) is _QuotedText else None
        raise TypeError("a string not prepared as compose text")


def dump(data: dict[str, Any], variables: Variables | None = None) -> str:
    """`data` as compose YAML: strings escaped and interpolated, `Quoted` quoted."""
    return _Writer().dump_all([_prepared(data, variables or {})])
