"""The workflow commands as a user runs them: `env check`, `diff`, `init`, `import`, `fmt`.

The libraries behind them have their own tests (test_envcheck, test_specdiff, test_starter,
importer/, test_fmt); these check the command line: arguments, exit codes, what is
printed, and that no secret value ever is.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from stagespec.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
COMPOSE = ROOT / "tests" / "importer" / "staging-compose.yml"
CANARY = "canary-Zq8w-value"
NEEDED = (
    "POSTGRES_PASSWORD",
    "DASHBOARD_API_KEY",
    "OPENAI_API_KEY",
    "GRAFANA_ADMIN_PASSWORD",
    "S3_SECRET_ACCESS_KEY",
)


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env=env)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the reference spec as ./stack.yaml of an empty working folder."""
    monkeypatch.chdir(tmp_path)
    for name in NEEDED:
        monkeypatch.delenv(name, raising=False)
    return Path(shutil.copy(REFERENCE, tmp_path / "stack.yaml"))


# --- env check -----------------------------------------------------------------------------


def test_env_check_all_present(spec: Path) -> None:
    result = run("env", "check", "--env", "staging", env=dict.fromkeys(NEEDED, CANARY))
    assert result.exit_code == 0, result.output
    assert "all 5 needed secrets are provided" in result.output
    assert CANARY not in result.output


def test_env_check_missing_and_empty(spec: Path) -> None:
    environ: dict[str, str | None] = {**dict.fromkeys(NEEDED, CANARY), "OPENAI_API_KEY": ""}
    environ["POSTGRES_PASSWORD"] = None
    result = run("env", "check", "--env", "production", env=environ)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["missing", "POSTGRES_PASSWORD"]
    assert lines[1].split()[:2] == ["empty", "OPENAI_API_KEY"]
    assert "2 of 5 needed secrets missing, empty or unreadable" in result.output
    assert CANARY not in result.output


def test_env_check_env_file_supplies_what_is_missing(spec: Path) -> None:
    environ: dict[str, str | None] = dict.fromkeys(NEEDED, CANARY)
    environ["S3_SECRET_ACCESS_KEY"] = None
    Path(".env.staging").write_text(f"S3_SECRET_ACCESS_KEY={CANARY}-from-file\n")
    missing = run("env", "check", "--env", "staging", env=environ)
    assert missing.exit_code == 1
    found = run("env", "check", "--env", "staging", "--env-file", ".env.staging", env=environ)
    assert found.exit_code == 0, found.output
    assert "from .env.staging" in found.output
    assert CANARY not in found.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "declares environments staging, production: choose one with --env"),
        (("--env", "qa"), "has no environment 'qa'"),
        (("--env", "staging", "--env-file", "absent.env"), "env file absent.env: no such file"),
    ],
)
def test_env_check_usage_errors(spec: Path, args: tuple[str, ...], message: str) -> None:
    result = run("env", "check", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_env_check_refuses_a_spec_with_errors(spec: Path) -> None:
    spec.write_text(spec.read_text().replace("weight: 0.50", "weight: 0.55"))
    result = run("env", "check", "--env", "staging")
    assert result.exit_code == 1
    assert "SS201" in result.output and "fix them first" in result.output


# --- no spec given ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("validate",),
        ("validate", "--strict"),
        ("build",),
        ("build", "--check"),
        ("env", "check"),
        ("env", "check", "--env", "staging"),
        ("fmt",),
        ("fmt", "--check"),
        ("diff", "--git", "HEAD"),
    ],
)
def test_no_spec_found_is_one_message_naming_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    expected = f"no spec given, and no stack.yaml in {Path.cwd()}: give a spec's path"
    assert result.output == f"stagespec: error: {expected}\n"


# --- diff ----------------------------------------------------------------------------------


def _changed(spec: Path) -> Path:
    new = spec.with_name("new.yaml")
    text = spec.read_text()
    new.write_text(text.replace('ports: ["9000:8080"]', 'ports: ["9100:8080"]'))
    return new


