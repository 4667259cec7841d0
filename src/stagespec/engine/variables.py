"""Build-time variables: each `${NAME}` of an environment's data replaced by its value.

A target that cannot interpolate at deploy time (Kubernetes) is built from the data with
every reference substituted, then validated into the Spec its emitters read, so a typed
value (a port, a duration) is the real one. A variable's value is, last one wins: its
`default` (an environment's overlay of `variables:` already merged in), then a value given
on the command line (`build --var NAME=VALUE`). A declared variable that is neither
required nor has a default is empty, as compose's `${NAME:-}` is. `$${` is a literal `${`.
A value that names variables (`${RETRIES}`, `1${DIGIT}`), where the model wants an integer
(`retries`), is the integer its text reads as once substituted, as compose reads it.

A secret variable (`secret: true`) has no value here: it is substituted by a marker that
names it (`plan.secretvars`), which the target turns into a run-time reference to a
Secret. It may be used only where a container can resolve one (a command, an env value, a
healthcheck), and never given with `--var`.

Only values are substituted, never keys (as compose interpolates values only), and not
the parts no substituting target reads: `variables` itself, `environments` (each is
substituted as its own build) and `x-compose`. No message here holds a value: values
given on the command line may be secrets, and so may what they make of a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from stagespec.diagnostics import dotted_path
from stagespec.errors import StagespecError
from stagespec.load.document import Document, Path
from stagespec.model.spec import Spec
from stagespec.model.validator import validate_spec
from stagespec.model.values import references, substitute
from stagespec.plan import secretvars

UNREAD = frozenset({"variables", "environments", "x-compose"})
"""Top-level keys left as written (see the module docstring); `x-compose` of a service too."""
SHOWN_USES = 3
INTEGER = re.compile(r"-?[0-9]{1,18}")


class VariableError(StagespecError):
    """A variable has no value, is not declared, or its value makes the spec invalid."""


@dataclass
class _Walk:
    values: Mapping[str, str | None]
    uses: dict[str, list[Path]] = field(default_factory=dict)
    """Variable -> the paths of the strings that name it, in document order."""
    texts: dict[Path, str] = field(default_factory=dict)
    """Path -> what a string that names variables became."""
    changed: bool = False


def declared(data: Any) -> dict[str, Any]:
    """The `variables:` mapping of loaded data, each entry as written (None for `NAME:`)."""
    found = data.get("variables") if isinstance(data, dict) else None
    return {str(k): v for k, v in found.items()} if isinstance(found, dict) else {}


def _is_secret(entry: Any) -> bool:
    """Whether a `variables:` entry, as written, marks the variable secret."""
    return isinstance(entry, dict) and entry.get("secret") is True


def variable_values(data: Any, given: Mapping[str, str]) -> dict[str, str | None]:
    """Each declared variable's value: given, else its default, else "" unless required."""
    values: dict[str, str | None] = {}
    for name, variable in declared(data).items():
        entry = variable if isinstance(variable, dict) else {}
        default = entry.get("default")
        if isinstance(default, bool):
            default = "true" if default else "false"
        if _is_secret(entry):
            values[name] = secretvars.marker(name)
        elif name in given:
            values[name] = given[name]
        elif default is not None and not isinstance(default, dict | list):
            values[name] = str(default)
        else:
            values[name] = None if entry.get("required") is True else ""
    return values


def check_given(datas: Iterable[Any], given: Mapping[str, str]) -> None:
    """VariableError for a `--var` that names no variable declared in any of `datas`."""
    names: set[str] = set()
    secret: set[str] = set()
    for data in datas:
        for name, entry in declared(data).items():
            names.add(name)
            if _is_secret(entry):
                secret.add(name)
    refused = [name for name in given if name in secret]
    if refused:
        raise VariableError(
            f"--var {refused[0]}: variable {refused[0]} is secret, and a build never writes "
            "a secret's value: the Kubernetes manifests read it from a Secret at run time "
            "(the build's README.md says which to create)"
        )
    unknown = [name for name in given if name not in names]
    if unknown:
        known = ", ".join(sorted(names)) or "none"
        raise VariableError(
            f"--var {unknown[0]}: no variable {unknown[0]} is declared under `variables:` "
            f"(declared: {known})"
        )


def substituted(data: dict[str, Any], values: Mapping[str, str | None]) -> tuple[Any, _Walk]:
    """`data` with every reference in a value replaced, and where each variable is used."""
    walk = _Walk(values)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in UNREAD or (key.startswith("x-") and key != "x-kubernetes"):
            out[key] = value
        elif key == "services" and isinstance(value, dict):
            out[key] = {
                name: _service(walk, ("services", name), service) for name, service in value.items()
            }
        else:
            out[key] = _value(walk, (key,), value)
    return out, walk


