"""`stagespec fmt`: a spec in canonical layout, with every comment and every line kept.

Canonical means: mappings indented by 2, block sequences by 2 with their items' content
at 4 (the reference stack's style), top-level keys in the schema's order and each
service's keys in the model's order; blank lines separate top-level sections.

The formatter moves and re-indents whole lines and never rewrites their content: flow
mappings and sequences stay as written, aligned values stay aligned, comments stay on
their lines. The positions come from the spec loader, which reads the same YAML that
`validate` reads. Every result is checked: it must load to the same data as the input,
else the reordering (or the whole format) is given up rather than risk a change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from stagespec.errors import StagespecError
from stagespec.fmt.layout import block_lines, lead, reindent
from stagespec.load.document import Document, load_text

TOP_ORDER = (
    "stagespec", "project", "variables", "network", "networks", "secrets", "volumes",
    "services", "monitoring", "resilience", "runtime", "environments", "x-compose",
    "x-kubernetes",
)  # fmt: skip
"""The order of `Spec`'s fields, by their keys (a test holds it to the model)."""

SERVICE_ORDER = (
    "image", "build", "enabled", "profiles", "container_name", "hostname", "platform",
    "pull_policy", "ports", "expose", "environment", "env_file", "volumes", "tmpfs",
    "secrets", "entrypoint", "command", "working_dir", "user", "healthcheck", "depends_on",
    "links", "networks", "network_mode", "extra_hosts", "memory", "shm_size", "pids_limit",
    "ulimits", "cap_add", "cap_drop", "security_opt", "devices", "privileged", "read_only",
    "init", "stdin_open", "tty", "labels", "logging", "stop_signal", "stop_grace_period",
    "restart", "metrics", "x-compose", "x-kubernetes",
)  # fmt: skip
"""The order of `Service`'s fields, by their keys (a test holds it to the model)."""

_SERVICE_COL = 4
_UNICODE_BREAKS = re.compile("[\x85\u2028\u2029]")


class FormatError(StagespecError):
    """The spec cannot be formatted without changing what it says."""


def format_spec(text: str, file: str = "<string>") -> str:
    """The spec `text` in canonical layout; idempotent, and loads to the same data."""
    if _UNICODE_BREAKS.search(text):
        raise FormatError(f"{file}: has Unicode line separators; fmt leaves such files alone")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    original = load_text(text, file)
    expected = _canonical(original.data)
    indented = _end(reindent(_lines(text), original))
    if _canonical(_load(indented, file)) != expected:
        raise FormatError(f"{file}: cannot be re-indented safely; please report this file")
    ordered = _order_services(indented, file)
    ordered = _order_top(ordered, file)
    return ordered if _canonical(_load(ordered, file)) == expected else indented


def _lines(text: str) -> list[str]:
    return text.removesuffix("\n").split("\n")


def _end(lines: Sequence[str]) -> str:
    """Lines as text: trailing blank lines dropped, one final newline."""
    return "\n".join(lines).rstrip("\n") + "\n"


def _load(text: str, file: str) -> dict[str, Any] | None:
    try:
        return load_text(text, file).data
    except StagespecError:
        return None


def _canonical(value: Any) -> Any:
    """A comparable form of loaded data in which mapping order does not count."""
    if isinstance(value, dict):
        return ("map", tuple(sorted((k, _canonical(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("seq", tuple(_canonical(v) for v in value))
    return (type(value).__name__, repr(value))


def _rank(keys: Sequence[str], order: Sequence[str], unknown_after: str | None = None) -> list[int]:
    """Indexes of `keys` in their new order: known keys in `order`; any other key follows
    `unknown_after` if given (`x-` anchors stay near the top, before their aliases),
    else the known key it followed."""
    ranked = []
    last = -1
    for index, key in enumerate(keys):
        known = key in order
        if known:
            last = order.index(key)
        elif unknown_after is not None:
            last = order.index(unknown_after)
        ranked.append((last, 0 if known else 1, index))
    return [item[2] for item in sorted(ranked)]


def _key_lines(doc: Document, path: tuple[str, ...], keys: Sequence[str], col: int) -> list[int]:
    """0-based lines of a block mapping's keys, or [] when they are not where expected."""
    found = []
    for key in keys:
        span = doc.key_spans.get((*path, key))
        if span is None or span.start.column - 1 != col:
            return []
        found.append(span.start.line - 1)
    return found if found == sorted(set(found)) else []


def _order_services(text: str, file: str) -> str:
    doc = load_text(text, file)
    services = doc.data.get("services")
    if not isinstance(services, dict):
        return text
    lines = _lines(text)
    names = list(services)
    starts = _key_lines(doc, ("services",), names, 2)
    if not starts:
        return text
    top_keys = list(doc.data)
    top_lines = _key_lines(doc, (), top_keys, 0)
    after = [line for line in top_lines if line > starts[-1]]
    ends = [*starts[1:], after[0] if after else len(lines)]
    # Bottom to top, so that earlier line numbers stay valid.
    for name, start, end in reversed(list(zip(names, starts, ends, strict=True))):
        body = services[name]
        if not isinstance(body, dict) or not body:
            continue
        keys = list(body)
        key_lines = _key_lines(doc, ("services", name), keys, _SERVICE_COL)
        if not key_lines or key_lines[0] <= start:
            continue
        order = _rank(keys, SERVICE_ORDER)
        if order == list(range(len(keys))):
            continue
        prefix, blocks, suffix = block_lines(lines, start + 1, end, key_lines, _SERVICE_COL)
        moved = [blocks[i] for i in order]
        moved[0] = _strip_blank(moved[0])
        lines[start + 1 : end] = [*prefix, *(line for block in moved for line in block), *suffix]
    return _end(lines)


def _order_top(text: str, file: str) -> str:
    doc = load_text(text, file)
    lines = _lines(text)
    keys = list(doc.data)
    key_lines = _key_lines(doc, (), keys, 0)
    if not key_lines:
        return text
    run = lead(lines, key_lines[0], 0, 0)
    blanks = [i for i in range(run, key_lines[0]) if not lines[i].strip()]
    first = blanks[-1] + 1 if blanks else key_lines[0]
    header = _strip_blank(lines[:first], leading=False)
    prefix, blocks, footer = block_lines(lines, first, len(lines), key_lines, 0, first=first)
    del prefix  # empty: the first block starts at `first`
    out = [*header, ""] if header and blanks else list(header)
    previous: list[str] = []
    for index in _rank(keys, TOP_ORDER, unknown_after="project"):
        block = _strip_blank(blocks[index])
        if previous and (len(block) > 1 or len(previous) > 1):
            out.append("")
        out += block
        previous = block
    footer = _strip_blank(footer)
    return _end([*out, "", *footer] if footer else out)


def _strip_blank(lines: Sequence[str], leading: bool = True) -> list[str]:
    """`lines` without blank lines at the end (and, with `leading`, at the start)."""
    result = list(lines)
    while result and not result[-1].strip():
        result.pop()
    while leading and result and not result[0].strip():
        result.pop(0)
    return result