def test_diff_two_files(spec: Path) -> None:
    result = run("diff", str(spec), str(_changed(spec)))
    assert result.exit_code == 0, result.output
    summary, _, files = result.output.partition("\n\n")
    assert summary == "dashboard: host port 9000 → 9100"
    assert '-    - "9000:8080"\n+    - "9100:8080"' in files
    assert files.startswith("--- a/")


def test_diff_same_spec_says_so(spec: Path) -> None:
    result = run("diff", str(spec), str(spec))
    assert result.exit_code == 0
    assert result.output == "no change to the stack\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_against_a_git_revision(spec: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "stack.yaml"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    spec.write_text(_changed(spec).read_text())
    result = run("diff", "stack.yaml", "--git", "HEAD")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("dashboard: host port 9000 → 9100\n\n")
    bad = run("diff", "stack.yaml", "--git", "no-such-ref")
    assert bad.exit_code == 2
    assert "cannot read no-such-ref:stack.yaml from git" in bad.output


@pytest.mark.parametrize("args", [("a.yaml",), ("a.yaml", "b.yaml", "--git", "HEAD")])
def test_diff_needs_two_files_or_git(spec: Path, args: tuple[str, ...]) -> None:
    result = run("diff", *args)
    assert result.exit_code == 2
    assert "give OLD and NEW, or one SPEC with --git REF" in result.output


def test_diff_refuses_a_broken_spec(spec: Path) -> None:
    broken = spec.with_name("broken.yaml")
    broken.write_text("stagespec: 1\nproject: [\n")
    result = run("diff", str(spec), str(broken))
    assert result.exit_code == 1
    assert "broken.yaml:" in result.output


# --- init and import -----------------------------------------------------------------------


def test_init_writes_a_clean_spec_and_never_overwrites(tmp_path: Path) -> None:
    folder = tmp_path / "my-shop"
    folder.mkdir()
    target = folder / "stack.yaml"
    result = run("init", str(target))
    assert result.exit_code == 0, result.output
    assert "project 'my-shop'" in result.output
    checked = run("validate", str(target))
    assert checked.exit_code == 0 and "0 errors" in checked.output
    assert "warning" not in checked.output
    before = target.read_bytes()
    again = run("init", str(target), "--project", "other")
    assert again.exit_code == 2 and "exists; not overwriting it" in again.output
    assert target.read_bytes() == before


def test_init_bad_project_name(tmp_path: Path) -> None:
    result = run("init", str(tmp_path / "stack.yaml"), "--project", "Not A Name")
    assert result.exit_code == 2
    assert "project name 'Not A Name' is not valid" in result.output
    assert not (tmp_path / "stack.yaml").exists()


@pytest.mark.parametrize("given", ["my-shop", "my-shop/"])
def test_init_of_a_folder_writes_its_stack_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("my-shop").mkdir()
    result = run("init", given)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "my-shop/stack.yaml: wrote a starter spec for project 'my-shop'"
    )
    assert "`stagespec validate my-shop/stack.yaml`" in result.output
    assert [p.name for p in Path("my-shop").iterdir()] == ["stack.yaml"]
    before = Path("my-shop/stack.yaml").read_bytes()
    again = run("init", given)
    assert again.exit_code == 2
    assert "my-shop/stack.yaml exists; not overwriting it" in again.output
    assert Path("my-shop/stack.yaml").read_bytes() == before


@pytest.mark.parametrize("given", ["new-shop", "new-shop/", "new-shop/stack.yaml", "a/new-shop"])
def test_init_into_a_missing_folder_makes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("init", given)
    assert result.exit_code == 0, result.output
    spec = Path(given.removesuffix("/").removesuffix("/stack.yaml")) / "stack.yaml"
    assert (tmp_path / spec).read_text(encoding="utf-8").count("project: new-shop\n") == 1
    assert run("validate", str(spec)).exit_code == 0


def test_init_through_a_symlink_loop_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "loop").symlink_to("loop")
    result = run("init", "loop/shop")
    assert result.exit_code == 2
    assert "loop of symbolic links" in result.output
    assert "Traceback" not in result.output


