"""Build a spec's values from libyaml's parse events, with the span of every key and value.

Reading events rather than composed nodes is faster and never recurses with the nesting of
the document (libyaml's composer does, and crashes the interpreter on a deep enough one),
yet every result is the one of the node walk this replaced: the checks and the order in
which they meet nodes are the same. Only the anchored parts of the document are kept (as
events); an alias is expanded by replaying them, with the checks a node met a second time
gets: it counts against the alias limit, and what failed in it fails again there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from yaml._yaml import CParser
from yaml.composer import ComposerError
from yaml.events import (
    AliasEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from stagespec.diagnostics import Diagnostic, Position, Span, at

PathKey = str | int
Path = tuple[PathKey, ...]

MAX_DEPTH = 64
MAX_ALIAS_NODES = 20_000
MAX_NUMBER_DIGITS = 400

_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_EXPLICIT = {"int": _INT, "float": _FLOAT, "null": _NULL}
# A plain scalar starting with anything else is a string under the core schema's rules.
_MAYBE_NOT_STRING = frozenset("0123456789+-.~nNtTfF")

_NEW = tuple.__new__  # builds the NamedTuples without their Python-level __new__ (hot)

# What an open collection is, for what happens when it closes.
_BUILT, _SKIPPED, _UNSUPPORTED, _BAD_KEY = range(4)
_KEY, _SKIP_VALUE = object(), object()  # a mapping's state between a key and its value
_LONG_WAY = object()  # a scalar that `Reader.read` leaves to `_scalar`


Mark = Any  # libyaml's marks, or PyYAML's: `.line` and `.column`, from 0


RawSpan = tuple[int, int, int, int]
"""A span as libyaml's marks give it: start line and column, end line and column, from 0.
The tables of spans hold these, and a Span is made of one only when it is read: most are
never read, and making a Span of every key and value was a third of the loader's time."""


def _span(start: Mark, end: Mark) -> Span:
    begin: Position = _NEW(Position, (start.line + 1, start.column + 1))
    finish: Position = _NEW(Position, (end.line + 1, end.column + 1))
    span: Span = _NEW(Span, (begin, finish))
    return span


def _raw(start: Mark, end: Mark) -> RawSpan:
    return (start.line, start.column, end.line, end.column)


def to_span(raw: RawSpan) -> Span:
    """The Span of a raw span (positions from 1)."""
    start_line, start_column, end_line, end_column = raw
    begin: Position = _NEW(Position, (start_line + 1, start_column + 1))
    finish: Position = _NEW(Position, (end_line + 1, end_column + 1))
    span: Span = _NEW(Span, (begin, finish))
    return span


def _mark(event: Event) -> Mark:
    return event.start_mark


def core_scalar(text: str) -> Any:
    """Resolve a plain scalar with the YAML 1.2 core schema (numbers with a dot are Decimal)."""
    if text and text[0] not in _MAYBE_NOT_STRING:
        return text
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        if len(text) > MAX_NUMBER_DIGITS:
            raise ValueError(f"a number of {len(text)} digits is too large")
        return int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10)
    if _FLOAT.match(text):
        # A decimal keeps every digit it is written with, and each sum or product of it
        # costs in proportion: two million-digit weights made every health score take 51 s.
        _check_digits(text)
        number = Decimal(text)
        # An exponent beyond any real setting would overflow decimal arithmetic later.
        return number if abs(number.adjusted()) <= MAX_NUMBER_DIGITS else float(number)
    if _SPECIAL_FLOAT.match(text):
        return float(text.replace(".", "", 1))
    return text


def _check_digits(text: str) -> None:
    """Refuse a decimal written with more than MAX_NUMBER_DIGITS digits before its exponent,
    as an integer with more is refused."""
    if len(text) <= MAX_NUMBER_DIGITS:
        return
    mantissa = text.partition("e")[0].partition("E")[0]
    digits = len(mantissa) - mantissa.count(".") - mantissa.startswith(("-", "+"))
    if digits > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number of {digits} digits is too large")


class Limit(Exception):
    """A bound was passed: building stops, and this is the only diagnostic."""

    def __init__(self, span: Span | None, message: str, site: Path | None = None) -> None:
        super().__init__(message)
        self.span = span
        """Where, or None until the node's end is read (then `close()` fills it in)."""
        self.site = site
        """For the alias limit: the collection that used the alias, whose span is reported."""


class TooDeep(Exception):
    """Raised out of `Reader.read` when the nesting limit is passed (`Reader.limit` says where)."""


