"""Broken specs never crash: validate and build raise nothing but StagespecError.

Specs are broken by mutating the reference stack's text and generated specs, as data (a
value of another type, a deleted or unknown key) and as text (flipped bits, deletions,
YAML syntax characters, duplicated or re-indented lines), and by random text and bytes.
Every diagnostic must point inside the file.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from specgen import STYLES, budget, dump, specs

from stagespec.diagnostics import Diagnostic
from stagespec.engine.build import render_all
from stagespec.engine.validate import validate_file
from stagespec.errors import SpecLoadError, StagespecError
from stagespec.load.document import load_text

REFERENCE = Path(__file__).parents[2] / "specs" / "inventario-retail" / "stack.yaml"
REFERENCE_BYTES = REFERENCE.read_bytes()

SYNTAX = [
    ":",
    ": ",
    "-",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a ",
    "*a",
    "!",
    "!!",
    "!!str ",
    "|",
    ">",
    "'",
    '"',
    "%",
    "@",
    "`",
    "#",
    "\n",
    "\t",
    " ",
    "  ",
    "? ",
    "---\n",
    "...\n",
    "\\",
    "\x00",
    "\ufeff",
    "\x85",
    "\u2028",
    "<<: *a\n",
    "%YAML 1.1\n",
    "\r",
    "\xe9",
    "\U0001f600",
]
VALUES = [
    "[1, 2]",
    "{a: 1}",
    "null",
    "~",
    "true",
    "no",
    "''",
    "-1",
    "0",
    "1.5",
    "1e999",
    "0x10",
    "9" * 500,
    "!!python/object/apply:os.system [ls]",
    "!!binary aGk=",
    "&x [*x]",
    ".inf",
    ".nan",
    "2001-12-14",
    "'5433:5432'",
    "{secret: nope}",
    "[]",
    "{}",
    '"\\x00"',
    "*undefined",
    "!custom x",
    "|\n  block",
    "0o777",
    "-.5e-3",
    "'${HOME}'",
    "1h30m",
    "0s",
    "65536",
]
OTHER_VALUES: list[Any] = [
    None,
    True,
    False,
    -1,
    0,
    2**70,
    Decimal("0.1"),
    Decimal("-1E+5"),
    "",
    "x",
    "0",
    "5433:5432",
    [],
    {},
    [1, "a", None],
    {"secret": "nope"},
    {"x": {"y": [1]}},
    "all",
    "../../etc/passwd:/x",
    "a" * 300,
    [[[[[]]]]],
    {"secret": "postgres_password"},
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mutated")


def _check_position(d: Diagnostic | Any, lines: int) -> None:
    assert 1 <= d.line <= lines, d
    assert d.column >= 1, d


def check_diagnostics(diagnostics: list[Diagnostic], raw: bytes) -> None:
    """Each diagnostic and related location is at line >= 1, column >= 1, inside the file."""
    # libyaml also breaks lines at \r, U+0085, U+2028 and U+2029; splitlines() at those too.
    lines = len(raw.decode("utf-8", "replace").splitlines()) + 1
    for d in diagnostics:
        _check_position(d, lines)
        if (d.end_line, d.end_column) != (0, 0):
            assert (d.end_line, d.end_column) >= (d.line, d.column), d
        for related in d.related:
            _check_position(related, lines)


def validate_and_build(raw: bytes, directory: Path) -> None:
    """Validate `raw` as a spec file and build it if clean: only our own errors may escape."""
    path = directory / "stack.yaml"
    path.write_bytes(raw)
    result = validate_file(path)
    check_diagnostics([*result.diagnostics, *result.suppressed], raw)
    errors = sorted({d.code for d in result.diagnostics if d.severity == "error"})
    event(f"errors: {', '.join(errors[:3]) or 'none'}")
    if result.has_errors or result.document is None:
        return
    try:
        render_all(result.document, path, directory / "generated")
    except StagespecError as e:
        event(f"build refused: {type(e).__name__}")
    else:
        event("built")


# --- text and byte mutations ---------------------------------------------------------------


def _lines(raw: bytes) -> list[bytes]:
    return raw.splitlines(keepends=True) or [b""]


@st.composite
def text_mutation(draw: st.DrawFn, raw: bytes) -> bytes:
    """`raw` after one mutation of its bytes or lines."""
    kind = draw(
        st.sampled_from(["flip", "delete", "insert", "value", "drop", "dup", "indent", "swap"])
    )
    at = draw(st.integers(0, max(len(raw) - 1, 0)))
    lines = _lines(raw)
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    if kind == "flip" and raw:
        return raw[:at] + bytes([raw[at] ^ (1 << draw(st.integers(0, 7)))]) + raw[at + 1 :]
    if kind == "delete":
        return raw[:at] + raw[at + draw(st.integers(1, 40)) :]
    if kind == "insert":
        return raw[:at] + draw(st.sampled_from(SYNTAX)).encode() + raw[at:]
    if kind == "value" and b": " in lines[i]:
        key = lines[i].split(b": ", 1)[0]
        lines[i] = key + b": " + draw(st.sampled_from(VALUES)).encode() + b"\n"
    elif kind == "drop":
        del lines[i : i + draw(st.integers(1, 3))]
    elif kind == "dup":
        lines.insert(j, lines[i])
    elif kind == "indent":
        lines[i] = b"  " + lines[i] if draw(st.booleans()) else lines[i].removeprefix(b"  ")
    elif kind == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


@st.composite
def mutated(draw: st.DrawFn, raw: bytes, most: int = 4) -> bytes:
    for _ in range(draw(st.integers(1, most))):
        raw = draw(text_mutation(raw))
    return raw


@budget(ci=200, long=5000)
@given(raw=mutated(REFERENCE_BYTES))
def test_mutated_reference_never_crashes(raw: bytes, workdir: Path) -> None:
    validate_and_build(raw, workdir)


# --- data mutations of generated specs -----------------------------------------------------


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*path, index))
    return found


@st.composite
def data_mutation(draw: st.DrawFn, spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with one value replaced, one key deleted, renamed or added."""
    spec = copy.deepcopy(spec)
    path = draw(st.sampled_from(_paths(spec)[1:]))
    parent = spec
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    kind = draw(st.sampled_from(["replace", "delete", "rename", "add"]))
    if kind == "replace" or isinstance(parent, list):
        parent[last] = copy.deepcopy(draw(st.sampled_from(OTHER_VALUES)))
    elif kind == "delete":
        del parent[last]
    elif kind == "rename":
        parent[str(last)[:-1] or "x"] = parent.pop(last)
    else:
        parent[draw(st.sampled_from(["extra", "x-extra", str(last).upper(), "stagespec"]))] = 1
    return spec


