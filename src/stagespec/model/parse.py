"""Validate loaded data against the model, translating pydantic errors into diagnostics.

A spec with schema errors is still checked where it can be: each part that holds an error
(a top-level section, or one entry of a section, such as a service or a breaker) is left
out, and what remains is validated again into a partial Spec for the rules whose inputs
are all intact (see `engine/validate.py`).
"""

from __future__ import annotations

import heapq
import itertools
import operator
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from stagespec.capping import DEFAULT_MAX_FINDINGS, Omitted
from stagespec.diagnostics import (
    SHOWN_KEY_LENGTH,
    Diagnostic,
    Position,
    at,
    dotted_path,
    quoted_key,
)
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
    if any(map(str.startswith, data, itertools.repeat("x-"))):  # no Python code per key
        data = {k: v for k, v in data.items() if not k.startswith("x-") or k in TYPED_EXTENSIONS}
    data, unknown = _without_unknown(data)
    try:
        return Parsed(validate_spec(data), [])  # not with unknown keys: the first is left in
    except ValidationError as e:
        errors = _located(data, _errors(e))
    reported = _reported(errors, unknown)
    diagnostics, omitted = _report(doc, errors, limit, reported)
    if not salvage:
        return Parsed(None, diagnostics, omitted)
    partial, failed = _salvage(data, [(path, loc) for path, loc, *_ in errors])
    # The keys left out are not in `data`: what they spoil is left out of `partial` already
    # (the part of their mapping's first unknown key, or the key itself), so it joins the
    # failed parts only now, not in every round of salvaging.
    for group in reported.values():
        group.add_failed_parts(failed)
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


# -- unknown keys, found beside the model before pydantic ---------------------------------
#
# Each unknown key is an error of pydantic's, which builds it, and then each is located in
# the data and sorted: for 200,000 unknown keys that was most of a run. So the unknown keys
# of each mapping that the model reads as one model (not inside a union, where pydantic's
# locations name the union's members) are found by comparing the mapping's keys with the
# model's, and all but the first are left out before pydantic validates again. The first
# stays, so that pydantic still fails that model as it did (its own checks, such as a
# service's "exactly one of image or build", do not run on a model with an unknown key),
# and the rest are reported beside it, in the order pydantic gave: after it, as in the data.


class _Shape:
    """Where a part of the model reads mappings: a model (its keys, the shape of its
    fields), or a dict or list of one shape; `None` stands for a part not walked."""

    __slots__ = ("each", "fields", "known", "sequence")

    def __init__(
        self,
        known: frozenset[str] | None = None,
        fields: dict[str, _Shape] | None = None,
        each: _Shape | None = None,
        sequence: bool = False,
    ) -> None:
        self.known = known
        """A model that forbids other keys: its keys (None: a dict, a list, or a model that
        allows other keys)."""
        self.fields = fields
        """A model: the shape of each field walked into."""
        self.each = each
        """A dict or list: the shape of every value or item."""
        self.sequence = sequence


def _shape_of(annotation: Any) -> _Shape | None:
    members = [m for m in _members(annotation) if m is not type(None)]
    if len(members) != 1:
        return None  # a union: pydantic's locations name its members
    (member,) = members
    if isinstance(member, type) and issubclass(member, BaseModel):
        return _model_shape(member)
    origin = typing.get_origin(member)
    if origin is dict or origin is list:
        each = _shape_of(typing.get_args(member)[-1 if origin is dict else 0])
        return None if each is None else _Shape(each=each, sequence=origin is list)
    return None


@cache
def _model_shape(model: type[BaseModel]) -> _Shape:
    fields: dict[str, _Shape] = {}
    for name, info in model.model_fields.items():
        shape = _shape_of(info.annotation)
        if shape is not None:
            fields[info.alias or name] = shape
    known = frozenset(_keys_of(model))
    return _Shape(known if model.model_config.get("extra") == "forbid" else None, fields)


class _Unknown:
    """The unknown keys of one mapping: the first (left in, pydantic reports it) and the
    others (left out, reported beside it)."""

    __slots__ = ("_paths", "first", "path", "rest")

    def __init__(self, path: Path, first: str, rest: list[str]) -> None:
        self.path = path
        self.first = first
        self.rest = rest
        self._paths: list[Path] | None = None

    def paths(self) -> list[Path]:
        """The path of each key left out."""
        if self._paths is None:
            prefix = self.path
            self._paths = [prefix + (key,) for key in self.rest]  # noqa: RUF005 (faster)
        return self._paths

    def add_failed_parts(self, failed: set[Path]) -> None:
        """Add the parts of the spec that the keys left out spoil (see `failed_part`)."""
        depth = len(self.path)
        parts = _PARTS_BY_HEAD.get(self.path[0], ()) if self.path else PARTS
        named = {part[depth] for part in parts if len(part) > depth}
        paths = self.paths()
        if "*" in named:
            failed.update(failed_part(path, path) for path in paths)
            return
        own = named.intersection(self.rest)  # keys that may be, or be in, a part of their own
        if own:
            failed.update(
                failed_part(p, p) for k, p in zip(self.rest, paths, strict=True) if k in own
            )
        if len(own) == len(self.rest):
            return
        if not self.path:  # a top-level key is the part it spoils
            failed.update(paths if not own else (p for p in paths if p[0] not in own))
        else:  # every other key spoils the same part: see `failed_part`
            path = next(p for k, p in zip(self.rest, paths, strict=True) if k not in own)
            failed.add(failed_part(path, path))


