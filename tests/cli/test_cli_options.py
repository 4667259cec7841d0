"""`validate` options: formats, --output, --strict/--fail-on, config and suppressions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from stagespec.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = str(ROOT / "specs" / "inventario-retail" / "stack.yaml")


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args], env=env)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit"])
def test_every_format_reports_the_warning(fmt: str) -> None:
    code, output = _run(REFERENCE, "--format", fmt)
    assert code == 0
    assert "SS204" in output


def test_github_format_is_chosen_on_github_actions() -> None:
    code, output = _run(REFERENCE, env={"GITHUB_ACTIONS": "true"})
    assert code == 0 and output.startswith("::warning file=")


def test_strict_and_fail_on_warning_fail_on_the_warning() -> None:
    assert _run(REFERENCE, "--strict")[0] == 1
    assert _run(REFERENCE, "--fail-on", "warning")[0] == 1
    assert _run(REFERENCE, "--fail-on", "error")[0] == 0


def test_output_writes_each_format(tmp_path: Path) -> None:
    sarif, report = tmp_path / "out.sarif", tmp_path / "out.json"
    code, _ = _run(REFERENCE, "--output", f"sarif={sarif}", "--output", f"json={report}")
    assert code == 0
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert json.loads(report.read_text())["summary"]["warnings"] == 1


def test_bad_output_option_is_a_usage_error() -> None:
    assert _run(REFERENCE, "--output", "xml")[0] == 2


def test_config_turns_a_rule_off_and_bad_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("rules:\n  breaker-disabled-service: off\n")
    code, output = _run(REFERENCE, "--config", str(config))
    assert code == 0 and "SS204" not in output
    config.write_text("rules:\n  no-such-rule: off\n")
    assert _run(REFERENCE, "--config", str(config))[0] == 2


def test_config_problems_are_printed_one_per_line(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("rules:\n  no-such-rule: off\n  SS499: off\n")
    code, output = _run(REFERENCE, "--config", str(config))
    assert code == 2
    lines = output.splitlines()
    assert lines[0] == "stagespec: error: invalid configuration:"
    assert [line.split(": ", 1)[0] for line in lines[1:]] == [f"  {config}:2:3", f"  {config}:3:3"]
    assert "\\n" not in output


def test_suppression_and_no_suppressions(tmp_path: Path) -> None:
    spec = tmp_path / "stack.yaml"
    text = (
        Path(REFERENCE)
        .read_text()
        .replace(
            "service: localstack}",
            'service: localstack}  # stagespec: ignore[SS204] reason="paused in staging"',
        )
    )
    spec.write_text(text)
    code, output = _run(str(spec))
    assert code == 0 and "SS204" not in output.split("\n")[0] and "1 suppressed" in output
    code, output = _run(str(spec), "--no-suppressions")
    assert "SS204" in output
