"""`env check`: does this host have every secret the stack needs, before compose starts it?

What counts is what the generated files use: env-sourced secrets of enabled services, of
Grafana, of the runtime service, and the `/metrics` keys Prometheus scrapes with
(`targets.compose.secrets` decides the same for the compose file). A declared secret nothing
enabled uses is listed as "not needed" and not looked up.

Where a variable's value comes from follows docker compose: the shell environment first,
then the env files, a later file overriding an earlier one. A variable set to "" in the
environment hides a file's value and counts as empty, as it does for compose's
`${VAR:?}`. A `{file: path}` secret is relative to the spec's folder; it must be a
readable regular file of at least one byte (it is never read).

Env files use compose v2's syntax (docs.docker.com/compose/env-file): `KEY=VALUE`, `#`
comments (after a space, or after the closing quote), an `export ` prefix, single quotes
(literal), double quotes (`\\n \\r \\t \\\\ \\" \\$` escapes), quoted values across
lines, and interpolation of `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR-x}`, `${VAR:+x}`,
`${VAR+x}`, `${VAR:?x}`, `${VAR?x}` and `$$`. A bare `KEY` takes KEY from the environment,
which changes nothing here. What does not parse is reported as file:line, never with
the line's text: it may hold a value.

Deploy-time variables (`variables:`) are checked as compose reads them: a required one
must be set and not empty (`${NAME:?...}`); an optional one that is unset or empty takes
its default. Where a variable stands in a typed position (a port mapping, a duration, a
size, an integer, a mount source), the value it gets here must make that position parse
as its type; the report names the position and the type, never the value.

Nothing here holds a value longer than it takes to parse it: the report has names,
statuses and where a variable was found.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel
from pydantic_core import PydanticKnownError

from stagespec.engine.build import environment_spec, environments
from stagespec.errors import UsageError
from stagespec.load.document import Document
from stagespec.load.readfile import ReadError, read_text
from stagespec.model.spec import Spec, secret_refs
from stagespec.model.values import Duration, PortMapping, Size, VarInt, VolumeMount, variable_values

Status = Literal["missing", "empty", "unreadable", "invalid", "present", "default", "not needed"]
FAILED: tuple[Status, ...] = ("missing", "empty", "unreadable", "invalid")
ENVIRONMENT = "the environment"
"""The `origin` of a variable set in the process environment."""

_ASSIGN = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*(?:(=)[ \t]*|$)")
_REF = re.compile(
    r"\$(?:(\$)|([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^}$]*))?\})"
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "$": "$$"}


@dataclass(frozen=True, order=True)
class EnvFileProblem:
    """A line of an env file that compose would not read (no text of the line is kept)."""

    file: str
    line: int
    message: str

    def format(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Requirement:
    """One declared secret and whether this host provides it."""

    secret: str
    source: Literal["env", "file"]
    name: str
    """The variable's name, or the file's path as the spec writes it."""
    status: Status
    used_by: tuple[str, ...] = ()
    """Spec paths of what uses the secret, like `services.dashboard.environment.DB_PASSWORD`."""
    origin: str = ""
    """Where a variable was found: the environment or an env file; "" when nowhere."""


@dataclass(frozen=True)
class VariableCheck:
    """One declared variable and what this host gives it (never the value)."""

    name: str
    required: bool
    status: Status
    """missing / empty (a required one), invalid (a typed position does not parse),
    present (set here), default (unset or empty here: compose takes the default), or
    not needed (optional, without default, unset: it is empty)."""
    origin: str = ""
    invalid_at: tuple[tuple[str, str], ...] = ()
    """(spec path, type) of each typed position the value does not fit."""


@dataclass(frozen=True)
class EnvReport:
    """What a deploy of one spec needs, and what this host has."""

    requirements: tuple[Requirement, ...]
    problems: tuple[EnvFileProblem, ...] = ()
    variables: tuple[VariableCheck, ...] = ()

    @property
    def failed(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.status in FAILED)

    @property
    def failed_variables(self) -> tuple[VariableCheck, ...]:
        return tuple(v for v in self.variables if v.status in FAILED)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.failed_variables or self.problems)


class _Bad(Exception):
    """A line that does not parse; the message names no value."""


# --- env files ---------------------------------------------------------------------------


def _interpolate(value: str, lookup: Callable[[str], str | None]) -> str:
    if "${" in _REF.sub("", value):
        raise _Bad("unsupported `${...}` (nested, or not a variable name)")

    def substitute(match: re.Match[str]) -> str:
        if match.group(1):
            return "$"
        name = match.group(2) or match.group(3)
        found, op, word = lookup(name), match.group(4), match.group(5) or ""
        is_set = found is not None and (found != "" or not (op or "").startswith(":"))
        if op is None:
            return found or ""
        if op.endswith("-"):
            return found if is_set and found is not None else word
        if op.endswith("+"):
            return word if is_set else ""
        if not is_set:
            unset = "unset or empty" if op == ":?" else "unset"
            raise _Bad(f"${{{name}{op}...}} fails: {name} is {unset}")
        return found or ""

    return _REF.sub(substitute, value)


def _closing(text: str, quote: str) -> int:
    """Index of the first `quote` not escaped by a backslash, or -1."""
    escaped = False
    for i, char in enumerate(text):
        if char == quote and not escaped:
            return i
        escaped = char == "\\" and not escaped
    return -1


def _quoted(lines: list[str], start: int, rest: str) -> tuple[str, str, int]:
    """(quote, raw text between the quotes, index of the next line) of a quoted value."""
    quote, body, index = rest[0], rest[1:], start + 1
    while (end := _closing(body, quote)) < 0:
        if index >= len(lines):
            kind = "single" if quote == "'" else "double"
            raise _Bad(f"the {kind}-quoted value never ends")
        body, index = body + "\n" + lines[index], index + 1
    tail = body[end + 1 :].strip()
    if tail and not tail.startswith("#"):
        raise _Bad("unexpected text after the closing quote")
    return quote, body[:end], index


def _value(
    lines: list[str], index: int, rest: str, lookup: Callable[[str], str | None]
) -> tuple[str, int]:
    """The value that starts with `rest` on line `index`, and the index of the next line."""
    if rest.startswith("#"):
        # compose v2 reads `KEY= #x` as the value "#x", docker-compose 1.29 as a comment.
        raise _Bad("the value starts with `#`: quote it, or write `KEY=` for an empty value")
    if rest[:1] not in ("'", '"'):
        return _interpolate(rest.split(" #", 1)[0].rstrip(), lookup), index + 1
    quote, raw, after = _quoted(lines, index, rest)
    if quote == "'":
        return raw.replace("\\'", "'"), after
    unescaped = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), raw)
    return _interpolate(unescaped, lookup), after


def parse_env(
    text: str, file: str, lookup: Callable[[str], str | None] = lambda _: None
) -> tuple[dict[str, str], list[EnvFileProblem]]:
    """Variables of an env file; `lookup` resolves interpolation before the file's own."""
    lines = [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]
    found: dict[str, str] = {}
    problems: list[EnvFileProblem] = []

    def resolve(name: str) -> str | None:
        return _first(lookup(name), found.get(name))

    index = 0
    while index < len(lines):
        line = lines[index]
        match = _ASSIGN.match(line)
        if not line.strip() or line.lstrip().startswith("#"):
            index += 1
        elif match is None:
            problems.append(EnvFileProblem(file, index + 1, "expected KEY=VALUE"))
            index += 1
        elif match.group(2) is None:  # a bare `KEY` passes the environment's KEY through
            index += 1
        else:
            try:
                found[match.group(1)], index = _value(lines, index, line[match.end() :], resolve)
            except _Bad as e:
                problems.append(EnvFileProblem(file, index + 1, f"{match.group(1)}: {e}"))
                index += 1
    return found, problems


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v is not None), None)


