"""`stagespec validate` end to end: the bad inputs of the issue through click's CliRunner
(reusing the files of tests/cases), and a few runs of the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from stagespec.cli.main import main

TESTS = Path(__file__).resolve().parents[1]
CASES = TESTS / "cases"
REFERENCE = TESTS.parent / "specs" / "inventario-retail" / "stack.yaml"

FAKE_OPENAI_KEY = "sk-proj-" + "FAKE0fake1" * 4

# The bad inputs: case directory, the code it must report, the exit code.
BAD_INPUTS = [
    ("invalid/SS002-duplicate-key", "SS002", 1),
    ("invalid/SS003-python-object-apply", "SS003", 1),
    ("invalid/SS004-billion-laughs", "SS004", 1),
    ("invalid/SS005-empty-file", "SS005", 2),
    ("invalid/SS005-binary-file", "SS005", 2),
    ("invalid/SS006-top-level-list", "SS006", 1),
    ("invalid/SS011-unknown-key-did-you-mean", "SS011", 1),
    ("invalid/SS201-weights-sum-to-095", "SS201", 1),
    ("invalid/SS202-non-monotonic-tiers", "SS202", 1),
    ("invalid/SS301-plaintext-password", "SS301", 1),
    ("invalid/SS301-password-in-url", "SS301", 1),
    ("invalid/SS301-openai-key-innocent-name", "SS301", 1),
    ("invalid/SS401-duplicate-host-port", "SS401", 1),
    ("invalid/SS102-dependency-cycle", "SS102", 1),
    ("invalid/SS302-unknown-secret-reference", "SS302", 1),
]

# Secret cases: what must never be printed (a URL password is checked with its user, since
# "pass" alone is part of the word "password" in messages).
SECRETS = [
    pytest.param("invalid/SS301-plaintext-password", "hunter2", id="password"),
    pytest.param("invalid/SS301-password-in-url", "user:pass@", id="url-password"),
    pytest.param("invalid/SS301-openai-key-innocent-name", FAKE_OPENAI_KEY, id="openai-key"),
    pytest.param("invalid/SS301-openai-key-innocent-name", FAKE_OPENAI_KEY[8:30], id="key-middle"),
]


def spec_of(case: str) -> Path:
    return CASES / case / "stack.yaml"


def expected_at(case: str, code: str) -> tuple[int, int]:
    """The line and column of the first `code` diagnostic listed in the case's expected.txt."""
    for line in (CASES / case / "expected.txt").read_text(encoding="utf-8").splitlines():
        position, _, found, _ = line.split(maxsplit=3)
        if found == code:
            row, column = position.split(":")
            return int(row), int(column)
    raise AssertionError(f"{case}/expected.txt lists no {code}")


def validate(*args: str) -> Result:
    return CliRunner().invoke(main, ["validate", *args])


def everything(result: Result) -> str:
    """stdout and stderr together (and a traceback, if the command raised one)."""
    return result.stdout + result.stderr + repr(result.exception)


