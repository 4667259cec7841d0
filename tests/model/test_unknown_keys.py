"""Unknown keys found beside the model give what pydantic's own errors gave.

`parse_document` leaves all but the first unknown key of a mapping out before pydantic
validates (see `model/parse.py`); each case here would differ if that changed a finding.
"""

from __future__ import annotations

from stagespec.load.document import load_text
from stagespec.model.parse import parse_document

HEAD = "stagespec: 1\nproject: demo\nservices:\n"


def _found(text: str) -> list[tuple[int, int, str, str]]:
    parsed = parse_document(load_text(text), limit=None)
    return [(d.line, d.column, d.code, d.message) for d in parsed.diagnostics]


def test_a_model_with_unknown_keys_still_fails_as_a_whole() -> None:
    # Without `image` or `build` the service's own check would fail too, but pydantic
    # does not run it on a model that has an unknown key: neither does the shortcut.
    found = _found(HEAD + "  api:\n    foo: 1\n    bar: 2\n    baz: 3\n")
    assert [(line, code) for line, _, code, _ in found] == [
        (5, "SS011"),
        (6, "SS011"),
        (7, "SS011"),
    ]
    assert "unknown key 'bar' in services.api" in found[1][3]


def test_unknown_keys_everywhere_in_file_order_with_the_other_errors() -> None:
    text = (
        HEAD
        + "  api:\n    image: x\n    foo: 1\n    bar: 2\n"
        + "  web:\n    build: {context: ., zz: 1, yy: 2}\n"
        + "resilience:\n  degradation:\n    features: [a]\n    tiers:\n"
        + "      - {name: full, min_score: x, features: all, t1: 1, t2: 2}\n"
        + "top1: 1\ntop2: 2\n"
    )
    found = _found(text)
    assert [(line, column, code) for line, column, code, _ in found] == [
        (6, 5, "SS011"),
        (7, 5, "SS011"),
        (9, 12, "SS010"),  # in a union (a string or a build): pydantic's own errors
        (9, 25, "SS011"),
        (9, 32, "SS011"),
        (14, 33, "SS010"),
        (14, 51, "SS011"),
        (14, 58, "SS011"),
        (15, 1, "SS011"),
        (16, 1, "SS011"),
    ]
    assert "unknown key 't2' in resilience.degradation.tiers.0;" in found[7][3]


def test_the_parts_with_unknown_keys_are_left_out_of_the_partial_spec() -> None:
    text = (
        HEAD + "  api:\n    image: x\n  web:\n    image: y\n    a: 1\n    b: 2\ntop1: 1\ntop2: 2\n"
    )
    parsed = parse_document(load_text(text))
    assert parsed.partial is not None and list(parsed.partial.services) == ["api"]
    assert parsed.failed == {("services", "web"), ("top1",), ("top2",)}