@dataclass(frozen=True)
class _Found:
    origin: str
    empty: bool


def _provided(
    paths: list[Path], environ: Mapping[str, str], wanted: frozenset[str] = frozenset()
) -> tuple[dict[str, _Found], list[EnvFileProblem], dict[str, str]]:
    """What the env files and `environ` set (later files win, `environ` most), and the
    values of the `wanted` names only (the spec's variables, to check their types)."""
    values: dict[str, str] = {}
    found: dict[str, _Found] = {}
    problems: list[EnvFileProblem] = []
    for path in paths:
        try:  # a process substitution's /dev/fd/N is a FIFO: read once, bounded
            text = read_text(path)
        except ReadError as e:
            raise UsageError(f"cannot read env file {path}: {e.reason}{e.where}") from e
        parsed, bad = parse_env(text, str(path), lambda k: _first(environ.get(k), values.get(k)))
        values.update(parsed)
        found.update({k: _Found(str(path), v == "") for k, v in parsed.items()})
        problems += bad
    found.update({k: _Found(ENVIRONMENT, v == "") for k, v in environ.items()})
    kept = {k: _first(environ.get(k), values.get(k)) for k in wanted}
    return found, problems, {k: v for k, v in kept.items() if v is not None}


# --- the check ---------------------------------------------------------------------------


