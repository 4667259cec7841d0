"""Typed values of a spec: durations, sizes, port mappings, volume mounts and names.

Each is parsed once from its YAML text; emitters render it in their target's own syntax.
"""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictInt,
    StringConstraints,
    WithJsonSchema,
)

_DURATION_PART = re.compile(r"([0-9]+)(ms|s|m|h|d)")
_DURATION = re.compile(r"^(?:[0-9]{1,9}(?:ms|s|m|h|d))+$")
_UNIT_MS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}


@dataclass(frozen=True, order=True)
class Duration:
    """A span of time such as `30s`, `5m` or `1h30m`, kept in milliseconds."""

    ms: int

    PATTERN: ClassVar[str] = r"^([0-9]+(ms|s|m|h|d))+$"

    @classmethod
    def parse(cls, value: Any) -> Duration:
        if isinstance(value, Duration):
            return value
        if not isinstance(value, str) or not _DURATION.match(value):
            raise ValueError("not a duration: write it like 30s, 5m, 1h30m or 500ms")
        return cls(sum(int(n) * _UNIT_MS[u] for n, u in _DURATION_PART.findall(value)))

    @property
    def seconds(self) -> float:
        return self.ms / 1000

    def render(self, *, days: bool = False) -> str:
        """Largest units first (`1h30m`); `d` only where the target accepts it."""
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

    PATTERN: ClassVar[str] = r"^[0-9]+([bkmgBKMG]?)[bB]?$"

    @classmethod
    def parse(cls, value: Any) -> Size:
        if isinstance(value, Size):
            return value
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

    PATTERN: ClassVar[str] = re.sub(r"\?P<\w+>", "?:", _PORT.pattern)  # portable regex

    @classmethod
    def parse(cls, value: Any) -> PortMapping:
        if isinstance(value, PortMapping):
            return value
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
        text = str(self.container)
        if self.host is not None:
            text = f"{self.host}:{text}"
        if self.host_ip:
            text = f"{self.host_ip}:{text}"
        return text if self.protocol == "tcp" else f"{text}/{self.protocol}"

    def __str__(self) -> str:
        return self.render()


_MOUNT = re.compile(r"^(?P<source>[^:]+):(?P<target>/[^:]*)(?::(?P<mode>ro|rw))?$")
_VOLUME_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")


@dataclass(frozen=True, order=True)
class VolumeMount:
    """`SOURCE:/container/path[:ro]`, where SOURCE is a named volume or a `./` host path."""

    source: str
    target: str
    read_only: bool = False

    PATTERN: ClassVar[str] = re.sub(r"\?P<\w+>", "?:", _MOUNT.pattern)

    @classmethod
    def parse(cls, value: Any) -> VolumeMount:
        if isinstance(value, VolumeMount):
            return value
        match = _MOUNT.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError(
                "not a volume mount: write it as 'NAME:/path' or './dir:/path', "
                "with ':ro' for read-only"
            )
        source, target = match.group("source"), match.group("target")
        if not (_VOLUME_NAME.match(source) or source.startswith(("./", "../", "/"))):
            raise ValueError(f"volume source {source!r} is neither a volume name nor a path")
        if ".." in target.split("/"):
            raise ValueError(f"container path {target!r} must not contain '..'")
        return cls(source, target, match.group("mode") == "ro")

    @property
    def is_named(self) -> bool:
        return not self.source.startswith((".", "/"))

    def render(self) -> str:
        return f"{self.source}:{self.target}" + (":ro" if self.read_only else "")

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
VolumeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]
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
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
