"""Compose text: `$` escaping, generated interpolations, and the YAML dumper."""

from __future__ import annotations

from typing import Any

import yaml


class Raw(str):
    """Compose text stagespec wrote itself (`${VAR:?...}`): exempt from `$` escaping."""

    __slots__ = ()


class Quoted(str):
    """A string always written in double quotes: compose-spec asks it of port mappings."""

    __slots__ = ()


def required(var: str) -> Raw:
    """Interpolation that makes compose fail with a clear message when `var` is unset."""
    return Raw(f"${{{var}:?{var} is required}}")


def escape(data: object) -> object:
    """A copy of `data` with every `$` doubled, except in `Raw` strings (made plain)."""
    if isinstance(data, Raw):
        return str(data)
    if isinstance(data, str):
        # type(data) keeps Quoted for the dumper.
        return type(data)(data.replace("$", "$$"))
    if isinstance(data, dict):
        return {escape(k): escape(v) for k, v in data.items()}
    if isinstance(data, list):
        return [escape(v) for v in data]
    return data


class _Dumper(yaml.CSafeDumper):  # libyaml's emitter: same output, much faster
    pass


def _quoted(dumper: yaml.CSafeDumper, data: Quoted) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style='"')


_Dumper.add_representer(Quoted, _quoted)


def dump(data: dict[str, Any]) -> str:
    """`data` with every `$` escaped, as YAML: yaml.safe_dump's output, plus Quoted."""
    return yaml.dump(
        escape(data),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