def _uses(spec: Spec, path: tuple[str | int, ...]) -> bool:
    """Whether the reference at `path` ends up in a generated file (see compose_secrets)."""
    services = spec.services
    if path[0] == "services":
        service = services[str(path[1])]
        scraped = spec.monitoring is not None and spec.monitoring.prometheus is not None
        return service.enabled and (path[2] != "metrics" or scraped)
    if path[0] == "runtime":
        runtime = spec.runtime
        return (
            runtime is not None
            and runtime.service in services
            and services[runtime.service].enabled
        )
    return True  # Grafana's admin password: Grafana runs whenever it is configured


def secret_users(spec: Spec) -> dict[str, list[str]]:
    """{secret: spec paths that use it}, for what the generated files use."""
    found: dict[str, list[str]] = {}
    for path, ref in secret_refs(spec):
        if _uses(spec, path):
            found.setdefault(ref.secret, []).append(".".join(map(str, path[:-1])))
    return found


def _file_status(path: Path) -> Status:
    try:
        info = path.stat()
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"
    if not stat.S_ISREG(info.st_mode):
        return "unreadable"
    try:
        path.open("rb").close()  # readable? opening reads nothing
    except OSError:
        return "unreadable"
    return "empty" if info.st_size == 0 else "present"


def _variable_status(found: _Found | None) -> Status:
    if found is None:
        return "missing"
    return "empty" if found.empty else "present"


def check_environment(
    spec: Spec, environ: Mapping[str, str], env_files: list[Path], base_dir: Path
) -> EnvReport:
    """Which secrets `spec` needs at deploy time and whether each is provided here."""
    provided, problems, values = _provided(env_files, environ, frozenset(spec.variables))
    variables = _check_variables(spec, provided, values)
    values.clear()
    used = secret_users(spec)
    requirements = []
    for secret, source in spec.secrets.items():
        kind: Literal["env", "file"] = "env" if source.env is not None else "file"
        name = source.env if source.env is not None else str(source.file)
        if secret not in used:
            requirements.append(Requirement(secret, kind, name, "not needed"))
        elif kind == "file":
            status = _file_status(base_dir / name)
            requirements.append(Requirement(secret, kind, name, status, tuple(used[secret])))
        else:
            found = provided.get(name)
            origin = found.origin if found else ""
            status = _variable_status(found)
            requirements.append(
                Requirement(secret, kind, name, status, tuple(used[secret]), origin)
            )
    return EnvReport(tuple(requirements), tuple(problems), variables)


# --- variables ---------------------------------------------------------------------------

_TYPES: tuple[tuple[type, str], ...] = (
    (PortMapping, "a port mapping"),
    (Duration, "a duration"),
    (Size, "a size"),
    (VarInt, "an integer"),
    (VolumeMount, "a mount"),
)


