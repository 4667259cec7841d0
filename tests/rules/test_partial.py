"""A spec with schema errors is checked without its failed parts, by every rule that reads
none of them; the rules that read one report, on one line, that they were not checked."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from stagespec.engine.validate import check_document, validate_file
from stagespec.load.document import load_text
from stagespec.model.parse import PARTS, failed_part
from stagespec.model.spec import Spec
from stagespec.report import render, report_for
from stagespec.rules import RULES
from stagespec.rules.base import Rule, read_paths

CASES = Path(__file__).resolve().parent.parent / "cases"
EVERYTHING = CASES / "invalid" / "SS012-every-problem-at-once" / "stack.yaml"

HEAD = "stagespec: 1\nproject: demo\n"


def codes(text: str) -> list[str]:
    _, diagnostics = check_document(load_text(HEAD + text, "stack.yaml"))
    return [d.code for d in diagnostics]


def messages(text: str, code: str) -> list[str]:
    _, diagnostics = check_document(load_text(HEAD + text, "stack.yaml"))
    return [d.message for d in diagnostics if d.code == code]


def _field(annotation: Any, name: str) -> Any:
    """The annotation of field `name` of the model that `annotation` holds, or None."""
    for arg in [annotation, *typing.get_args(annotation)]:
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            field = arg.model_fields.get(name)
            return field.annotation if field else None
    return None


@pytest.mark.parametrize("rule", RULES.values(), ids=lambda r: r.CODE)
def test_every_rule_declares_the_parts_of_the_model_it_reads(rule: Rule) -> None:
    assert isinstance(rule.READS, tuple)
    for path, each in read_paths(rule):
        current: Any = Spec
        for name in path:
            current = _field(current, name)
            assert current is not None, f"{rule.CODE} reads {'.'.join(path)}: not in the model"
        if each:  # `x.*`: each entry of x is a part of its own
            assert any(p[:-1] == path for p in PARTS), f"{rule.CODE}: {path} has no parts"


def test_rules_are_checked_on_the_parts_that_passed_in_one_run() -> None:
    result = validate_file(EVERYTHING)
    errors = {d.code for d in result.diagnostics if d.severity == "error"}
    assert {"SS010", "SS011"} <= errors
    assert len(errors & set(RULES)) >= 10, sorted(errors)
    not_checked = [d.message for d in result.diagnostics if d.code == "SS012"]
    named = [c for m in not_checked for c in re.findall(r"SS\d{3}", m.partition(" not ")[0])]
    assert len(named) == len(set(named)) >= 10, "each rule that did not run, named once"
    assert len(not_checked) == 3, "one line for the rules the same parts stopped"
    assert result.spec is None, "a spec with schema errors is never handed to build"


def test_a_typo_no_longer_hides_a_weight_sum() -> None:
    found = codes(
        "services:\n  api: {image: api:1.0, healthchek: {test: [CMD, ping]}}\n"
        "resilience:\n  breakers:\n"
        "    a: {weight: 0.5, failure_threshold: 1, recovery_timeout: 1s}\n"
        "    b: {weight: 0.4, failure_threshold: 1, recovery_timeout: 1s}\n"
    )
    assert "SS011" in found and "SS201" in found


def test_a_rule_whose_input_failed_says_so_once_at_the_failed_part() -> None:
    text = (
        "services:\n  api: {image: api:1.0}\n"
        "resilience:\n  breakers:\n"
        "    a: {weight: 0.5, failure_threshold: true, recovery_timeout: 1s}\n"
    )
    _, diagnostics = check_document(load_text(HEAD + text, "stack.yaml"))
    [line] = [d for d in diagnostics if d.code == "SS012" and "SS201" in d.message]
    assert line.message == (
        "SS201, SS501 and SS504 not checked: resilience.breakers.a has schema errors"
    )
    assert (line.line, line.column, line.severity) == (7, 5, "info")
    assert "SS403" in [d.code for d in diagnostics], "the services are still checked"


def test_a_reference_to_a_failed_service_is_not_reported_missing() -> None:
    text = (
        "services:\n"
        "  api: {image: api:1.0, memroy: 1g, healthcheck: {test: [CMD, ping]}}\n"
        "  web:\n    image: web:1.0\n    depends_on: [api]\n"
        "    environment: {TOKEN: {secret: token}}\n"
        "    healthcheck: {test: [CMD, ping]}\n"
        "secrets:\n  token: {env: TOKEN}\n  used_by_api: {env: API}\n"
    )
    found = codes(text)
    assert "SS101" not in found and "SS404" not in found and "SS303" not in found
    [line] = messages(text, "SS012")
    assert all(code in line.partition(" not checked")[0] for code in ("SS101", "SS404", "SS303"))


def test_a_rule_of_one_entry_still_checks_the_other_entries() -> None:
    found = messages(
        "services:\n  api: {image: api:1.0, ports: [http]}\n  web: {image: web:1.0}\n",
        "SS403",
    )
    assert found == ["service 'web' has no healthcheck"]


def test_an_unknown_top_level_key_keeps_every_rule() -> None:
    found = codes("services:\n  api: {image: api:1.0}\nservcies: {}\n")
    assert "SS011" in found and "SS403" in found and "SS012" not in found


def test_an_environment_is_checked_the_same_way() -> None:
    text = (
        "services:\n  db: {image: postgres:16, healthcheck: {test: [CMD, pg_isready]}}\n"
        "  api: {image: api:1.0, healthcheck: {test: [CMD, ping]}}\n"
        "environments:\n  production:\n    services:\n"
        "      db: {ports: ['5432:5432']}\n      api: {enabled: 1}\n"
    )
    found = messages(text, "SS405")
    assert found == [
        "in environment 'production': postgres service 'db' publishes a host port in "
        "production; reach it over the stack's network only (`db: {ports: null}`)"
    ]


@pytest.mark.parametrize(
    ("path", "part"),
    [
        (("services", "api", "healthcheck", "retries"), ("services", "api")),
        (("resilience", "breakers", "a", "weight"), ("resilience", "breakers", "a")),
        (("resilience", "degradation", "tiers", 0, "min_score"), ("resilience", "degradation")),
        (("runtime", "security", "hsts"), ("runtime", "security")),
        (("runtime", "module"), ("runtime",)),
        (("servcies",), ("servcies",)),
    ],
)
def test_an_error_spoils_the_part_that_holds_it(path: tuple[Any, ...], part: Any) -> None:
    assert failed_part(path, path) == part


def test_not_checked_is_in_the_json_report() -> None:
    result = validate_file(EVERYTHING)
    report = json.loads(render("json", report_for([result], tool_version="0")))
    found = [d for d in report["diagnostics"] if d["code"] == "SS012"]
    assert found and all(d["severity"] == "info" for d in found)
    assert report["summary"]["infos"] == len(found)


def test_a_suppression_of_a_rule_that_did_not_run_is_not_unused(tmp_path: Path) -> None:
    spec = tmp_path / "stack.yaml"
    spec.write_text(
        HEAD + "services:\n  api: {image: api:1.0, memroy: 1g}\n"
        "  web:\n    image: web:1.0\n"
        '    depends_on: [api]  # stagespec: ignore[SS404] reason="api has none yet"\n',
        encoding="utf-8",
    )
    result = validate_file(spec)
    assert "SS022" not in [d.code for d in result.diagnostics]
    assert "SS404" in " ".join(d.message for d in result.diagnostics if d.code == "SS012")
