"""`format_spec`: canonical layout, every comment and line kept, idempotent, same data."""

from __future__ import annotations

import os
import random
import re
import stat
import textwrap
import threading
from collections import Counter
from pathlib import Path

import pytest

from stagespec.engine.validate import check_document
from stagespec.errors import SpecLoadError
from stagespec.fmt.formatter import SERVICE_ORDER, TOP_ORDER, FormatError, format_spec
from stagespec.init.starter import starter_spec
from stagespec.load.document import load_text
from stagespec.model.spec import Service, Spec

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = (ROOT / "specs" / "inventario-retail" / "stack.yaml").read_text(encoding="utf-8")

MESSY = """\
# header comment

# about services
services:
    # the database
    db:
        healthcheck:
            test: [CMD, pg_isready]   # end-of-line comment
            interval: 10s
        image: postgres:16-alpine
        environment:
            NOTE: |
                kept as written
                # not a comment: block scalar text
        volumes:
        -   "db_data:/data"
    app:
        build: .
        command:
        - python
        -   app.py
        depends_on: [db]
        # last in app
project: demo
stagespec: 1
volumes:
    db_data: {}
# footer
"""

MESSY_FORMATTED = """\
# header comment

stagespec: 1
project: demo

volumes:
  db_data: {}

# about services
services:
  # the database
  db:
    image: postgres:16-alpine
    environment:
      NOTE: |
          kept as written
          # not a comment: block scalar text
    volumes:
      - "db_data:/data"
    healthcheck:
      test: [CMD, pg_isready]   # end-of-line comment
      interval: 10s
  app:
    build: .
    command:
      - python
      - app.py
    depends_on: [db]
    # last in app

# footer
"""


def _comments(text: str) -> Counter[str]:
    """Comment texts: own-line comments and ` #` end-of-line comments, as written."""
    found: Counter[str] = Counter()
    for line in text.splitlines():
        match = re.search(r"(?:^|\s)(#.*)$", line)
        if match:
            found[match.group(1)] += 1
    return found


def _findings(text: str) -> Counter[tuple[str, str]]:
    _, diagnostics = check_document(load_text(text, "stack.yaml"))
    return Counter((d.code, d.message) for d in diagnostics)


def _keys(model: type[Spec] | type[Service]) -> tuple[str, ...]:
    return tuple(field.alias or name for name, field in model.model_fields.items())


def test_orders_match_the_model() -> None:
    assert _keys(Spec) == TOP_ORDER
    assert _keys(Service) == SERVICE_ORDER


def _unordered(text: str) -> str:
    """`text` with two keys of its `dashboard` service swapped: out of the model's order."""
    lines = text.splitlines(keepends=True)
    start = lines.index("  dashboard:\n")
    first, second = start + 1, start + 2
    assert lines[first].startswith("    ") and lines[second].startswith("    ")
    lines[first], lines[second] = lines[second], lines[first]
    return "".join(lines)


def test_reference_is_canonical() -> None:
    """The shipped spec is what `fmt` writes: `stagespec fmt --check` passes on it."""
    assert format_spec(REFERENCE) == REFERENCE


def test_reference_with_keys_out_of_order_comes_back() -> None:
    unordered = _unordered(REFERENCE)
    assert unordered != REFERENCE
    assert format_spec(unordered) == REFERENCE


def test_reference_keeps_every_comment_and_line() -> None:
    unordered = _unordered(REFERENCE)
    formatted = format_spec(unordered)
    assert _comments(formatted) == _comments(unordered)
    assert Counter(formatted.splitlines()) == Counter(unordered.splitlines())


def test_reference_still_validates_the_same() -> None:
    unordered = _unordered(REFERENCE)
    assert _findings(format_spec(unordered)) == _findings(unordered)


def _sections(text: str) -> list[str]:
    """Top-level sections separated by a blank line (the reference's layout)."""
    return re.split(r"\n\n(?=\S)", text.rstrip("\n"))


@pytest.mark.parametrize("seed", range(5))
def test_shuffled_top_level_keys_come_back_in_schema_order(seed: int) -> None:
    canonical = format_spec(REFERENCE)
    first, *rest = _sections(canonical)
    header, project = first.rsplit("\n", 1)
    assert project.startswith("project:")
    random.Random(seed).shuffle(rest)
    shuffled = "\n\n".join([header, *rest, project]) + "\n"
    assert shuffled != canonical
    assert format_spec(shuffled) == canonical


