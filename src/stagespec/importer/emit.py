"""Write an imported spec as YAML text in the reference stack's style.

ruamel.yaml writes it: it resolves scalars as YAML 1.2 does (like the spec loader), so a
string such as `0o17` or `1e3` is quoted where PyYAML would leave it plain. Short lists
and `{secret: ...}` references are in flow style, ports and mounts in double quotes.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

from stagespec.fmt.formatter import SERVICE_ORDER, TOP_ORDER
from stagespec.model.schema import SCHEMA_ID

_FLOW_WIDTH = 80
_QUOTED_LISTS = {"ports", "volumes"}
# Strings YAML 1.1 tools read as booleans; quoted so that every reader sees a string.
_YAML11_BOOL = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def dump_spec(spec: dict[str, Any], source: str) -> str:
    """The spec as text: a schema modeline, a note of its origin, then each section."""
    origin = source if _SAFE_FILE_NAME.match(source) else "a compose file"
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_ID}\n",
        f"# Imported from {origin} by `stagespec import`; review it, then run\n",
        "# `stagespec validate` and `stagespec build`.\n",
    ]
    sections = []
    for key in (k for k in TOP_ORDER if k in spec):
        if key == "services":
            services = [
                _indent(_dump({name: _ordered(service)}, ("services",)))
                for name, service in spec[key].items()
            ]
            sections.append("services:\n" + "\n".join(services))
        else:
            sections.append(_dump({key: spec[key]}, ()))
    text = "".join(lines)
    for i, section in enumerate(sections):
        one_line = section.count("\n") == 1 and (i == 0 or sections[i - 1].count("\n") == 1)
        text += section if i == 0 or one_line else "\n" + section
    return text


def _ordered(service: dict[str, Any]) -> dict[str, Any]:
    """A service's keys in the model's order, as `stagespec fmt` writes them."""
    return {key: service[key] for key in SERVICE_ORDER if key in service}


def _indent(text: str) -> str:
    return "".join("  " + line if line.strip() else line for line in text.splitlines(True))


def _dump(data: dict[str, Any], path: tuple[str, ...]) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # long lines stay whole; flow style is chosen for short lists only
    yaml.representer.add_representer(type(None), _represent_null)
    yaml.representer.add_representer(Decimal, _represent_decimal)
    out = io.StringIO()
    yaml.dump(_node(data, path), out)
    return out.getvalue()


def _represent_decimal(representer: Any, value: Decimal) -> Any:
    # The loader reads every non-integer number as a Decimal: written back as it was.
    return representer.represent_scalar("tag:yaml.org,2002:float", str(value))


def _represent_null(representer: Any, _: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _node(value: Any, path: tuple[str, ...]) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, dict):
        node = CommentedMap((k, _node(v, (*path, str(k)))) for k, v in value.items())
        if not value or set(value) <= {"secret", "env", "file"}:
            node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        quoted = path[-1:] and path[-1] in _QUOTED_LISTS and path[:1] == ("services",)
        items = [
            DoubleQuotedScalarString(v) if quoted and isinstance(v, str) else _node(v, path)
            for v in value
        ]
        seq = CommentedSeq(items)
        if (
            all(isinstance(v, str | int) for v in value)
            and len(", ".join(map(str, value))) + 2 <= _FLOW_WIDTH
        ):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and _YAML11_BOOL.match(value):
        return DoubleQuotedScalarString(value)
    return value