def _typed_positions(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[str, Any, str]]:
    """(spec path, the text as written, type) of each typed value that names a variable."""
    for cls, kind in _TYPES:
        if isinstance(value, cls):
            if isinstance(value, VolumeMount):
                text: str | None = value.render() if "${" in value.source else None
            else:
                text = getattr(value, "template", None)
            if text is not None:
                yield ".".join(map(str, path)), (cls, text), kind
            return
    if isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            yield from _typed_positions(getattr(value, name), (*path, field.alias or name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _typed_positions(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _typed_positions(item, (*path, index))


def _fits(cls: type, text: str, values: Mapping[str, str | None]) -> bool:
    with variable_values(values):
        try:
            cls.parse(text)  # type: ignore[attr-defined]
        except (ValueError, PydanticKnownError):
            return False
    return True


def _check_variables(
    spec: Spec, provided: Mapping[str, _Found], values: Mapping[str, str]
) -> tuple[VariableCheck, ...]:
    """Each declared variable's status here; `values` are only used to parse typed places."""
    if not spec.variables:
        return ()
    effective: dict[str, str | None] = {}
    for name, variable in spec.variables.items():
        default = variable.default if variable else None
        effective[name] = values.get(name) or default
    positions = list(_typed_positions(spec, ()))
    checks = []
    for name, variable in spec.variables.items():
        required = bool(variable and variable.needs_value)
        found = provided.get(name)
        origin = found.origin if found else ""
        has_default = variable is not None and variable.default is not None
        if found is None or found.empty:
            status: Status = "default" if has_default else "not needed"
            if required:
                status = _variable_status(found)
        else:
            status = "present"
        mentions = f"${{{name}}}"
        bad = tuple(
            (where, kind)
            for where, (cls, text), kind in positions
            if mentions in text and not _fits(cls, text, effective)
        )
        if bad and status not in ("missing", "empty"):
            status = "invalid"
        checks.append(VariableCheck(name, required, status, origin, bad))
    return tuple(checks)


def select_environment(doc: Document, name: str | None) -> Spec:
    """The Spec to check: environment `name`, the only one, or the base spec when none."""
    names = environments(doc)
    if name is not None and name not in names:
        declared = ", ".join(names) if names else "none"
        raise UsageError(f"{doc.file} has no environment {name!r} (it declares: {declared})")
    if name is None and len(names) > 1:
        raise UsageError(
            f"{doc.file} declares environments {', '.join(names)}: choose one with --env"
        )
    if name is None and names:
        name = names[0]
    return environment_spec(doc, name)


# --- the text report ---------------------------------------------------------------------

_ORDER: dict[Status, int] = {s: i for i, s in enumerate(get_args(Status))}


def _where(item: Requirement) -> str:
    if item.status == "not needed":
        return "nothing enabled uses it"
    found = f"from {item.origin}; " if item.origin else ""
    return found + "used by " + ", ".join(item.used_by)


def _rows(report: EnvReport) -> Iterator[tuple[str, str, str, str]]:
    items = sorted(report.requirements, key=lambda r: _ORDER[r.status])  # stable: spec order
    for item in items:
        label = item.name if item.source == "env" else f"file {item.name}"
        yield item.status, label, f"secret {item.secret}", _where(item)


def _variable_where(item: VariableCheck) -> str:
    kind = "required" if item.required else "optional"
    if item.invalid_at:
        places = ", ".join(f"{where} ({what})" for where, what in item.invalid_at)
        return f"{kind}; its value here does not parse at {places}"
    if item.status == "default":
        return f"{kind}; unset or empty here, so the default applies"
    if item.status == "not needed":
        return f"{kind}; unset here, so it is empty"
    found = f"from {item.origin}" if item.origin else "not set"
    return f"{kind}; {found}"


def _variable_rows(report: EnvReport) -> Iterator[tuple[str, str, str, str]]:
    for item in sorted(report.variables, key=lambda v: _ORDER[v.status]):
        yield item.status, item.name, "variable", _variable_where(item)


def format_report(report: EnvReport) -> str:
    """The report as text: env-file problems, then missing/empty items, then the rest."""
    lines = [problem.format() for problem in report.problems]
    rows = list(_rows(report)) + list(_variable_rows(report))
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    needed = [r for r in report.requirements if r.status != "not needed"]
    failed = len(report.failed)
    if failed:
        lines.append(f"{failed} of {len(needed)} needed secrets missing, empty or unreadable")
    else:
        lines.append(f"all {len(needed)} needed secrets are provided")
    if report.variables:
        bad = len(report.failed_variables)
        if bad:
            lines.append(f"{bad} of {len(report.variables)} variables missing, empty or invalid")
        else:
            lines.append(f"all {len(report.variables)} variables are set or have a default")
    if report.problems:
        lines.append(f"{len(report.problems)} env file line(s) do not parse")
    return "\n".join(lines) + "\n"
