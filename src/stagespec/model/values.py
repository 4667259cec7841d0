"""Typed values of a spec: durations, sizes, port mappings, volume mounts and names.

Each is parsed once from its YAML text; emitters render it in their target's own syntax.
"""

from __future__ import annotations

import keyword
import re
import sys
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticKnownError

VARIABLE_NAME = r"[A-Za-z_][A-Za-z0-9_]{0,127}"
REFERENCE = re.compile(r"\$\$\{|\$\{(" + VARIABLE_NAME + r")\}")
"""`${NAME}` is a reference to a declared variable; `$${` writes a literal `${`. Every other
`$` is literal text. Group 1 is the name; a match without it is the escape."""

_NO_VALUES: Mapping[str, str | None] = types.MappingProxyType({})
_VALUES: ContextVar[Mapping[str, str | None]] = ContextVar(
    "stagespec_variables", default=_NO_VALUES
)


def references(text: str) -> list[str]:
    """The variables a string names, in order, each once per mention."""
    if "${" not in text:
        return []
    return [m.group(1) for m in REFERENCE.finditer(text) if m.group(1)]


def substitute(text: str, values: Mapping[str, str | None]) -> str | None:
    """`text` with each reference replaced by its value; None if one has none."""
    if "${" not in text:
        return text
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        if name is None:
            return "${"
        found = values.get(name)
        if found is None:
            missing = True
            return ""
        return found

    result = REFERENCE.sub(value, text)
    return None if missing else result


@contextmanager
def variable_values(values: Mapping[str, str | None]) -> Iterator[None]:
    """The values typed fields that hold a `${NAME}` are checked with, while validating."""
    token = _VALUES.set(values)
    try:
        yield
    finally:
        _VALUES.reset(token)


def _resolved(text: str, what: str) -> str:
    """A typed value's text with its references replaced, to check it as the type it is."""
    if "${" not in text:
        return text
    values = _VALUES.get()
    for name in references(text):
        if values.get(name) is None:
            raise ValueError(
                f"`${{{name}}}` in {what} needs a value to check it with: declare {name} "
                "under `variables` with a `default`"
            )
    result = substitute(text, values)
    assert result is not None
    return result


class VarInt(int):
    """An integer written as `${NAME}`: the default's value, with the text kept for compose."""

    template: str | None = None

    @classmethod
    def parse(cls, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if not isinstance(value, str) or "${" not in value:
            # the model's own type error, so the message names what was written instead
            raise PydanticKnownError("int_type")
        text = _resolved(value, "an integer")
        if not re.fullmatch(r"-?[0-9]{1,18}", text):
            raise ValueError(f"the value of {value!r} is not an integer")
        number = cls(int(text))
        number.template = value
        return number


_DURATION_PART = re.compile(r"([0-9]+)(ms|s|m|h|d)")
_DURATION = re.compile(r"^(?:[0-9]{1,9}(?:ms|s|m|h|d))+$")
_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}


@dataclass(frozen=True, order=True)
class Duration:
    """A span of time such as `30s`, `5m` or `1h30m`, kept in milliseconds."""

    ms: int
    template: str | None = field(default=None, compare=False)
    """The text as written when it names a variable (`${GRACE}`), for compose."""

    PATTERN: ClassVar[str] = r"^([0-9]+(ms|s|m|h|d))+$|\$\{"

    @classmethod
    def parse(cls, value: Any) -> Duration:
        if isinstance(value, Duration):
            return value
        text = _resolved(value, "a duration") if isinstance(value, str) else value
        if not isinstance(text, str) or not _DURATION.match(text):
            raise ValueError("not a duration: write it like 30s, 5m, 1h30m or 500ms")
        ms = sum(int(n) * _UNIT_MS[u] for n, u in _DURATION_PART.findall(text))
        return cls(ms, value if text is not value else None)

    @property
    def seconds(self) -> float:
        return self.ms / 1000

    def render(self, *, days: bool = False) -> str:
        """Largest units first (`1h30m`); `d` only where the target accepts it."""
        if self.template is not None:
            return self.template
        units = ["d", "h", "m", "s", "ms"] if days else ["h", "m", "s", "ms"]
        rest, parts = self.ms, []
        for unit in units:
            count, rest = divmod(rest, _UNIT_MS[unit])
            if count:
                parts.append(f"{count}{unit}")
        return "".join(parts) or "0s"

    def __str__(self) -> str:
        return self.render(days=True)


_SIZE = re.compile(r"^([0-9]{1,15})([bkmg]?)b?$", re.IGNORECASE)
_UNIT_BYTES = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


