"""Load a spec file: libyaml composes nodes, we construct values with YAML 1.2 core rules.

PyYAML's own constructors follow YAML 1.1 (`no` is false, `22:22` is sexagesimal) and keep
the last of two duplicate keys, so we compose with libyaml and build the values ourselves,
keeping the span of every key and value for diagnostics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path as FsPath
from typing import Any

import yaml
from yaml._yaml import CParser
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from stagespec.diagnostics import Diagnostic, Position, Span, at
from stagespec.errors import SpecLoadError

PathKey = str | int
Path = tuple[PathKey, ...]

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_NODES = 20_000
MAX_NUMBER_DIGITS = 400

_PLAIN = "?plain"
_TAG = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class _Loader(CParser, BaseResolver):
    """libyaml's composer with a resolver that marks plain scalars instead of typing them."""

    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        BaseResolver.__init__(self)

    def resolve(self, kind: type[Node], value: str | None, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _TAG + "str"
        return _TAG + ("seq" if kind is SequenceNode else "map")


@dataclass
class Document:
    """A loaded spec: plain data plus the span of every key and value."""

    file: str
    text: str
    data: dict[str, Any]
    spans: dict[Path, Span] = field(default_factory=dict)
    key_spans: dict[Path, Span] = field(default_factory=dict)

    def span(self, path: Path) -> Span:
        """The span of the value at `path`, or of its nearest ancestor that has one."""
        while path not in self.spans and path:
            path = path[:-1]
        return self.spans.get(path, _ORIGIN)

    def key_span(self, path: Path) -> Span:
        """The span of the key at `path` (its value's span when there is no key)."""
        return self.key_spans.get(path) or self.span(path)


_ORIGIN = Span(Position(1, 1), Position(1, 1))


def _span(node: Node) -> Span:
    s, e = node.start_mark, node.end_mark
    return Span(Position(s.line + 1, s.column + 1), Position(e.line + 1, e.column + 1))


class _Limit(Exception):
    def __init__(self, node: Node, message: str) -> None:
        super().__init__(message)
        self.node = node


class _AliasLimit(Exception):
    """Aliases expanded too far; `site` is the path of the collection that used the alias."""

    def __init__(self, site: Path, message: str) -> None:
        super().__init__(message)
        self.site = site


@dataclass
class _Builder:
    """Turns composed nodes into Python values, collecting diagnostics as it goes."""

    doc: Document
    problems: list[Diagnostic] = field(default_factory=list)
    _seen: set[int] = field(default_factory=set)
    _alias_nodes: int = 0
    _alias_site: Path = ()

    def problem(self, node: Node, code: str, name: str, message: str) -> None:
        self.problems.append(at(self.doc.file, _span(node), code, name, "error", message))

    def build(self, node: Node, path: Path, depth: int = 0, aliased: bool = False) -> Any:
        if depth > MAX_DEPTH:
            raise _Limit(node, f"nesting deeper than {MAX_DEPTH} levels")
        if id(node) in self._seen and not aliased:
            aliased = True
            self._alias_site = path[:-1]
        self._seen.add(id(node))
        if aliased:
            self._alias_nodes += 1
            if self._alias_nodes > MAX_ALIAS_NODES:
                raise _AliasLimit(
                    self._alias_site, f"aliases expand to more than {MAX_ALIAS_NODES} nodes"
                )
        self.doc.spans[path] = _span(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if node.tag not in (_TAG + "seq", _TAG + "map"):
            self.unsupported_tag(node)
            return None
        if isinstance(node, MappingNode):
            return self.mapping(node, path, depth, aliased)
        return [self.build(n, (*path, i), depth + 1, aliased) for i, n in enumerate(node.value)]

    def mapping(self, node: MappingNode, path: Path, depth: int, aliased: bool) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag not in (_PLAIN, _TAG + "str"):
                self.problem(key_node, "SS001", "yaml-syntax", "mapping keys must be plain names")
                continue
            key = key_node.value
            if key in first:
                was = _span(first[key]).start
                self.problem(
                    key_node,
                    "SS002",
                    "duplicate-key",
                    f"duplicate key {key!r}: first defined at line {was.line}, column "
                    f"{was.column}; YAML keeps only one, so remove or rename one of them",
                )
                continue
            first[key] = key_node
            self.doc.key_spans[(*path, key)] = _span(key_node)
            result[key] = self.build(value_node, (*path, key), depth + 1, aliased)
        return result

    def scalar(self, node: ScalarNode) -> Any:
        text: str = node.value
        tag: str = node.tag
        if tag == _PLAIN:
            try:
                return _core_scalar(text)
            except ValueError as e:
                raise _Limit(node, str(e)) from None
        if tag == _TAG + "str":
            return text
        explicit = {"int": _INT, "float": _FLOAT, "null": _NULL}
        kind = tag.removeprefix(_TAG)
        if kind == "bool" and text in _BOOL:
            return _BOOL[text]
        if kind in explicit and explicit[kind].match(text):
            try:
                return _core_scalar(text)
            except ValueError as e:
                raise _Limit(node, str(e)) from None
        if kind in ("bool", *explicit):
            self.problem(node, "SS001", "yaml-syntax", f"{text!r} is not a valid !!{kind}")
            return None
        self.unsupported_tag(node)
        return None

    def unsupported_tag(self, node: Node) -> None:
        tag = node.tag.replace(_TAG, "!!")
        self.problem(
            node,
            "SS003",
            "unsupported-tag",
            f"tag {tag[:60]!r} is not allowed: a spec uses only plain YAML "
            "(strings, numbers, booleans, null, lists and mappings)",
        )


def _core_scalar(text: str) -> Any:
    """Resolve a plain scalar with the YAML 1.2 core schema (numbers with a dot are Decimal)."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        if len(text) > MAX_NUMBER_DIGITS:
            raise ValueError(f"a number of {len(text)} digits is too large")
        return int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10)
    if _FLOAT.match(text):
        number = Decimal(text)
        # An exponent beyond any real setting would overflow decimal arithmetic later.
        return number if abs(number.adjusted()) <= MAX_NUMBER_DIGITS else float(number)
    if _SPECIAL_FLOAT.match(text):
        return float(text.replace(".", "", 1))
    return text


def _file_problem(file: str, message: str, line: int = 1, column: int = 1) -> SpecLoadError:
    pos = Span(Position(line, column), Position(line, column))
    return SpecLoadError([at(file, pos, "SS005", "unreadable-file", "error", message)])


def decode(file: str, raw: bytes) -> str:
    """Check size and encoding; return the text without a UTF-8 byte order mark."""
    if len(raw) > MAX_BYTES:
        size = len(raw) / 1024 / 1024
        raise _file_problem(file, f"file is {size:.1f} MiB; a spec may be at most 8 MiB")
    if b"\x00" in raw[:8192] or raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_problem(file, "file is binary or UTF-16, not UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise _file_problem(
            file, f"file is not UTF-8: byte {raw[e.start]:#04x}", line, column
        ) from e
    return text.removeprefix("\ufeff")


def load_path(path: FsPath, display: str | None = None) -> Document:
    """Read and load a spec file."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as e:
        raise _file_problem(name, "no such file") from e
    except IsADirectoryError as e:
        raise _file_problem(name, "is a directory, not a spec file") from e
    except OSError as e:
        raise _file_problem(name, f"cannot be read: {e.strerror}") from e
    return load_text(decode(name, raw), name)


def load_text(text: str, file: str = "<string>") -> Document:
    """Load spec text into a Document, or raise SpecLoadError with every problem found."""
    doc = Document(file=file, text=text, data={})
    root = _compose(text, file)
    if root is None:
        raise _file_problem(file, "file is empty: a spec starts with `stagespec: 1`")
    builder = _Builder(doc)
    try:
        data = builder.build(root, ())
    except _Limit as e:
        raise SpecLoadError(
            [at(file, _span(e.node), "SS004", "yaml-limit", "error", f"refused: {e}")]
        ) from None
    except _AliasLimit as e:
        span = doc.span(e.site)
        raise SpecLoadError(
            [at(file, span, "SS004", "yaml-limit", "error", f"refused: {e}")]
        ) from None
    if builder.problems:
        raise SpecLoadError(sorted(builder.problems))
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        message = f"the top level is {kind}; a spec is a mapping that starts with `stagespec: 1`"
        raise SpecLoadError([at(file, _span(root), "SS006", "not-a-mapping", "error", message)])
    doc.data = data
    return doc


def _compose(text: str, file: str) -> Node | None:
    try:
        loader = _Loader(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(p) for p in (e.context, e.problem) if p)
        span = Span(Position(line, column), Position(line, column))
        diag = at(file, span, "SS001", "yaml-syntax", "error", f"invalid YAML: {message}")
        raise SpecLoadError([diag]) from None
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        column = e.position - (text.rfind("\n", 0, e.position) + 1) + 1
        code = e.character if isinstance(e.character, int) else 0
        message = f"control character U+{code:04X} is not allowed in YAML text"
        raise _file_problem(file, message, line, column) from None
    except yaml.YAMLError as e:
        raise _file_problem(file, f"invalid YAML: {e}") from None
    except RecursionError:
        raise _file_problem(file, "refused: nesting too deep to read") from None