def test_messy_spec_is_laid_out_canonically() -> None:
    assert format_spec(MESSY) == MESSY_FORMATTED
    assert _comments(MESSY_FORMATTED) == _comments(MESSY)


@pytest.mark.parametrize(
    "text",
    [REFERENCE, MESSY, starter_spec("demo"), "stagespec: 1\nproject: p\nservices: {}\n"],
    ids=["reference", "messy", "starter", "flow"],
)
def test_format_is_idempotent(text: str) -> None:
    once = format_spec(text)
    assert format_spec(once) == once
    assert load_text(once).data == load_text(text).data


def test_crlf_becomes_lf() -> None:
    assert format_spec(MESSY.replace("\n", "\r\n")) == MESSY_FORMATTED


def test_whole_document_indented_is_brought_to_column_zero() -> None:
    text = textwrap.indent("stagespec: 1\nproject: p\nservices:\n    a: {image: 'a:1'}\n", "  ")
    assert format_spec(text) == "stagespec: 1\nproject: p\n\nservices:\n  a: {image: 'a:1'}\n"


def test_extension_keys_stay_before_the_sections_that_use_them() -> None:
    text = "x-base: &a {image: 'a:1'}\nservices:\n  a: *a\nproject: p\nstagespec: 1\n"
    assert format_spec(text) == (
        "stagespec: 1\nproject: p\nx-base: &a {image: 'a:1'}\n\nservices:\n  a: *a\n"
    )


def test_order_that_would_break_an_alias_is_left_alone() -> None:
    text = textwrap.dedent("""\
        stagespec: 1
        project: p
        monitoring:
          prometheus: {image: &img "prom/prometheus:v2.54.1"}
        services:
          p2: {image: *img}
    """)
    assert format_spec(text) == text


def test_nested_sequences_and_dash_gaps() -> None:
    text = "stagespec: 1\nx-m:\n-   -   a\n    -   b\n-   k: v\n    j: w\n"
    assert format_spec(text) == "stagespec: 1\n\nx-m:\n  - - a\n    - b\n  - k: v\n    j: w\n"


@pytest.mark.parametrize("text", ["a: [\n", "a: !!python/name:os.system x\n", "a: 1\na: 2\n"])
def test_invalid_yaml_is_refused(text: str) -> None:
    with pytest.raises(SpecLoadError):
        format_spec(text)


def test_unicode_line_separators_are_refused() -> None:
    with pytest.raises(FormatError):
        format_spec("stagespec: 1\nproject: 'a\u2028b'\n")


# --- `stagespec fmt` rewrites a file in place: same owner, group and mode --------------


def _fmt(*args: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from stagespec.cli.main import main

    result = CliRunner().invoke(main, ["fmt", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
@pytest.mark.parametrize(("owner", "mode"), [((1000, 1000), 0o640), ((0, 1000), 0o2664)])
def test_a_rewrite_keeps_owner_group_and_mode(
    tmp_path: Path, owner: tuple[int, int], mode: int
) -> None:
    spec = tmp_path / "stack.yaml"
    spec.write_text(MESSY)
    os.chown(spec, *owner)
    spec.chmod(mode)
    code, output = _fmt(str(spec))
    assert code == 0, output
    assert spec.read_text() == MESSY_FORMATTED
    info = spec.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (*owner, mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stack.yaml"]


def test_a_rewrite_through_a_link_keeps_the_link_and_the_target_s_mode(tmp_path: Path) -> None:
    target = tmp_path / "real.yaml"
    target.write_text(MESSY)
    target.chmod(0o600)
    link = tmp_path / "stack.yaml"
    link.symlink_to(target)
    assert _fmt(str(link))[0] == 0
    assert link.is_symlink() and target.read_text() == MESSY_FORMATTED
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_what_is_not_a_regular_file_is_checked_but_never_rewritten(tmp_path: Path) -> None:
    fifo = tmp_path / "stack.yaml"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "w", encoding="utf-8") as pipe:
            pipe.write(MESSY)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    code, output = _fmt(str(fifo))
    writer.join(timeout=5)
    assert code == 2
    assert "not a regular file" in output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stack.yaml"]
