"""Validate loaded data against the model, translating pydantic errors into diagnostics."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from stagespec.diagnostics import SHOWN_KEY_LENGTH, Diagnostic, at, dotted_path, quoted_key
from stagespec.loader import Document, Path
from stagespec.model.spec import Spec
from stagespec.model.validator import validate_spec


def parse_spec(
    doc: Document, data: dict[str, Any] | None = None
) -> tuple[Spec | None, list[Diagnostic]]:
    """Validate `data` (default: the document's own) into a Spec, or return its diagnostics."""
    data = doc.data if data is None else data
    data = {k: v for k, v in data.items() if not k.startswith("x-")}
    try:
        return validate_spec(data), []
    except ValidationError as e:
        diagnostics = {_diagnostic(doc, data, err) for err in e.errors(include_url=False)}
        return None, sorted(diagnostics)


def _data_path(data: Any, loc: tuple[int | str, ...]) -> tuple[Path, Any]:
    """Keep the parts of a pydantic location that exist in the data (drop union tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            continue
        path.append(part)
    return tuple(path), node


def _diagnostic(doc: Document, data: dict[str, Any], err: Any) -> Diagnostic:
    loc = tuple(err["loc"])
    path, _ = _data_path(data, loc)
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
    if kind == "literal_error" and loc == ("stagespec",):
        text = "this stagespec reads spec version 1; write `stagespec: 1`"
    return at(doc.file, doc.span(path), "SS010", "schema", "error", f"{dotted}: {text}")


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