@budget(ci=25, long=1000)
@given(spec=specs(), data=st.data())
def test_mutated_generated_spec_never_crashes(
    spec: dict[str, Any], data: st.DataObject, workdir: Path
) -> None:
    for _ in range(data.draw(st.integers(1, 3))):
        spec = data.draw(data_mutation(spec))
    raw = dump(spec, data.draw(st.sampled_from(sorted(STYLES)))).encode()
    if data.draw(st.booleans()):
        raw = data.draw(mutated(raw, most=2))
    validate_and_build(raw, workdir)


# --- random text and bytes -----------------------------------------------------------------

YAMLISH = st.lists(
    st.one_of(st.sampled_from(SYNTAX + VALUES), st.sampled_from(["a", "b", "stagespec", "1"])),
    max_size=60,
).map("".join)


@budget(ci=200, long=1500)
@given(text=st.one_of(st.text(), YAMLISH))
def test_loader_returns_diagnostics_for_any_text(text: str) -> None:
    try:
        load_text(text)
    except SpecLoadError as e:
        assert e.diagnostics
        check_diagnostics(e.diagnostics, text.encode("utf-8", "surrogatepass"))


@budget(ci=100, long=1500)
@given(raw=st.one_of(st.binary(max_size=400), YAMLISH.map(str.encode)))
def test_validate_never_crashes_on_bytes(raw: bytes, workdir: Path) -> None:
    validate_and_build(raw, workdir)
