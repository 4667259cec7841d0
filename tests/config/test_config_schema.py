"""The committed config schema is current, and it agrees with `load_config` on examples."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from stagespec.config.schema import config_schema, config_schema_text
from stagespec.config.settings import ConfigError, configurable, load_config
from stagespec.load.document import load_text

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schemas" / "config.schema.json"

EXAMPLE = """\
extends: strict
rules:
  SS402: {level: warning, options: {allow: [redis]}}
  secret-plaintext:
    options: {entropy_base64: 5, entropy_hex: 3.25}
  healthcheck-missing: off
"""

GOOD = [
    EXAMPLE,
    "extends: strict\n",
    "rules:\n  SS402: off\n  secret-plaintext: info\n",
    "rules:\n  SS402: {level: warning, options: {allow: [redis, 'localhost:5000/*']}}\n",
    "rules:\n  SS301:\n    options: {entropy_base64: 5, entropy_hex: 3.25}\n",
    "rules:\n  SS403: {level: error, options: {}}\n  suppression-unused: error\n",
    "rules:\n",
]
BAD = [
    "extends: lax\n",
    "version: 1\n",
    "rules:\n  SS499: off\n",
    "rules:\n  SS001: off\n",
    "rules:\n  SS402: warn\n",
    "rules:\n  SS402: false\n",
    "rules:\n  SS402:\n",
    "rules:\n  SS402: {levle: off}\n",
    "rules:\n  SS402: {options: {alow: [x]}}\n",
    "rules:\n  SS403: {options: {allow: [x]}}\n",
    "rules:\n  SS402: {options: {allow: redis}}\n",
    "rules:\n  SS402: {options: {allow: ['']}}\n",
    "rules:\n  SS301: {options: {entropy_hex: high}}\n",
    "rules:\n  SS301: {options: {entropy_hex: 4.5}}\n",
    "rules:\n  SS301: {options: {entropy_base64: 0}}\n",
    "rules: [SS402]\n",
]


def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def as_json(text: str) -> Any:
    return json.loads(json.dumps(load_text(text, "c.yaml").data, default=float))


def test_committed_schema_is_current() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == config_schema_text(), (
        "schemas/config.schema.json is stale: regenerate it from "
        "stagespec.config.schema.config_schema_text()"
    )


def test_schema_names_every_configurable_rule_by_code_and_name() -> None:
    rules = config_schema()["properties"]["rules"]["properties"]
    assert set(rules) == {*configurable(), *configurable().values()}


@pytest.mark.parametrize("text", GOOD)
def test_good_configs_pass_the_schema_and_the_loader(tmp_path: Path, text: str) -> None:
    assert list(validator().iter_errors(as_json(text))) == []
    path = tmp_path / ".stagespec.yaml"
    path.write_text(text, encoding="utf-8")
    load_config(path)


@pytest.mark.parametrize("text", BAD)
def test_bad_configs_fail_the_schema_and_the_loader(tmp_path: Path, text: str) -> None:
    assert list(validator().iter_errors(as_json(text)))
    path = tmp_path / ".stagespec.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(path)


@pytest.mark.tools
@pytest.mark.parametrize(("text", "accepted"), [(EXAMPLE, True), (BAD[4], False)])
def test_check_jsonschema_agrees(tmp_path: Path, text: str, accepted: bool) -> None:
    tool = shutil.which("check-jsonschema")
    if tool is None:
        pytest.skip("check-jsonschema is not installed")
    config = tmp_path / ".stagespec.yaml"
    config.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [tool, "--schemafile", str(SCHEMA), str(config)], capture_output=True, text=True
    )
    assert (done.returncode == 0) is accepted, done.stdout + done.stderr
