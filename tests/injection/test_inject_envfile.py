""".env and .env.example: no spec value adds, removes or changes a variable line.

The only free text that reaches them is `runtime.security.csp`. For every hostile value,
and for any text hypothesis makes up, the emitter either refuses it with its own error
(a value no quoting keeps literal for both compose v2 and docker-compose 1.29), or writes
files with exactly the benign file's variables, in order, whose CSP_POLICY reads back
as the value. Two real parsers read them: compose v2's rules, as `stagespec env check`
implements them (envcheck.parse_env), and docker-compose 1.29's own env-file reader
(`compose.config.environment.env_vars_from_file`, python-dotenv underneath), run on the
Python docker-compose runs on.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hostilekit import BENIGN, HOSTILE, PROPERTIES, SLOTS, docker_compose_python
from hypothesis import given, settings
from hypothesis import strategies as st

from stagespec.envcheck.check import parse_env
from stagespec.plan.envquote import EnvValueError
from stagespec.targets import envfile

CSP = SLOTS["content security policy"]
FILES = (envfile.ENV_PATH, envfile.EXAMPLE_PATH)


def _rendered(value: str) -> dict[str, str] | None:
    """The two files, or None when the emitter refuses the value (with its own error)."""
    try:
        files = envfile.render(CSP.build(value))
    except EnvValueError as e:
        assert str(e).startswith("CSP_POLICY: ")
        return None
    return {name: files[name].decode("utf-8") for name in FILES}


def _keys(text: str) -> list[str]:
    """The variable of every line that is neither blank nor a comment, in order."""
    lines = [line for line in text.split("\n") if line.strip() and not line.startswith("#")]
    return [line.split("=", 1)[0] for line in lines]


def _benign() -> dict[str, str]:
    files = _rendered(BENIGN)
    assert files is not None
    return files


BENIGN_FILES = _benign()


def _check(value: str) -> bool:
    """True when written (and checked), False when refused."""
    files = _rendered(value)
    if files is None:
        return False
    for name in FILES:
        assert _keys(files[name]) == _keys(BENIGN_FILES[name])
        assert len(files[name].splitlines()) == len(BENIGN_FILES[name].splitlines())
        found, problems = parse_env(files[name], name)
        expected, _ = parse_env(BENIGN_FILES[name], name)
        assert problems == []
        assert found == {**expected, "CSP_POLICY": value}
    return True


WRITTEN = [n for n, v in HOSTILE.items() if _rendered(v) is not None]


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_value_is_written_literally_or_refused(value: str) -> None:
    _check(value)


def test_most_hostile_values_are_written() -> None:
    # Refusing everything would pass the test above: only what no quoting keeps is refused.
    assert {"single quotes", "templates", "comments", "yaml indicators"} <= set(WRITTEN)
    assert len(WRITTEN) >= 12


@settings(PROPERTIES, max_examples=300)
@given(st.text())
def test_any_text_is_written_literally_or_refused(value: str) -> None:
    _check(value)


@settings(PROPERTIES, max_examples=200)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_printable_ascii_is_refused_only_for_the_documented_reasons(value: str) -> None:
    if _check(value):
        return
    both_quotes = "'" in value and any(c in value for c in '"$`')
    assert "${" in value or "\\" in value or both_quotes


# --- docker-compose 1.29's own reader ------------------------------------------------------

READER = """
import json, sys
from compose.config.environment import env_vars_from_file

json.dump([env_vars_from_file(path) for path in sys.argv[1:]], sys.stdout)
"""
# Characters .env parsers treat specially; line breaks, control characters and
# backslashes are left out, as the emitter always refuses them (tested above).
_TRICKY = "'\"$` #=:{}[]-?|>!%@&*,é€😀"


def _generated(count: int) -> list[str]:
    """Values mixing the characters .env parsers treat specially, the same every run."""
    chosen = random.Random(6)
    pool = _TRICKY + "abcXYZ019 /."
    return ["".join(chosen.choices(pool, k=chosen.randint(1, 24))) for _ in range(count)]


@pytest.mark.tools
def test_docker_compose_reads_every_written_value_back(tmp_path: Path) -> None:
    if shutil.which("docker-compose") is None:
        pytest.skip("docker-compose is not installed (Debian package docker-compose)")
    python = docker_compose_python()
    assert python is not None, "docker-compose is not a Python script: cannot use its reader"
    values = [*HOSTILE.values(), *_generated(200)]
    cases: list[tuple[str, Path]] = []
    for i, value in enumerate(values):
        files = _rendered(value)
        if files is None:
            continue
        for name in FILES:
            path = tmp_path / f"{i:03d}{name}"
            path.write_text(files[name], encoding="utf-8")
            cases.append((value, path))
    assert len(cases) > 150
    done = subprocess.run(
        [python, "-c", READER, *map(str, (path for _, path in cases))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "could not parse" not in done.stderr  # python-dotenv's warning for a bad line
    benign = {name: parse_env(BENIGN_FILES[name], name)[0] for name in FILES}
    for (value, path), read in zip(cases, json.loads(done.stdout), strict=True):
        expected = benign[
            envfile.EXAMPLE_PATH if path.name.endswith(".example") else envfile.ENV_PATH
        ]
        assert read == {**expected, "CSP_POLICY": value}, path.name