def _service(walk: _Walk, path: Path, service: Any) -> Any:
    if not isinstance(service, dict):  # not a valid spec: nothing is built of it
        return service
    return {
        key: value if key == "x-compose" else _value(walk, (*path, key), value)
        for key, value in service.items()
    }


def _value(walk: _Walk, path: Path, value: Any) -> Any:
    if isinstance(value, str):
        if "${" not in value:
            return value
        for name in references(value):
            walk.uses.setdefault(name, []).append(path)
        walk.changed = True
        result = substitute(value, walk.values) or ""  # None: reported from `walk.uses`
        walk.texts[path] = result
        return result
    if isinstance(value, dict):
        return {k: _value(walk, (*path, k), v) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(walk, (*path, i), v) for i, v in enumerate(value)]
    return value


def _where(doc: Document, paths: list[Path]) -> str:
    shown = [f"{dotted_path(p)} (line {doc.span(p).start.line})" for p in paths[:SHOWN_USES]]
    more = len(paths) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _missing(doc: Document, walk: _Walk, environment: str | None) -> None:
    where = f" of environment {environment!r}" if environment else ""
    problems = []
    for name, paths in walk.uses.items():
        if name not in walk.values:
            problems.append(f"${{{name}}} names no declared variable; used at {_where(doc, paths)}")
        elif walk.values[name] is None:
            problems.append(
                f"variable {name} is required and has no value; used at {_where(doc, paths)}: "
                f"give it with `--var {name}=VALUE` or a default"
            )
    secret = {name for name, entry in declared(doc.data).items() if _is_secret(entry)}
    for name, paths in walk.uses.items():
        unusable = [p for p in paths if name in secret and not secretvars.usable_at(p)]
        if unusable:
            problems.append(
                f"variable {name} is secret, and is used at {_where(doc, unusable)}, where "
                "Kubernetes cannot read it from a Secret: use it only in a service's "
                "command, entrypoint, environment or healthcheck test"
            )
    if problems:
        error = VariableError(f"{doc.file}: the build{where} cannot substitute its variables")
        error.details = tuple(problems)
        raise error


def resolved_spec(
    doc: Document, environment: str | None, given: Mapping[str, str]
) -> tuple[Spec | None, dict[str, Any]]:
    """The Spec of `doc`'s data with its variables' values, or None when nothing changes.

    `doc` is one environment's document (its data merged). VariableError when a variable
    has no value or the values make the spec invalid; the message names each variable and
    where it is used, never a value.
    """
    values = variable_values(doc.data, given)
    data, walk = substituted(doc.data, values)
    _missing(doc, walk, environment)
    if not walk.changed:
        return None, data
    try:
        return validate_spec(data, values), data
    except ValidationError as e:
        if not _as_integers(data, walk, e):
            raise _invalid(doc, walk, environment, data, e) from None
    try:  # once more, with each integer field that named a variable an integer
        return validate_spec(data, values), data
    except ValidationError as e:
        raise _invalid(doc, walk, environment, data, e) from None


def _as_integers(data: Any, walk: _Walk, e: ValidationError) -> bool:
    """Turn each value that named variables, where an integer must be, into the integer
    its text reads as once substituted (`retries: ${RETRIES}`); whether there was one."""
    found = False
    for error in e.errors():
        path = tuple(error["loc"])
        value = walk.texts.get(path)
        if error["type"] == "int_type" and value is not None and INTEGER.fullmatch(value):
            parent = data
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]] = int(value)
            found = True
    return found


def _invalid(
    doc: Document, walk: _Walk, environment: str | None, data: Any, e: ValidationError
) -> VariableError:
    where = f" of environment {environment!r}" if environment else ""
    by_path = [(path, name) for name, paths in walk.uses.items() for path in paths]
    problems = []
    for found in e.errors()[:SHOWN_USES]:
        path = _data_path(data, found["loc"])
        names = sorted({n for p, n in by_path if p[: len(path)] == path})
        via = f" with the value of {', '.join(names)}" if names else ""
        shown = dotted_path(path) or "the top level"
        problems.append(f"{shown} (line {doc.span(path).start.line}) is not valid{via}")
    error = VariableError(
        f"{doc.file}: the build{where} substitutes its variables, and the result is not "
        "valid (the values are not shown)"
    )
    error.details = tuple(problems)
    return error


def _data_path(data: Any, loc: tuple[int | str, ...]) -> Path:
    """The longest part of a pydantic error location that is a path in `data`."""
    path: list[int | str] = []
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_list or (isinstance(node, dict) and part in node):
            node = node[part]
        else:
            continue  # a union's branch or a validator's name, not a key
        path.append(part)
    return tuple(path)