class _Anchor:
    """An anchored node: where its first event is in the recorded events, and its span
    (None while the anchored collection is still being read)."""

    __slots__ = ("index", "span", "start")

    def __init__(self, index: int, start: Mark) -> None:
        self.index = index
        self.start = start
        self.span: RawSpan | None = None


class _Pending(Exception):
    """An alias of a collection that is still open: a node inside itself, expanding forever.

    It is expanded at `path` when its anchor closes, which surely ends in a Limit.
    """

    def __init__(self, anchor: _Anchor, path: Path, depth: int, aliased: bool, site: Path):
        super().__init__(anchor, path)
        self.anchor = anchor
        self.path = path
        self.depth = depth
        self.aliased = aliased
        self.site = site


class Builder:
    """Turns the events of one document into plain values, spans and problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.spans: dict[Path, RawSpan] = {}
        self.key_spans: dict[Path, RawSpan] = {}
        self.problems: list[Diagnostic] = []
        self.limit: Limit | None = None
        self.root_span = Span(Position(1, 1), Position(1, 1))
        self.recorded: list[Event] = []
        self.ends: dict[int, int] = {}  # a recorded collection's start -> its end
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: list[_Anchor] = []
        self.pending: _Pending | None = None
        self.key_problems: list[_Anchor] = []  # an open collection used as a key
        self.seen: set[int] = set()  # recorded nodes built at least once
        self.alias_nodes = 0
        self.alias_site: Path = ()

    def problem(self, span: RawSpan, code: str, name: str, message: str) -> None:
        self.problems.append(at(self.file, to_span(span), code, name, "error", message))

    def unsupported_tag(self, span: RawSpan, tag: str) -> None:
        shown = tag.replace(_TAG, "!!")
        self.problem(
            span,
            "SS003",
            "unsupported-tag",
            f"tag {shown[:60]!r} is not allowed: a spec uses only plain YAML "
            "(strings, numbers, booleans, null, lists and mappings)",
        )

    def bad_key(self, span: RawSpan) -> None:
        self.problem(span, "SS001", "yaml-syntax", "mapping keys must be plain names")

    def duplicate_key(self, span: RawSpan, key: str, first: Position) -> None:
        self.problem(
            span,
            "SS002",
            "duplicate-key",
            f"duplicate key {key!r}: first defined at line {first.line}, column "
            f"{first.column}; YAML keeps only one, so remove or rename one of them",
        )

    def scalar(self, event: ScalarEvent, span: RawSpan) -> Any:
        """The value of a scalar node, by its tag."""
        tag, text = event.tag, event.value
        try:
            if tag is None or tag == "!":
                return core_scalar(text) if event.implicit[0] else text
            if tag == _STR:
                return text
            kind = tag.removeprefix(_TAG)
            if kind == "bool" and text in _BOOL:
                return _BOOL[text]
            if kind in _EXPLICIT and _EXPLICIT[kind].match(text):
                return core_scalar(text)
        except ValueError as e:
            raise Limit(to_span(span), str(e)) from None
        if kind == "bool" or kind in _EXPLICIT:
            self.problem(span, "SS001", "yaml-syntax", f"{text!r} is not a valid !!{kind}")
        else:
            self.unsupported_tag(span, tag)
        return None

    # -- what the composer does: anchors, aliases and one document --------------------

    def record(self, event: Event, anchor: str | None) -> int:
        """Keep an event that an alias may replay; register the anchor it defines."""
        index = len(self.recorded)
        self.recorded.append(event)
        if anchor is not None:
            if anchor in self.anchors:
                raise ComposerError(
                    "found duplicate anchor; first occurrence",
                    self.anchors[anchor].start,
                    "second occurrence",
                    _mark(event),
                )
            node = _Anchor(index, event.start_mark)
            self.anchors[anchor] = node
            if type(event) is ScalarEvent:
                node.span = _raw(event.start_mark, event.end_mark)
            else:
                self.open_anchors.append(node)
        return index

    def anchor_of(self, event: AliasEvent) -> _Anchor:
        found = self.anchors.get(event.anchor or "")
        if found is None:
            raise ComposerError(None, None, "found undefined alias", _mark(event))
        return found

    def close_anchor(self, span: RawSpan) -> None:
        """The innermost open anchored collection ended: it may now be replayed."""
        anchor = self.open_anchors.pop()
        anchor.span = span
        pending = self.pending
        if pending is not None and pending.anchor is anchor:
            self.pending = None
            self.alias_site = pending.site
            self.expand(anchor, pending.path, pending.depth, pending.aliased)

    def expand(self, anchor: _Anchor, path: Path, depth: int, aliased: bool) -> Any:
        """The value of an alias at `path`; a Limit or a wait for the anchor to close stops."""
        if anchor.span is None:
            self.pending = _Pending(anchor, path, depth, aliased, self.alias_site)
            return None
        try:
            return self.replay(anchor.index, path, depth, aliased)
        except _Pending as e:
            self.pending = e
        except Limit as e:
            self.limit = e
        return None

    # -- replaying recorded events: the node walk, on nodes an alias names -------------

    def _next(self, index: int) -> int:
        return self.ends.get(index, index) + 1

    def _recorded_span(self, index: int) -> RawSpan:
        event = self.recorded[index]
        end = self.recorded[self.ends.get(index, index)]
        return _raw(event.start_mark, end.end_mark)

    def replay(self, index: int, path: Path, depth: int, aliased: bool) -> Any:
        """Build the recorded node at `index` as if it stood at `path`."""
        event = self.recorded[index]
        if type(event) is AliasEvent:
            anchor = self.anchor_of(event)
            if anchor.span is None:
                raise _Pending(anchor, path, depth, aliased, self.alias_site)
            return self.replay(anchor.index, path, depth, aliased)
        if depth > MAX_DEPTH:
            where = to_span(self._recorded_span(index))
            raise Limit(where, f"nesting deeper than {MAX_DEPTH} levels")
        if index in self.seen and not aliased:
            aliased = True
            self.alias_site = path[:-1]
        self.seen.add(index)
        if aliased:
            self.alias_nodes += 1
            if self.alias_nodes > MAX_ALIAS_NODES:
                message = f"aliases expand to more than {MAX_ALIAS_NODES} nodes"
                raise Limit(None, message, self.alias_site)
        span = self.spans[path] = self._recorded_span(index)
        if type(event) is ScalarEvent:
            return self.scalar(event, span)
        assert isinstance(event, SequenceStartEvent | MappingStartEvent)
        if not (event.tag is None or event.tag in ("!", _SEQ, _MAP)):
            self.unsupported_tag(span, event.tag)
            return None
        if type(event) is MappingStartEvent:
            return self._replay_mapping(index, path, depth, aliased)
        items: list[Any] = []
        end, index = self.ends[index], index + 1
        while index < end:
            items.append(self.replay(index, (*path, len(items)), depth + 1, aliased))
            index = self._next(index)
        return items

    def _replay_mapping(self, index: int, path: Path, depth: int, aliased: bool) -> Any:
        result: dict[str, Any] = {}
        end, index = self.ends[index], index + 1
        while index < end:
            value = self._next(index)
            key = self._replay_key(index, result, path)
            if key is not None:
                result[key] = self.replay(value, (*path, key), depth + 1, aliased)
            index = self._next(value)
        return result

    def _replay_key(self, index: int, taken: dict[str, Any], path: Path) -> str | None:
        """The key at `index`, or None when it is reported (its value is not built)."""
        event = self.recorded[index]
        if type(event) is AliasEvent:
            anchor = self.anchor_of(event)
            if anchor.span is None:  # an open collection: reported when it closes
                self.key_problems.append(anchor)
                return None
            event, span = self.recorded[anchor.index], anchor.span
        else:
            span = self._recorded_span(index)
        return self.key(event, span, taken, path)

    def key(self, event: Event, span: RawSpan, taken: dict[str, Any], path: Path) -> str | None:
        """A key of the mapping `taken` at `path`, its span noted; None after reporting it
        (not plain, or a duplicate)."""
        if type(event) is not ScalarEvent or event.tag not in (None, "!", _STR):
            self.bad_key(span)
            return None
        key: str = event.value
        if key in taken:
            self.duplicate_key(span, key, to_span(self.key_spans[(*path, key)]).start)
            return None
        self.key_spans[(*path, key)] = span
        return key

    def finish(self) -> None:
        """Report keys that were open collections, now that every collection has closed."""
        for anchor in self.key_problems:
            assert anchor.span is not None
            self.bad_key(anchor.span)


class _Frame:
    """A collection being read: where its children go and what happens when it closes."""

    __slots__ = (
        "anchored", "depth", "index", "is_map", "key", "key_path", "kind", "path", "skip", "start",
        "value",
    )  # fmt: skip

    def __init__(self, path: Path, is_map: bool | None, depth: int, kind: int, event: Event):
        self.value: Any = None
        self.path = path
        self.is_map = is_map
        """None for the frame around the document's root node."""
        self.key: object = _KEY
        self.key_path: Path = ()
        """The path of the value after the key just read, in `Reader.read`'s short way."""
        self.depth = depth
        self.kind = kind
        self.skip = kind != _BUILT
        """Whether the children are only read, not built."""
        self.start: Mark = event.start_mark
        self.index = -1
        """Where the opening event is in the recorded events, or -1."""
        self.anchored = False

    def place(self) -> Path | None:
        """The path of the next child value, or None when it is not built (its key was
        reported); a mapping expects a key next."""
        if self.is_map:
            key = self.key
            self.key = _KEY
            return None if key is _SKIP_VALUE else (*self.path, key)  # type: ignore[arg-type]
        return () if self.is_map is None else (*self.path, len(self.value))

    def put(self, path: Path, value: Any) -> None:
        if self.is_map is None:
            self.value = value
        elif self.is_map:
            self.value[path[-1]] = value
        else:
            self.value.append(value)