@dataclass(frozen=True, order=True)
class Size:
    """A memory size such as `512m`, kept in bytes."""

    bytes: int
    template: str | None = field(default=None, compare=False)
    """The text as written when it names a variable (`${MEMORY}`), for compose."""

    PATTERN: ClassVar[str] = r"^[0-9]+([bkmgBKMG]?)[bB]?$|\$\{"

    @classmethod
    def parse(cls, value: Any) -> Size:
        if isinstance(value, Size):
            return value
        if isinstance(value, str) and "${" in value:
            return replace(cls.parse(_resolved(value, "a size")), template=value)
        match = _SIZE.match(value) if isinstance(value, str) else None
        if isinstance(value, bool) or not (match or isinstance(value, int)):
            raise ValueError("not a size: write it like 256m, 1g or 512k")
        if match is None:
            size = int(value)
        else:
            size = int(match.group(1)) * _UNIT_BYTES[match.group(2).lower()]
        if size <= 0:
            raise ValueError("a size must be more than zero bytes")
        return cls(size)

    def render(self) -> str:
        """Compose's form: the largest unit that divides exactly (`512m`)."""
        if self.template is not None:
            return self.template
        for unit in ("g", "m", "k"):
            if self.bytes and self.bytes % _UNIT_BYTES[unit] == 0:
                return f"{self.bytes // _UNIT_BYTES[unit]}{unit}"
        return f"{self.bytes}b"

    def __str__(self) -> str:
        return self.render()


_PORT = re.compile(
    r"^(?:(?:(?P<ip>\[[0-9a-fA-F:]+\]|[0-9.]+):)?(?P<host>[0-9]+):)?(?P<container>[0-9]+)"
    r"(?:/(?P<protocol>tcp|udp))?$"
)


@dataclass(frozen=True, order=True)
class PortMapping:
    """A published port: `[IP:]HOST:CONTAINER[/PROTOCOL]` or a bare container port."""

    container: int
    host: int | None = None
    host_ip: str = ""
    protocol: str = "tcp"
    template: str | None = field(default=None, compare=False)
    """The text as written when it names a variable (`${WEB_PORT}:80`), for compose."""

    PATTERN: ClassVar[str] = (
        re.sub(r"\?P<\w+>", "?:", _PORT.pattern) + r"|\$\{"  # portable regex
    )

    @classmethod
    def parse(cls, value: Any) -> PortMapping:
        if isinstance(value, PortMapping):
            return value
        if isinstance(value, str) and "${" in value:
            return replace(cls.parse(_resolved(value, "a port mapping")), template=value)
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        match = _PORT.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(
                "not a port mapping: write it as a quoted 'HOST:CONTAINER' "
                "such as '5433:5432', or a container port"
            )
        host = match.group("host")
        mapping = cls(
            container=int(match.group("container")),
            host=int(host) if host is not None else None,
            host_ip=(match.group("ip") or ""),
            protocol=match.group("protocol") or "tcp",
        )
        for port in (mapping.container, mapping.host):
            if port is not None and not 1 <= port <= 65535:
                raise ValueError(f"port {port} is outside 1-65535")
        return mapping

    def render(self) -> str:
        if self.template is not None:
            return self.template
        text = str(self.container)
        if self.host is not None:
            text = f"{self.host}:{text}"
        if self.host_ip:
            text = f"{self.host_ip}:{text}"
        return text if self.protocol == "tcp" else f"{text}/{self.protocol}"

    def __str__(self) -> str:
        return self.render()


_MOUNT = re.compile(
    r"^(?:(?P<source>[^:]+):)?(?P<target>(?:/|\$\{)[^:]*)(?::(?P<options>[a-zA-Z,]+))?$"
)
_VOLUME_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
MOUNT_OPTIONS = frozenset({"ro", "rw", "z", "Z", "cached", "delegated", "consistent", "nocopy"})
"""The options of a short-form mount compose knows: access, SELinux relabel, consistency."""