def position_param(case: str, code: str) -> object:
    """A param that is a strict xfail when the case documents a known bug (xfail.txt)."""
    known_bug = CASES / case / "xfail.txt"
    marks = []
    if known_bug.exists():
        reason = known_bug.read_text(encoding="utf-8").strip().splitlines()[0]
        marks.append(pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(case, code, id=case, marks=marks)


@pytest.mark.parametrize(("case", "code", "exit_code"), BAD_INPUTS, ids=[c for c, *_ in BAD_INPUTS])
def test_bad_input_fails_cleanly(case: str, code: str, exit_code: int) -> None:
    path = spec_of(case)
    result = validate(str(path))
    assert result.exit_code == exit_code, everything(result)
    assert isinstance(result.exception, SystemExit | None), everything(result)
    assert "Traceback" not in everything(result)
    assert f"{path}:" in result.stdout
    assert f": error {code} " in result.stdout


@pytest.mark.parametrize(("case", "code"), [position_param(c, code) for c, code, _ in BAD_INPUTS])
def test_bad_input_is_reported_at_its_line(case: str, code: str) -> None:
    path = spec_of(case)
    line, column = expected_at(case, code)
    result = validate(str(path))
    assert f"{path}:{line}:{column}: error {code} " in result.stdout


@pytest.mark.parametrize(("case", "code", "exit_code"), BAD_INPUTS, ids=[c for c, *_ in BAD_INPUTS])
def test_bad_input_as_json(case: str, code: str, exit_code: int) -> None:
    result = validate("--format", "json", str(spec_of(case)))
    assert result.exit_code == exit_code
    assert "Traceback" not in everything(result)
    payload = json.loads(result.stdout)
    assert code in [d["code"] for d in payload["diagnostics"]]


def test_unknown_key_gets_a_did_you_mean() -> None:
    result = validate(str(spec_of("invalid/SS011-unknown-key-did-you-mean")))
    assert "unknown key 'memroy'" in result.stdout
    assert "did you mean 'memory'?" in result.stdout


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize(("case", "secret"), SECRETS)
def test_secret_value_is_never_printed(case: str, secret: str, fmt: str) -> None:
    path = spec_of(case)
    assert secret in path.read_text(encoding="utf-8")  # the case really holds it
    result = validate("--format", fmt, str(path))
    assert result.exit_code == 1
    assert "SS301" in result.stdout
    assert secret not in everything(result)


def test_billion_laughs_is_refused_quickly() -> None:
    start = time.perf_counter()
    result = validate(str(spec_of("invalid/SS004-billion-laughs")))
    elapsed = time.perf_counter() - start
    assert result.exit_code == 1
    assert "SS004" in result.stdout
    assert elapsed < 2, f"took {elapsed:.2f}s"  # a loose safety bound, not a benchmark


def test_missing_file_is_a_usage_error() -> None:
    result = validate(str(CASES / "no-such-dir" / "stack.yaml"))
    assert result.exit_code == 2
    assert "SS005" in result.stdout
    assert "Traceback" not in everything(result)


# Through a real subprocess of the installed console script.


def command() -> list[str]:
    script = shutil.which("stagespec")
    return [script] if script else [sys.executable, "-m", "stagespec"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command(), "validate", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_script_reference_stack_passes_with_the_localstack_warning() -> None:
    done = run(str(REFERENCE))
    assert done.returncode == 0, done.stdout + done.stderr
    [line] = done.stdout.splitlines()
    assert " warning SS204 " in line
    assert "'s3'" in line and "'localstack'" in line
    assert "Traceback" not in done.stderr


def test_script_missing_file_exits_2(tmp_path: Path) -> None:
    done = run(str(tmp_path / "stack.yaml"))
    assert done.returncode == 2
    assert "SS005" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_script_json_output_parses() -> None:
    done = run("--format", "json", str(REFERENCE))
    assert done.returncode == 0
    payload = json.loads(done.stdout)
    assert {"version", "diagnostics"} <= payload.keys()
    assert [d["code"] for d in payload["diagnostics"]] == ["SS204"]


# A file name is text from the repository too: pre-commit and CI pass whatever names it has.
FORGED = "b.yaml:1:1: error SS000 forged"


@pytest.mark.parametrize(
    "command", [["validate"], ["validate", "--format", "github"], ["build", "--out", "out"]]
)
def test_a_file_name_cannot_forge_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    name = f"a\n{FORGED}\x1b[2J\u202e.yaml"
    shutil.copy(CASES / "invalid" / "SS408-empty-image" / "stack.yaml", tmp_path / name)
    result = CliRunner().invoke(main, [*command, name])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines, "something is reported"
    assert not [line for line in lines if line.startswith(FORGED)]
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert any(line.startswith("a\\nb.yaml") or "file=a\\nb.yaml" in line for line in lines)


def test_validate_imports_no_other_command() -> None:
    """The hooks run `validate` on every commit: it loads its own command's module only."""
    code = (
        "import sys\n"
        "from stagespec.cli.main import main\n"
        "try:\n"
        f"    main(['validate', {str(REFERENCE)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('stagespec.cli.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = result.stdout.strip().splitlines()[-1]
    assert loaded == "['stagespec.cli.main', 'stagespec.cli.specs', 'stagespec.cli.validate']"
