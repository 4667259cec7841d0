"""At most `max_findings` findings of one rule per file, then one line that counts the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagespec.capping import cap
from stagespec.config.settings import CONFIG_NAME, load_config
from stagespec.diagnostics import Diagnostic
from stagespec.engine.validate import validate_file

HEAD = "stagespec: 1\nproject: demo\nservices:\n  api:\n    image: api:1.0\n"
HEALTHY = "    healthcheck: {test: [CMD, ping]}\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stack.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def unknown_keys(count: int, indent: str = "") -> str:
    return HEAD + HEALTHY + "".join(f"{indent}k{i}: 1\n" for i in range(count))


@pytest.mark.parametrize("indent", ["", "    "], ids=["top level", "in a service"])
def test_the_first_findings_of_a_rule_are_shown_then_a_count(tmp_path: Path, indent: str) -> None:
    result = validate_file(write(tmp_path, unknown_keys(250, indent)))
    found = [d for d in result.diagnostics if d.code == "SS011"]
    assert len(found) == 101
    shown, more = found[:100], found[100]
    assert [d.line for d in shown] == list(range(7, 107)), "the first ones, in file order"
    assert "'k0'" in shown[0].message and "'k99'" in shown[-1].message
    assert more.message.startswith("and 150 more SS011 in this file, not shown")
    assert (more.line, more.column, more.severity) == (107, 1 + len(indent), "error")


def test_a_rule_findings_are_capped_too(tmp_path: Path) -> None:
    services = "".join(f"  s{i}: {{image: 'img:1'}}\n" for i in range(120))
    text = "stagespec: 1\nproject: demo\nservices:\n" + services
    result = validate_file(write(tmp_path, text))
    found = [d for d in result.diagnostics if d.code == "SS403"]
    assert len(found) == 101 and found[-1].severity == "warning"
    assert found[-1].message.startswith("and 20 more SS403")


@pytest.mark.parametrize(("setting", "shown"), [("5", 6), ("0", 250)])
def test_max_findings_in_the_config(tmp_path: Path, setting: str, shown: int) -> None:
    (tmp_path / CONFIG_NAME).write_text(f"max_findings: {setting}\n", encoding="utf-8")
    config = load_config(tmp_path / CONFIG_NAME)
    result = validate_file(write(tmp_path, unknown_keys(250)), config=config)
    assert len([d for d in result.diagnostics if d.code == "SS011"]) == shown


def test_an_environment_does_not_count_the_same_finding_twice(tmp_path: Path) -> None:
    text = unknown_keys(150) + "environments:\n  staging: {}\n  production: {}\n"
    result = validate_file(write(tmp_path, text))
    [more] = [d for d in result.diagnostics if d.message.startswith("and ")]
    assert more.message.startswith("and 50 more SS011")


def _diagnostic(line: int, code: str = "SS403") -> Diagnostic:
    return Diagnostic("f", line, 1, code, "x", "warning", f"finding {line}")


def test_cap_keeps_each_code_apart_and_merges_counted_findings() -> None:
    found = cap(
        [_diagnostic(n) for n in (5, 1, 3)] + [_diagnostic(2, "SS402")],
        2,
        {"SS402": {(9, 1), (2, 1)}},
    )
    assert [(d.line, d.code) for d in found] == [
        (1, "SS403"),
        (2, "SS402"),
        (3, "SS403"),
        (5, "SS403"),
        (9, "SS402"),
    ]
    assert found[3].message.startswith("and 1 more SS403")
    assert found[4].message.startswith("and 1 more SS402")  # (2, 1) is the one shown
    assert cap([_diagnostic(1)], None) == [_diagnostic(1)]