class Reader(Builder):
    """Reads the events of a document in one pass, building as it goes."""

    def __init__(self, file: str) -> None:
        super().__init__(file)
        self.stack: list[_Frame] = []  # the open frames around the current one

    def read(self, parser: CParser) -> tuple[bool, Any]:
        """(False, None) for a stream with no document, else (True, the document's value)."""
        parser.get_event()  # the stream's start
        event = parser.get_event()
        if type(event) is StreamEndEvent or event is None:
            return False, None
        top = frame = _Frame((), None, -1, _BUILT, event)
        get: Callable[[], Any] = parser.get_event  # each event's type is tested below
        spans, key_spans, open_anchors = self.spans, self.key_spans, self.open_anchors
        # The short way for the commonest event, a plain key or value in a mapping that is
        # built, with no anchor about: what `_scalar` does, written out. Whether the current
        # frame allows it, and what of it is used, is read again after every other step.
        short, values, shallow = False, {}, False
        base: Path = ()
        while True:
            event = get()
            kind = type(event)
            if kind is ScalarEvent:
                if short and event.tag is None and event.anchor is None:
                    key = frame.key
                    text = event.value
                    start, end = event.start_mark, event.end_mark
                    span = (start.line, start.column, end.line, end.column)
                    if key is _KEY:
                        if text not in values:  # a duplicate is reported by `key`
                            frame.key = text
                            key_spans[path := base + (text,)] = span  # noqa: RUF005 (faster)
                            frame.key_path = path
                            continue
                    elif key is not _SKIP_VALUE and shallow:
                        if not event.implicit[0] or (text and text[0] not in _MAYBE_NOT_STRING):
                            value: Any = text  # quoted, or a plain string: as scalar() says
                        elif text.isdigit() and text.isascii() and len(text) <= MAX_NUMBER_DIGITS:
                            value = int(text)
                        else:
                            value = _LONG_WAY
                        if value is not _LONG_WAY:
                            frame.key = _KEY
                            spans[frame.key_path] = span
                            values[key] = value
                            continue
                self._scalar(frame, event)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                frame = self._start(frame, event)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = self._end(frame, event)
            else:
                self._alias(frame, event)
            if frame is top:
                break
            short = bool(frame.is_map) and not frame.skip and not open_anchors
            if short:
                values, base, shallow = frame.value, frame.path, frame.depth < MAX_DEPTH
        get()  # the document's end
        event = get()
        if type(event) is not StreamEndEvent and event is not None:
            raise ComposerError(
                "expected a single document in the stream",
                top.start,
                "but found another document",
                _mark(event),
            )
        return True, top.value

    def _stop(self, limit: Limit | None, frame: _Frame) -> None:
        """A bound was passed (or an alias waits on its own collection): read, build no more."""
        if limit is not None:
            self.limit = limit
        frame.skip = True
        for open_frame in self.stack:
            open_frame.skip = True

    def _key(self, frame: _Frame, event: Event, span: RawSpan) -> None:
        key = self.key(event, span, frame.value, frame.path)
        frame.key = _SKIP_VALUE if key is None else key
        frame.key_path = () if key is None else (*frame.path, key)

    def _scalar(self, frame: _Frame, event: ScalarEvent) -> None:
        # The commonest event by far, so written out: the same steps as _start's.
        anchor = event.anchor
        index = self.record(event, anchor) if anchor is not None or self.open_anchors else -1
        if frame.skip:
            return
        span = _raw(event.start_mark, event.end_mark)
        is_map = frame.is_map
        if is_map:
            key = frame.key
            if key is _KEY:
                self._key(frame, event, span)
                return
            frame.key = _KEY
            if key is _SKIP_VALUE:
                return
            path: Path = (*frame.path, key)  # type: ignore[arg-type]
        else:
            path = () if is_map is None else (*frame.path, len(frame.value))
        if frame.depth >= MAX_DEPTH:
            self._stop(Limit(to_span(span), f"nesting deeper than {MAX_DEPTH} levels"), frame)
            return
        if index >= 0:
            self.seen.add(index)
        self.spans[path] = span
        text = event.value
        if event.tag is None and event.implicit[0] and text and text[0] not in _MAYBE_NOT_STRING:
            value: Any = text  # a plain string: what scalar() would say, sooner
        else:
            try:
                value = self.scalar(event, span)
            except Limit as e:
                self._stop(e, frame)
                return
        if is_map:
            frame.value[key] = value
        elif is_map is None:
            frame.value = value
        else:
            frame.value.append(value)

    def _start(self, frame: _Frame, event: MappingStartEvent | SequenceStartEvent) -> _Frame:
        child = self._child(frame, event)
        if event.anchor is not None or self.open_anchors:
            child.index = self.record(event, event.anchor)
            child.anchored = event.anchor is not None
            if child.kind == _BUILT or child.kind == _UNSUPPORTED:  # built, as far as it goes
                self.seen.add(child.index)
        self.stack.append(frame)
        return child

    def _child(self, frame: _Frame, event: MappingStartEvent | SequenceStartEvent) -> _Frame:
        is_map = type(event) is MappingStartEvent
        if frame.skip:
            return _Frame((), is_map, 0, _SKIPPED, event)
        if frame.is_map and frame.key is _KEY:
            frame.key = _SKIP_VALUE
            return _Frame((), is_map, 0, _BAD_KEY, event)
        path = frame.place()
        if path is None:
            return _Frame((), is_map, 0, _SKIPPED, event)
        depth = frame.depth + 1
        if depth > MAX_DEPTH:
            # Stop reading at once: past this, libyaml's scanner does work for every open
            # level on every token, so the rest of a deep document could take seconds.
            self.limit = Limit(
                _span(event.start_mark, event.end_mark), f"nesting deeper than {MAX_DEPTH} levels"
            )
            raise TooDeep
        if not (event.tag is None or event.tag in ("!", _SEQ, _MAP)):
            frame.put(path, None)
            child = _Frame(path, is_map, depth, _UNSUPPORTED, event)
            child.value = event.tag
            return child
        child = _Frame(path, is_map, depth, _BUILT, event)
        child.value = {} if is_map else []
        frame.put(path, child.value)
        return child

    def _end(self, frame: _Frame, event: MappingEndEvent | SequenceEndEvent) -> _Frame:
        parent = self.stack.pop()
        span = _raw(frame.start, event.end_mark)
        if frame.index >= 0:
            self.ends[frame.index] = len(self.recorded)
            self.recorded.append(event)
        if frame.kind == _BUILT or frame.kind == _UNSUPPORTED:
            self.spans[frame.path] = span
        if frame.kind == _UNSUPPORTED:
            self.unsupported_tag(span, frame.value)
        elif frame.kind == _BAD_KEY:
            self.bad_key(span)
        if frame.anchored:
            self.close_anchor(span)
            if self.limit is not None or self.pending is not None:
                self._stop(None, parent)
        return parent

    def _alias(self, frame: _Frame, event: AliasEvent) -> None:
        anchor = self.anchor_of(event)
        if self.open_anchors:
            self.recorded.append(event)
        if frame.skip:
            return
        if frame.is_map and frame.key is _KEY:
            if anchor.span is None:  # an open collection: reported when it closes
                self.key_problems.append(anchor)
                frame.key = _SKIP_VALUE
            else:
                self._key(frame, self.recorded[anchor.index], anchor.span)
            return
        path = frame.place()
        if path is None:
            return
        value = self.expand(anchor, path, frame.depth + 1, False)
        if self.limit is not None or self.pending is not None:
            self._stop(None, frame)
        else:
            frame.put(path, value)

    def span_of(self, path: Path) -> Span:
        """The span of `path` or of its nearest ancestor that has one."""
        while path not in self.spans and path:
            path = path[:-1]
        raw = self.spans.get(path)
        return Span(Position(1, 1), Position(1, 1)) if raw is None else to_span(raw)