def test_init_under_a_file_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("a file\n", encoding="utf-8")
    result = run("init", "taken/shop")
    assert result.exit_code == 2
    assert "cannot write taken/shop/stack.yaml" in result.output
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "a file\n"


def test_init_starter_passes_fmt_check_and_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("init", ".").exit_code == 0
    formatted = run("fmt", "--check")
    assert formatted.exit_code == 0, formatted.output
    assert "0 file(s) would be reformatted, 1 left unchanged" in formatted.output
    checked = run("validate")
    assert checked.exit_code == 0, checked.output
    assert checked.output == "1 file checked: 0 errors\n"


def test_import_writes_beside_the_compose_file(tmp_path: Path) -> None:
    compose = Path(shutil.copy(COMPOSE, tmp_path / "docker-compose.yml"))
    result = run("import", str(compose))
    assert result.exit_code == 0, result.output
    spec = tmp_path / "stack.yaml"
    assert "moved to secret 'postgres_password'" in result.output
    assert "set before building: POSTGRES_PASSWORD" in result.output
    checked = run("validate", str(spec))
    # the report's own drift, found: Redis may grow to 512mb inside a 128M limit
    errors = [line for line in checked.output.splitlines() if ": error " in line]
    assert checked.exit_code == 1 and len(errors) == 1, checked.output
    assert "error SS410 memory-limit: --maxmemory 512mb" in errors[0]
    again = run("import", str(compose))
    assert again.exit_code == 2 and "exists; not overwriting it" in again.output


def test_import_never_prints_the_secrets_it_moves(tmp_path: Path) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        f"services:\n  api:\n    image: nginx:1.27\n    environment:\n      API_TOKEN: {CANARY}\n"
    )
    result = run("import", str(compose), "--project", "demo", "-o", str(tmp_path / "s.yaml"))
    assert result.exit_code == 0, result.output
    assert CANARY not in result.output
    assert CANARY not in (tmp_path / "s.yaml").read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [("services: {}\n", "no services to import"), ("a: [\n", "docker-compose.yml:")],
)
def test_import_refuses_what_it_cannot_read(tmp_path: Path, text: str, message: str) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(text)
    result = run("import", str(compose), "--project", "demo")
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "stack.yaml").exists()


# --- fmt -----------------------------------------------------------------------------------


def test_fmt_check_passes_on_the_shipped_reference_spec() -> None:
    result = run("fmt", "--check", str(REFERENCE))
    assert result.exit_code == 0, result.output
    assert "0 file(s) would be reformatted, 1 left unchanged" in result.output


def test_fmt_check_then_rewrite_keeps_every_comment(spec: Path) -> None:
    # Out of the model's order: `ports` before `build` in the dashboard service.
    spec.write_text(
        spec.read_text().replace(
            '    build: ../../examples/dashboard\n    ports: ["9000:8080"]\n',
            '    ports: ["9000:8080"]\n    build: ../../examples/dashboard\n',
        )
    )
    before = spec.read_text()
    check = run("fmt", "--check", str(spec))
    assert check.exit_code == 1
    assert check.output.startswith(f"would reformat {spec}\n")
    assert spec.read_text() == before  # --check writes nothing
    result = run("fmt", str(spec))
    assert result.exit_code == 0
    after = spec.read_text()
    comments = [line.strip() for line in before.splitlines() if line.strip().startswith("#")]
    assert comments
    assert all(comment in after for comment in comments)
    assert run("fmt", "--check", str(spec)).exit_code == 0
    assert run("validate", str(spec)).exit_code == 0
    assert list(spec.parent.glob(".stack.yaml.*")) == []  # no temporary file left


def test_fmt_refuses_invalid_yaml_and_leaves_it(spec: Path) -> None:
    spec.write_text("stagespec: 1\nproject: [\n")
    result = run("fmt", str(spec))
    assert result.exit_code == 2
    assert spec.read_text() == "stagespec: 1\nproject: [\n"
