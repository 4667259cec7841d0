"""Compose values in spec syntax: names, ports, mounts, durations, sizes and `$` text.

Each converter returns the spec's form, or raises `Unmapped` with the reason the value
has no spec equivalent; the importer turns that into a note. No message here ever
contains a value that could be a secret.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from stagespec.model.values import Duration, PortMapping, Size, VolumeMount
from stagespec.secretscan.scanner import names_secret, scan


class Unmapped(ValueError):
    """A compose value with no spec equivalent; the message says why."""


# The model's name patterns (model/values.py): names become compose keys, variable
# parts and Python identifiers, so imported names are made to fit them.
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
SECRET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")

# `${VAR}`, `${VAR:-default}`, `${VAR:?message}` and `$VAR`, after `$$` is taken out.
_INTERPOLATION = re.compile(r"\$(?:\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")
_WHOLE_REFERENCE = re.compile(
    r"^\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<rest>(?::?[-?+]).*)?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))$",
    re.DOTALL,
)
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


def show(value: object, key: str | None = None) -> str:
    """An input value as a note may show it: quoted when it cannot be a secret, else
    described by its kind ("a mapping", "a value") without any of its content.

    Every note that mentions a compose value goes through here. A value is hidden when
    the scanner finds a secret in it (under `key`, when it has one), or when any word of
    it names a secret (`MYSQL_PASSWORD x`, a variable written without its `=`).
    """
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    if len(text) > _SHOWN_LENGTH or names_secret(text) or scan(key, text) is not None:
        return "a value"
    return repr(text)


_SHOWN_LENGTH = 80


def unescape(text: str) -> tuple[str, bool]:
    """Compose text as the spec writes it (`$$` is `$`), and whether it interpolates.

    The spec's strings are literal (the compose emitter doubles every `$`), so a compose
    interpolation kept in the spec becomes literal text; the caller notes it.
    """
    interpolates = _INTERPOLATION.search(text.replace("$$", "")) is not None
    return text.replace("$$", "$"), interpolates


def reference(text: str) -> tuple[str, bool] | None:
    """For text that is one whole `${VAR...}` / `$VAR`: (VAR, whether it had a default)."""
    match = _WHOLE_REFERENCE.match(text)
    if match is None:
        return None
    rest = match.group("rest") or ""
    return match.group("braced") or match.group("bare"), rest.lstrip(":").startswith("-")


def port(value: Any) -> str:
    """A compose port (short string, number or long-form mapping) as `[IP:]HOST:CONTAINER`."""
    if isinstance(value, dict):
        value = _long_port(value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Unmapped("a port is a string, a number or a mapping with `target`")
    try:
        return PortMapping.parse(value).render()
    except ValueError:
        raise Unmapped(
            f"{show(value)} is not mapped: the spec has single ports, no ranges or variables"
        ) from None


def _long_port(value: dict[str, Any]) -> str:
    extra = sorted(set(value) - {"target", "published", "host_ip", "protocol", "mode"})
    if extra:
        raise Unmapped(f"long-form port with {', '.join(extra)} is not mapped")
    if "target" not in value:
        raise Unmapped("long-form port without `target` is not mapped")
    text = str(value["target"])
    if value.get("published") is not None:
        text = f"{value['published']}:{text}"
        if value.get("host_ip"):
            ip = str(value["host_ip"])
            text = f"[{ip}]:{text}" if ":" in ip else f"{ip}:{text}"
    if value.get("protocol") not in (None, "tcp"):
        text = f"{text}/{value['protocol']}"
    return text


def mount(value: Any) -> str:
    """A compose volume mount (short string or long-form mapping) as `SOURCE:/path[:ro]`."""
    if isinstance(value, dict):
        value = _long_mount(value)
    if not isinstance(value, str):
        raise Unmapped("a mount is a string or a mapping")
    parts = value.split(":")
    if len(parts) == 3 and parts[2] not in ("ro", "rw"):
        options = parts[2].split(",")
        parts[2] = "ro" if "ro" in options else "rw"
        value = ":".join(parts) if parts[2] == "ro" else ":".join(parts[:2])
    if len(parts) == 1:
        raise Unmapped(f"anonymous volume {show(value)} is not mapped: give it a named volume")
    try:
        return VolumeMount.parse(value).render()
    except ValueError:
        raise Unmapped(
            f"{show(value)} is not mapped: a mount is NAME:/path or ./dir:/path"
        ) from None


def _long_mount(value: dict[str, Any]) -> str:
    kind = value.get("type", "volume")
    if kind not in ("volume", "bind") or not value.get("source") or not value.get("target"):
        raise Unmapped(f"a {kind} mount without a source is not mapped")
    extra = sorted(set(value) - {"type", "source", "target", "read_only"})
    if extra:
        raise Unmapped(f"mount options {', '.join(extra)} are not mapped")
    source = str(value["source"])
    if kind == "bind" and not source.startswith(("/", "./", "../")):
        source = "./" + source
    return f"{source}:{value['target']}" + (":ro" if value.get("read_only") else "")


def duration(value: Any) -> str:
    """A compose (Go) duration such as `1m30s` or `1.5s` in spec syntax (`1m30s`, `1500ms`)."""
    text = value if isinstance(value, str) else ""
    parts = _GO_DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise Unmapped(f"duration {show(value)} is not mapped: write it like 30s or 1m30s")
    try:
        ns = sum(Decimal(number) * _NS[unit] for number, unit in parts)
    except InvalidOperation:
        raise Unmapped(f"duration {show(value)} is not mapped") from None
    if ns % 10**6:
        raise Unmapped(f"duration {show(value)} is not a whole number of milliseconds")
    ms = int(ns // 10**6)
    # `1500ms` reads better than the `1s500ms` of Duration.render.
    return f"{ms}ms" if ms % 1000 else Duration(ms).render(days=True)


def size(value: Any) -> str:
    """A compose memory size (`512m`, `1G`, `536870912`) in spec syntax (`512m`)."""
    try:
        return Size.parse(value).render()
    except (ValueError, TypeError):
        raise Unmapped(f"size {show(value)} is not mapped: write it like 256m or 1g") from None


def env_value(value: Any) -> Any:
    """A compose environment value as a spec scalar (numbers keep their written text)."""
    if isinstance(value, float):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f") if value == value.to_integral_value() else str(value)
    return value
