"""Compose text: `$` escaping, generated interpolations, and the YAML dumper."""

from __future__ import annotations

from typing import Any

from stagespec.targets.base import YamlWriter


class Raw(str):
    """Compose text stagespec wrote itself (`${VAR:?...}`): exempt from `$` escaping."""

    __slots__ = ()


class Quoted(str):
    """A string always written in double quotes: compose-spec asks it of port mappings."""

    __slots__ = ()


def required(var: str) -> Raw:
    """Interpolation that makes compose fail with a clear message when `var` is unset."""
    return Raw(f"${{{var}:?{var} is required}}")


class _Writer(YamlWriter):
    """Doubles every `$` as it writes a string, except in `Raw` strings."""

    def string(self, value: str) -> tuple[str, str | None]:
        if type(value) is Raw:
            return str(value), None
        return value.replace("$", "$$"), '"' if type(value) is Quoted else None


def dump(data: dict[str, Any]) -> str:
    """`data` as YAML, with every `$` escaped but in `Raw` strings and `Quoted` quoted."""
    return _Writer().dump_all([data])
