"""Compose values in spec syntax: names, interpolation, ports, mounts, durations, sizes.

Each converter returns the spec's form, or raises `Unmapped` with the reason the value
has no typed spec form; the importer then keeps the compose key as it is, under
`x-compose`. No message here ever contains a value that could be a secret.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from stagespec.model.values import Duration, PortMapping, Size, VarInt, VolumeMount


class Unmapped(ValueError):
    """A compose value with no typed spec form; the message says why."""


# The model's name patterns (model/values.py): names become compose keys, variable
# parts and Python identifiers, so imported names are made to fit them.
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
SECRET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
VOLUME_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")
ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")
VARIABLE = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")
_GO_DURATION = re.compile(r"((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(ns|us|µs|ms|s|m|h)")
_NS = {
    "ns": 1,
    "us": 10**3,
    "µs": 10**3,
    "ms": 10**6,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}


def spec_name(raw: str, pattern: re.Pattern[str] = NAME, sep: str = "-") -> str | None:
    """`raw` made to fit a spec name pattern, or None when nothing usable is left."""
    name = re.sub(r"[^a-z0-9_-]+", sep, raw.lower())
    if sep == "_":
        name = name.replace("-", "_")
    name = name.strip("-_")
    if name and not name[0].isalpha():
        name = ("s" + sep + name) if name[0].isdigit() else name.lstrip("0123456789-_")
    name = name[:63].rstrip("-_")
    return name if name and pattern.match(name) else None


# --------------------------------------------------------------------------- #
# Interpolation
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Use:
    """One interpolation in compose text: `${NAME}`, `$NAME`, `${NAME:-arg}`, ..."""

    name: str
    op: str
    """"" (plain), ":-", "-", ":?", "?", ":+" or "+"."""
    arg: str


_OPS = (":-", ":?", ":+", "-", "?", "+")


def parse_template(text: str) -> list[str | Use]:
    """Compose text as literal pieces (with `$$` read as `$`) and interpolations.

    As compose reads it: `$` before a name or `{` interpolates, `$$` is a `$`, any other
    `$` is itself. Raises `Unmapped` for what the spec's `${NAME}` cannot say: a nested
    interpolation in a default (`${A:-${B}}`) or a default that holds a `$`.
    """
    parts: list[str | Use] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char != "$":
            literal.append(char)
            i += 1
            continue
        following = text[i + 1 : i + 2]
        if following == "$":
            literal.append("$")
            i += 2
            continue
        if following == "{":
            end = _closing(text, i + 2)
            body = text[i + 2 : end]
            match = VARIABLE.match(body)
            rest = body[match.end() :] if match else ""
            op = next((o for o in _OPS if rest.startswith(o)), "" if not rest else None)
            if end < 0 or match is None or op is None:
                raise Unmapped("an interpolation compose reads as no variable")
            arg = rest[len(op) :]
            if "$" in arg:
                raise Unmapped("an interpolation nested in another one's default")
            parts.extend(["".join(literal), Use(match.group(), op, arg)])
            literal = []
            i = end + 1
            continue
        match = VARIABLE.match(text, i + 1)
        if match:
            parts.extend(["".join(literal), Use(match.group(), "", "")])
            literal = []
            i = match.end()
            continue
        literal.append("$")
        i += 1
    parts.append("".join(literal))
    return [p for p in parts if p != ""]


def _closing(text: str, start: int) -> int:
    """The index of the `}` closing a `${` whose body starts at `start`, or -1."""
    depth, j = 1, start
    while j < len(text):
        if text.startswith("${", j):
            depth, j = depth + 1, j + 2
            continue
        if text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def uses(text: str) -> list[Use]:
    """The interpolations of compose text; none when it is not one compose can read."""
    if "$" not in text:
        return []
    try:
        return [p for p in parse_template(text) if isinstance(p, Use)]
    except Unmapped:
        return []


def spec_text(text: str, known: Callable[[str], bool]) -> str:
    """Compose text in spec syntax: each interpolation becomes `${NAME}`, `${` a `$${`.

    `known(name)` says whether NAME is a declared variable; raises `Unmapped` for an
    interpolation the spec cannot write (`${X:+alt}`, a variable not declared, or a
    literal `$` right before one, which the spec would read as the escape `$${`).
    """
    if "$" not in text:
        return text
    out: list[str] = []
    for part in parse_template(text):
        if isinstance(part, str):
            out.append(part.replace("${", "$${"))
            continue
        if part.op in (":+", "+"):
            raise Unmapped(f"`${{{part.name}{part.op}...}}` (an alternative value)")
        if not known(part.name):
            raise Unmapped(f"`${part.name}` is not a declared variable")
        if out and out[-1].endswith("$"):
            raise Unmapped("a literal `$` right before an interpolation")
        out.append("${" + part.name + "}")
    return "".join(out)


# --------------------------------------------------------------------------- #
# Typed values
# --------------------------------------------------------------------------- #


Text = Callable[[str], str]
"""Compose text -> spec text (the session's `spec_text` with its variables)."""


def scalar(value: Any) -> str:
    """A compose scalar as the text compose reads it (numbers as written, booleans lower)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, int | float | str):
        return str(value)
    raise Unmapped("not a string or a number")


def _check(parse: Callable[[Any], object], written: Any, why: str) -> None:
    """Raise `Unmapped(why)` unless the spec's type reads `written` (its `parse` takes it)."""
    try:
        parse(written)
    except ValueError:
        raise Unmapped(why) from None


def port(value: Any, text: Text) -> str | int:
    """A compose port (short string, number or long form) as `[IP:]HOST:CONTAINER[/udp]`."""
    if isinstance(value, dict):
        value = _long_port(value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Unmapped("a port that is not a string, a number or a mapping")
    written = text(value) if isinstance(value, str) else value
    _check(PortMapping.parse, written, "a port range, or a port the spec cannot type")
    return written


def _long_port(value: dict[str, Any]) -> str:
    extra = sorted(set(value) - {"target", "published", "host_ip", "protocol", "mode"})
    if extra or "target" not in value or value.get("mode", "ingress") != "ingress":
        raise Unmapped("a long-syntax port with more than target, published, host_ip, protocol")
    written = scalar(value["target"])
    if value.get("published") not in (None, ""):
        written = f"{scalar(value['published'])}:{written}"
        if value.get("host_ip"):
            ip = scalar(value["host_ip"])
            written = f"[{ip}]:{written}" if ":" in ip else f"{ip}:{written}"
    if value.get("protocol") not in (None, "tcp"):
        written = f"{written}/{scalar(value['protocol'])}"
    return written


_SELINUX = {"z", "Z"}


def mount(value: Any, text: Text) -> str:
    """A compose volume mount (short string, or long form saying the same) as spec text."""
    if isinstance(value, dict):
        value = _long_mount(value)
    if not isinstance(value, str):
        raise Unmapped("a mount that is neither a string nor a mapping")
    written = text(value)
    _check(VolumeMount.parse, written, "a mount the spec cannot type")
    return written


def _long_mount(value: dict[str, Any]) -> str:
    """The short form that says what a long-syntax mount says, if there is one."""
    kind = value.get("type", "volume")
    source, target = value.get("source"), value.get("target")
    if kind not in ("volume", "bind") or not isinstance(target, str):
        raise Unmapped(f"a long-syntax {kind} mount")
    if source is not None and not isinstance(source, str):
        raise Unmapped("a long-syntax mount with a source that is not a string")
    options = ["ro"] if value.get("read_only") is True else []
    extra = set(value) - {"type", "source", "target", "read_only", "consistency", kind}
    nested = value.get(kind) or {}
    if extra or not isinstance(nested, dict):
        raise Unmapped("a long-syntax mount with options the short form has not")
    if kind == "volume":
        if set(nested) - {"nocopy"}:
            raise Unmapped("a long-syntax volume mount with options the short form has not")
        if nested.get("nocopy") is True:
            options.append("nocopy")
    else:
        # The short form of a bind mount also creates a missing host folder (compose
        # v2's long form does too, unless `create_host_path: false`).
        selinux = nested.get("selinux")
        if nested.get("create_host_path") is False or set(nested) - {
            "create_host_path",
            "selinux",
        }:
            raise Unmapped("a long-syntax bind mount with options the short form has not")
        if selinux in _SELINUX:
            options.append(str(selinux))
        if not source or not source.startswith(("/", ".", "$", "~")):
            source = "./" + (source or "")
    if value.get("consistency") is not None:
        options.append(str(value["consistency"]))
    short = f"{source}:{target}" if source else target
    return short + (":" + ",".join(options) if options else "")


def duration(value: Any, text: Text) -> str:
    """A compose (Go) duration such as `1m30s` or `1.5s` in spec syntax (`1m30s`, `1500ms`)."""
    if isinstance(value, str) and "$" in value:
        written = text(value)
        _check(Duration.parse, written, "a duration the spec cannot type")
        return written
    written = value if isinstance(value, str) else ""
    parts = _GO_DURATION.findall(written)
    if not parts or "".join(n + u for n, u in parts) != written:
        raise Unmapped("a duration the spec cannot type")
    try:
        ns = sum(Decimal(number) * _NS[unit] for number, unit in parts)
    except InvalidOperation:
        raise Unmapped("a duration the spec cannot type") from None
    if ns % 10**6:
        raise Unmapped("a duration finer than a millisecond")
    ms = int(ns // 10**6)
    # `1500ms` reads better than the `1s500ms` of Duration.render.
    return f"{ms}ms" if ms % 1000 else Duration(ms).render(days=True)


def size(value: Any, text: Text) -> str:
    """A compose size (`512m`, `1G`, `536870912`, `${MEMORY}`) in spec syntax (`512m`)."""
    written = text(value) if isinstance(value, str) else value
    try:
        parsed = Size.parse(written)
    except (ValueError, TypeError):
        raise Unmapped("a size the spec cannot type") from None
    return written if isinstance(written, str) and "$" in written else parsed.render()


def integer(value: Any, text: Text) -> int | str:
    """An integer, or compose text that interpolates one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and "$" in value:
        written = text(value)
        _check(VarInt.parse, written, "an integer the spec cannot type")
        return written
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value):
        return int(value)
    raise Unmapped("not an integer")