@dataclass(frozen=True, order=True)
class VolumeMount:
    """`[SOURCE:]/container/path[:OPTIONS]`: SOURCE a named volume or a host path (`.`, `./x`,
    `/x`), none for an anonymous volume; OPTIONS such as `ro`, `z` or `ro,cached`."""

    source: str
    target: str
    read_only: bool = False
    options: tuple[str, ...] = ()
    """The options besides `ro`/`rw`, in the order written (`z`, `cached`, ...)."""

    PATTERN: ClassVar[str] = re.sub(r"\?P<\w+>", "?:", _MOUNT.pattern)

    @classmethod
    def parse(cls, value: Any) -> VolumeMount:
        if isinstance(value, VolumeMount):
            return value
        match = _MOUNT.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError(
                "not a volume mount: write it as 'NAME:/path', './dir:/path' or '/path' "
                "(anonymous), with ':ro' for read-only"
            )
        source, target = match.group("source") or "", match.group("target")
        # a source from a variable with no value yet is the deploy host's to say
        checked = substitute(source, _VALUES.get())
        is_path = checked is None or checked == "." or checked.startswith(("./", "../", "/"))
        if source and not (is_path or _VOLUME_NAME.match(checked or "")):
            raise ValueError(f"volume source {source!r} is neither a volume name nor a path")
        # with a variable that has no value yet, what is written is checked
        target_path = substitute(target, _VALUES.get()) or target
        if not target_path.startswith(("/", "${")):
            raise ValueError(f"container path {target!r} is not an absolute path")
        if ".." in target_path.split("/"):
            raise ValueError(f"container path {target!r} must not contain '..'")
        words = match.group("options").split(",") if match.group("options") else []
        unknown = [w for w in words if w not in MOUNT_OPTIONS]
        if unknown:
            raise ValueError(
                f"unknown mount option {unknown[0]!r}: one of " + ", ".join(sorted(MOUNT_OPTIONS))
            )
        if "ro" in words and "rw" in words:
            raise ValueError("a mount is `ro` or `rw`, not both")
        rest = tuple(w for w in words if w not in ("ro", "rw"))
        return cls(source, target, "ro" in words, rest)

    @property
    def is_named(self) -> bool:
        return bool(self.source) and not self.source.startswith((".", "/", "$"))

    @property
    def is_anonymous(self) -> bool:
        return not self.source

    def render(self) -> str:
        words = (["ro"] if self.read_only else []) + list(self.options)
        text = f"{self.source}:{self.target}" if self.source else self.target
        return text + (":" + ",".join(words) if words else "")

    def __str__(self) -> str:
        return self.render()


def _typed(cls: Any, description: str) -> Any:
    return Annotated[
        cls,
        PlainValidator(cls.parse),
        PlainSerializer(str, return_type=str),
        WithJsonSchema({"type": "string", "pattern": cls.PATTERN, "description": description}),
    ]


DurationT = _typed(Duration, "A duration such as 30s, 5m or 1h30m.")
SizeT = _typed(Size, "A memory size such as 256m or 1g.")
MountT = _typed(VolumeMount, "NAME:/path or ./dir:/path, with :ro for read-only.")
PortMappingT = Annotated[
    PortMapping,
    PlainValidator(PortMapping.parse),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": PortMapping.PATTERN},
                {"type": "integer", "minimum": 1, "maximum": 65535},
            ],
            "description": "'HOST:CONTAINER' (quoted), '[IP:]HOST:CONTAINER[/udp]' or a port.",
        }
    ),
]


def _identifier(value: str) -> str:
    if keyword.iskeyword(value) or value.startswith("__"):
        raise ValueError(f"{value!r} is a Python keyword or dunder name; choose another name")
    return value


# Names end up as compose keys, env variable parts and Python identifiers, so they are
# restricted to a safe alphabet here, before any emitter sees them.
ServiceName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]
ProjectName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]
VolumeName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")]
NetworkName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")]
SecretName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
Identifier = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$"), AfterValidator(_identifier)
]


def _module_name(value: str) -> str:
    if value in sys.stdlib_module_names:
        raise ValueError(
            f"{value!r} is the name of a standard library module; the generated module "
            "would shadow it, so choose another name"
        )
    return value


ModuleName = Annotated[Identifier, AfterValidator(_module_name)]
EnvVarName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
EnvKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")]
"""A container's environment variable: a shell name, or one with dots and dashes
(`discovery.type`), which programs read from their environment though no shell can."""
VariableName = Annotated[str, StringConstraints(pattern=r"^" + VARIABLE_NAME + r"$")]


def positive_var_int(value: Any) -> int:
    """`VarInt.parse`, of at least 1."""
    number = VarInt.parse(value)
    if number < 1:
        raise ValueError("expected an integer of at least 1")
    return number


VarIntT = Annotated[
    int,
    PlainValidator(VarInt.parse),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"\$\{"}]}),
]
"""An integer, or `${NAME}` of a variable whose default is one."""
PositiveVarIntT = Annotated[
    int,
    PlainValidator(positive_var_int),
    WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": r"\$\{"}]}
    ),
]


def _expose(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


ExposeT = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,5}(-[0-9]{1,5})?(/(tcp|udp|sctp))?$"),
    BeforeValidator(_expose),
]
"""A port open to the stack's other services only: `3000`, `'3000/udp'` or `'8000-8010'`."""
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
