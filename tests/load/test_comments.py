"""The comment scanner finds YAML comments, never a `#` inside a scalar."""

from __future__ import annotations

import pytest

from stagespec.load.comments import Comment, comment_column, find_comments, split_lines


@pytest.mark.parametrize(
    ("line", "comment"),
    [
        ("# whole line", "# whole line"),
        ("  # indented", "# indented"),
        ("key: value # note", "# note"),
        ("key: value\t# after a tab", "# after a tab"),
        ('csp: "a # b"', None),
        ('csp: "a # b" # real', "# real"),
        ("csp: 'a # b' # real", "# real"),
        ("url: http://x/#frag", None),
        ("url: http://x/#frag # real", "# real"),
        ("a: b#c", None),
        ("msg: don't # real", "# real"),
        ("msg: it's 'quoted' # real", "# real"),
        ("- 'it''s # inside' # real", "# real"),
        ("- 'it''s # inside'", None),
        ('k: "esc \\" # inside" # real', "# real"),
        ('k: "back\\\\" # real', "# real"),
        ('"k # x": v # real', "# real"),
        ("a: [x, 'y # z'] # real", "# real"),
        ('{"a":"b # c"}', None),
        ('{"a":"b # c"} # real', "# real"),
        ("a: 'x'#c", None),
        ('key: "never closed # x', None),
        ('a: foo "bar # real', "# real"),
        ('- "x" # real', "# real"),
        ("? 'k # x'  # real", "# real"),
        ("", None),
        ("---  # real", "# real"),
    ],
)
def test_comment_column_finds_only_real_comments(line: str, comment: str | None) -> None:
    column = comment_column(line)
    assert (None if column is None else line[column:]) == comment


def test_comment_column_resumes_after_a_closing_quote() -> None:
    line = '  line" # real'
    assert comment_column(line, start=len('  line"')) == len('  line" ')


def test_split_lines_uses_the_line_breaks_of_libyaml() -> None:
    assert split_lines("a\r\nb\rc\nd\x85e\u2028f") == ["a", "b", "c", "d", "e", "f"]


def _comments(text: str) -> list[tuple[int, int, str, bool]]:
    return [(c.line, c.column, c.text, c.own_line) for c in find_comments(text)]


def test_multiline_scalars_hide_their_hashes() -> None:
    text = (
        "block: |  # header\n"  # 1
        "  echo hi # inside\n"  # 2
        "  # inside too\n"  # 3
        "# after the block\n"  # 4
        'quoted: "one # inside\n'  # 5
        '  two # inside" # real\n'  # 6
        "plain: one\n"  # 7
        "  two # real\n"  # 8
        "folded: >-\n"  # 9
        "  x # inside\n"  # 10
        "\n"  # 11
        "last: 1 # real\n"  # 12
    )
    assert _comments(text) == [
        (1, 11, " header", False),
        (4, 1, " after the block", True),
        (6, 17, " real", False),
        (8, 7, " real", False),
        (12, 9, " real", False),
    ]


def test_columns_count_characters_not_bytes() -> None:
    assert find_comments("ñandú: 'x' # c\n") == [Comment(1, 12, " c", False)]


def test_carriage_returns_keep_lines_in_step() -> None:
    text = "a: 1\r\n# one\r\nb: 2 # two\r\n"
    assert _comments(text) == [(2, 1, " one", True), (3, 6, " two", False)]


def test_comments_before_a_yaml_error_are_still_found() -> None:
    assert _comments("# top\na: [1, 2\nb: : :\n") == [(1, 1, " top", True)]