def _without_unknown(data: dict[str, Any]) -> tuple[dict[str, Any], list[_Unknown]]:
    """`data` with all but the first unknown key of each mapping left out, and the keys
    left out; `data` itself when no mapping has two unknown keys."""
    found: list[_Unknown] = []
    pruned = _prune(data, _model_shape(Spec), (), found)
    return (pruned, found) if found else (data, [])


def _prune(value: Any, shape: _Shape, path: Path, found: list[_Unknown]) -> Any:
    """`value` with all but the first unknown key of each mapping left out (noted in
    `found`); only what changes is copied."""
    if shape.fields is not None:  # a model
        if not isinstance(value, dict):
            return value
        result = value
        known = shape.known
        if known is not None:
            unknown = [key for key in value if key not in known]
            if len(unknown) > 1:
                first = unknown[0]
                found.append(_Unknown(path, first, unknown[1:]))
                result = {k: v for k, v in value.items() if k in known or k == first}
        for name, field_shape in shape.fields.items():
            if name in result:
                old = result[name]
                new = _prune(old, field_shape, (*path, name), found)
                if new is not old:
                    result = dict(result) if result is value else result
                    result[name] = new
        return result
    each = shape.each
    assert each is not None
    if shape.sequence and isinstance(value, list):
        items = value
        for index, old in enumerate(value):
            new = _prune(old, each, (*path, index), found)
            if new is not old:
                items = list(value) if items is value else items
                items[index] = new
        return items
    if not shape.sequence and isinstance(value, dict):
        entries = value
        for key, old in value.items():
            new = _prune(old, each, (*path, key), found)
            if new is not old:
                entries = dict(value) if entries is value else entries
                entries[key] = new
        return entries
    return value


def _reported(errors: list[_Located], found: list[_Unknown]) -> dict[int, _Unknown]:
    """Of the mappings whose unknown keys were left out, those whose first unknown key
    pydantic reported (it validated that model), by the index of that error."""
    if not found:
        return {}
    firsts = {(*group.path, group.first): group for group in found}
    reported: dict[int, _Unknown] = {}
    for index, (path, _, err, _) in enumerate(errors):
        group = firsts.get(path)
        if group is not None and err["type"] == "extra_forbidden":
            reported[index] = group
    return reported


def _report(
    doc: Document,
    errors: list[_Located],
    limit: int | None,
    unknown: dict[int, _Unknown] | None = None,
) -> tuple[list[Diagnostic], Omitted]:
    """Diagnostics of the first `limit` errors of each code in file order; the rest counted.

    Only the errors shown get a message: a did-you-mean compares a key with every known
    one, which for 200,000 unknown keys took most of a run. `unknown` adds the unknown keys
    left out before validation, each after the error of its mapping's first unknown key.
    """
    key_spans = doc.key_spans
    # (where, whether an unknown key, the error's index, and after it which key left out)
    order: dict[bool, list[tuple[Position, bool, int, int]]] = {False: [], True: []}
    for index, (path, _, err, _) in enumerate(errors):
        extra = err["type"] == "extra_forbidden"  # SS011, after SS010 at the same place
        span = (key_spans.get(path) if extra else None) or doc.span(path)
        order[extra].append((span.start, extra, index, 0))
    unknown = unknown or {}
    # The keys left out of a mapping are in file order (nearly always): those after its
    # first `limit` cannot be shown, and only where they are is needed.
    never_shown: list[Position] = []
    for index, group in unknown.items():
        starts = doc.key_starts(group.paths())
        cut = len(starts)
        if (
            limit
            and cut > limit
            and all(map(operator.le, starts, itertools.islice(starts, 1, None)))
        ):
            cut = limit
            never_shown += itertools.islice(starts, limit, None)
        order[True].extend((starts[place - 1], True, index, place) for place in range(1, cut + 1))
    diagnostics: set[Diagnostic] = set()
    omitted: Omitted = {}
    for extra, entries in order.items():
        shown = heapq.nsmallest(limit, entries) if limit else entries
        for _, _, index, place in shown:
            if place:
                key_path = unknown[index].paths()[place - 1]
                err = {"type": "extra_forbidden", "loc": key_path}
                diagnostics.add(_diagnostic(doc, key_path, key_path, err, None))
            else:
                diagnostics.add(_diagnostic(doc, *errors[index]))
        more = never_shown if extra else []
        if len(shown) < len(entries) or more:
            places: set[tuple[int, int]] = {entry[0] for entry in entries}  # Positions
            places.update(more)
            if len(places) == len(entries) + len(more):  # none at the place of another
                places.difference_update(entry[0] for entry in shown)
            else:
                kept = {(start, index, place) for start, _, index, place in shown}
                places = {e[0] for e in entries if (e[0], e[2], e[3]) not in kept}
                places.update(more)
            omitted["SS011" if extra else "SS010"] = places
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
    parts = parts if isinstance(parts, set | frozenset) else set(parts)
    inner: dict[Any, list[Path]] = {}
    for part in [part for part in parts if len(part) > 1]:  # () is the whole spec: kept
        inner.setdefault(part[0], []).append(part[1:])
    result = {k: v for k, v in data.items() if (k,) not in parts}
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
    return sorted(_keys_of(model)) if model else []


def _keys_of(model: type[BaseModel]) -> list[str]:
    """The keys a model is written with: each field's alias (`x-compose`), else its name."""
    return [info.alias or name for name, info in model.model_fields.items()]


def _step(annotation: Any, part: int | str) -> Any:
    model = _model_in(annotation)
    if model is not None:
        fields = {info.alias or name: info for name, info in model.model_fields.items()}
        field = fields.get(str(part))
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
