"""Validate loaded data against the model, translating pydantic errors into diagnostics.

A spec with schema errors is still checked where it can be: each part that holds an error
(a top-level section, or one entry of a section, such as a service or a breaker) is left
out, and what remains is validated again into a partial Spec for the rules whose inputs
are all intact (see `engine/validate.py`).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from stagespec.capping import DEFAULT_MAX_FINDINGS, Omitted
from stagespec.diagnostics import SHOWN_KEY_LENGTH, Diagnostic, at, dotted_path, quoted_key
from stagespec.load.document import Document, Path
from stagespec.model.spec import Spec
from stagespec.model.validator import validate_spec

# The parts an error is contained in, most specific first ("*": any one entry). An error
# elsewhere spoils its whole top-level section. List items are never parts of their own:
# leaving one out would move the positions of those after it.
PARTS: tuple[Path, ...] = (
    ("services", "*"),
    ("secrets", "*"),
    ("volumes", "*"),
    ("environments", "*"),
    ("resilience", "breakers", "*"),
    ("resilience", "degradation"),
    ("monitoring", "prometheus"),
    ("monitoring", "grafana"),
    ("runtime", "security"),
    ("runtime", "logging"),
)
_PARTS_BY_HEAD: dict[str | int, list[Path]] = {}
for _part in PARTS:
    _PARTS_BY_HEAD.setdefault(_part[0], []).append(_part)
# Required top-level keys, and what stands in for one that failed: no rule reads these.
_STAND_INS: dict[str, Any] = {"stagespec": 1, "project": "unnamed", "services": {}}
_SALVAGE_ROUNDS = 3
TYPED_EXTENSIONS = frozenset({"x-compose", "x-kubernetes"})
"""The `x-` keys of the top level that mean something; others hold YAML anchors only."""


@dataclass(frozen=True)
class Parsed:
    """What validating a document gave: its Spec, or its diagnostics and what still passed."""

    spec: Spec | None
    diagnostics: list[Diagnostic]
    omitted: Omitted = field(default_factory=dict)
    """Schema findings past the limit, counted but not formatted (see capping.py)."""
    partial: Spec | None = None
    """Without `spec`: the Spec of every part that passed the schema, the others left out."""
    failed: frozenset[Path] = frozenset()
    """The parts left out of `partial`, each a path in the data."""


def parse_spec(
    doc: Document, data: dict[str, Any] | None = None
) -> tuple[Spec | None, list[Diagnostic]]:
    """Validate `data` (default: the document's own) into a Spec, or return its diagnostics."""
    parsed = parse_document(doc, data, salvage=False)
    return parsed.spec, parsed.diagnostics


def parse_document(
    doc: Document,
    data: dict[str, Any] | None = None,
    *,
    limit: int | None = DEFAULT_MAX_FINDINGS,
    salvage: bool = True,
) -> Parsed:
    """Validate into a Spec; when that fails, the diagnostics (at most `limit` per code, the
    rest counted) and, with `salvage`, the partial Spec of the parts that passed."""
    data = doc.data if data is None else data
    data = {k: v for k, v in data.items() if not k.startswith("x-") or k in TYPED_EXTENSIONS}
    try:
        return Parsed(validate_spec(data), [])
    except ValidationError as e:
        errors = _located(data, _errors(e))
    diagnostics, omitted = _report(doc, errors, limit)
    if not salvage:
        return Parsed(None, diagnostics, omitted)
    partial, failed = _salvage(data, [(path, loc) for path, loc, *_ in errors])
    return Parsed(None, diagnostics, omitted, partial, frozenset(failed))


def _errors(e: ValidationError) -> list[Any]:
    # A diagnostic uses an error's location, type and message only.
    return e.errors(include_url=False, include_context=False, include_input=False)


# The data path of an error, its pydantic location, the error, and the value there.
_Located = tuple[Path, tuple[int | str, ...], Any, Any]


def _located(data: dict[str, Any], errors: Iterable[Any]) -> list[_Located]:
    located = []
    for err in errors:
        loc = tuple(err["loc"])
        path, value = _data_path(data, loc)
        located.append((path, loc, err, value))
    return located


def _report(
    doc: Document, errors: list[_Located], limit: int | None
) -> tuple[list[Diagnostic], Omitted]:
    """Diagnostics of the first `limit` errors of each code in file order; the rest counted.

    Only the errors shown get a message: a did-you-mean compares a key with every known
    one, which for 200,000 unknown keys took most of a run.
    """
    order = []
    key_spans = doc.key_spans
    for index, (path, _, err, _) in enumerate(errors):
        extra = err["type"] == "extra_forbidden"  # SS011, after SS010 at the same place
        span = (key_spans.get(path) if extra else None) or doc.span(path)
        order.append((span.start, extra, index))
    order.sort()
    diagnostics: set[Diagnostic] = set()
    omitted: Omitted = {}
    shown = {False: 0, True: 0}
    for start, extra, index in order:
        if limit and shown[extra] >= limit:
            omitted.setdefault("SS011" if extra else "SS010", set()).add((start.line, start.column))
            continue
        shown[extra] += 1
        diagnostics.add(_diagnostic(doc, *errors[index]))
    return sorted(diagnostics), omitted


def failed_part(path: Path, loc: tuple[int | str, ...]) -> Path:
    """The part of the spec that an error at data path `path` spoils (see PARTS)."""
    for part in _PARTS_BY_HEAD.get(path[0] if path else "", ()):
        head = path[: len(part)]
        if len(head) == len(part) and all(p in ("*", q) for p, q in zip(part, head, strict=True)):
            return head
    return path[:1] or tuple(loc[:1])


def _salvage(
    data: dict[str, Any], errors: list[tuple[Path, tuple[int | str, ...]]]
) -> tuple[Spec | None, set[Path]]:
    """The Spec of `data` without the parts that hold errors, and those parts.

    Leaving a part out can fail what holds it (a required key, a minimum length), so
    validation repeats, leaving out more, a few rounds at most.
    """
    failed: set[Path] = set()
    for _ in range(_SALVAGE_ROUNDS):
        failed |= {failed_part(path, loc) for path, loc in errors}
        rest = _without(data, failed)
        for key, stand_in in _STAND_INS.items():
            rest.setdefault(key, stand_in)
        try:
            return validate_spec(rest), failed
        except ValidationError as e:
            errors = [(path, loc) for path, loc, *_ in _located(rest, _errors(e))]
    return None, failed


def _without(data: dict[str, Any], parts: Iterable[Path]) -> dict[str, Any]:
    """A copy of `data` without the values at `parts` (a part inside a non-mapping takes
    the whole value with it); nothing else is copied."""
    drop: set[Any] = set()
    inner: dict[Any, list[Path]] = {}
    for part in filter(None, parts):  # () would be the whole spec: nothing to salvage
        if len(part) == 1:
            drop.add(part[0])
        else:
            inner.setdefault(part[0], []).append(part[1:])
    result = {k: v for k, v in data.items() if k not in drop}
    for key, rests in inner.items():
        value = result.get(key)
        if isinstance(value, dict):
            result[key] = _without(value, rests)
        else:
            result.pop(key, None)
    return result


def _data_path(data: Any, loc: tuple[int | str, ...]) -> tuple[Path, Any]:
    """Keep the parts of a pydantic location that exist in the data (drop union tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:  # once per error: the dict test first, as most parts are keys
        if isinstance(node, dict):
            if part not in node:
                continue
        elif not (isinstance(node, list) and isinstance(part, int) and part < len(node)):
            continue
        node = node[part]
        path.append(part)
    return tuple(path), node


def _diagnostic(
    doc: Document, path: Path, loc: tuple[int | str, ...], err: Any, value: Any
) -> Diagnostic:
    dotted = dotted_path(path) or "the top level"
    kind = err["type"]
    if kind == "extra_forbidden":
        import difflib  # only for a mistake: not on every start

        known = _known_keys(loc[:-1])
        key = str(loc[-1])
        hint = difflib.get_close_matches(key, known, n=1) if len(key) <= SHOWN_KEY_LENGTH else []
        message = f"unknown key {quoted_key(key)} in {dotted_path(path[:-1]) or 'the top level'}"
        message += f"; did you mean {hint[0]!r}?" if hint else f"; known keys: {', '.join(known)}"
        return at(doc.file, doc.key_span(path), "SS011", "unknown-key", "error", message)
    if kind == "missing":
        message = f"{dotted}: missing required key {quoted_key(str(loc[-1]))}"
        if loc == ("stagespec",):
            message = "missing `stagespec: 1` (the spec version) at the top"
        return at(doc.file, doc.span(path), "SS010", "schema", "error", message)
    text = str(err["msg"]).removeprefix("Value error, ")
    if kind in _EXPECTED:
        text = f"expected {_EXPECTED[kind]}, got {_kind_of(value)}"
    if kind == "literal_error" and loc == ("stagespec",):
        text = "this stagespec reads spec version 1; write `stagespec: 1`"
    return at(doc.file, doc.span(path), "SS010", "schema", "error", f"{dotted}: {text}")


# Strict scalars: a value of the wrong YAML type is named, so that `retries: true` or
# `port: "8080"` says what was written, not only what was wanted. Never the value itself:
# it may be a secret in the wrong place.
_EXPECTED = {
    "int_type": "an integer",
    "bool_type": "a boolean (true or false)",
    "decimal_type": "a number",
}


def _kind_of(value: Any) -> str:
    """What a YAML value is, for a message: `a boolean`, `a quoted number`, `a list`..."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, Decimal) and not value.is_finite():
        return "a number that is not finite"
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return "a decimal number (write it without the point)"
    if isinstance(value, Decimal):
        return "a number with a fraction"
    if isinstance(value, str):
        numeric = value.strip().lstrip("+-").replace(".", "", 1).isdigit()
        return "a quoted number (write it without quotes)" if numeric else "a string"
    if value is None:
        return "null"
    return "a mapping" if isinstance(value, dict) else "a list"


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys a model accepts at a pydantic location, for did-you-mean hints."""
    current: Any = Spec
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    model = _model_in(current)
    return sorted(model.model_fields) if model else []


def _step(annotation: Any, part: int | str) -> Any:
    model = _model_in(annotation)
    if model is not None:
        field = model.model_fields.get(str(part))
        return field.annotation if field else None
    for arg in _members(annotation):
        origin = typing.get_origin(arg)
        if origin is dict:
            return typing.get_args(arg)[1]
        if origin is list and isinstance(part, int):
            return typing.get_args(arg)[0]
    return None


def _members(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return [m for a in typing.get_args(annotation) for m in _members(a)]
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None
