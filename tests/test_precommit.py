"""The pre-commit hooks refuse a commit with a bad spec or stale generated files.

Each scenario is a real `pre-commit install` + `git commit` in a temporary repository
holding a spec and its generated files, with the hooks taken from

- `published`: this checkout's `.pre-commit-hooks.yaml`, as another repository uses it.
  pre-commit clones the hook repository at a commit and pip-installs stagespec from it,
  so the test commits a snapshot of the checkout (pyproject, src, hooks file) to a
  temporary repository first: the hooks file need not be committed here yet. Its
  dependencies come from PyPI (once per test session);
- `local`: the same hook definitions as `repo: local` with `language: system`, running
  the stagespec installed here, as this repository's own `.pre-commit-config.yaml` does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from stagespec.init.starter import starter_spec

pytestmark = pytest.mark.tools

ROOT = Path(__file__).resolve().parent.parent
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
SPEC = "specs/demo/stack.yaml"
PRE_COMMIT = shutil.which("pre-commit")
GIT = shutil.which("git")

needs_tools = pytest.mark.skipif(
    PRE_COMMIT is None or GIT is None,
    reason="pre-commit and git are needed (pip install -e '.[test]')",
)


def _hooks() -> list[dict[str, Any]]:
    hooks: list[dict[str, Any]] = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    return hooks


def test_hooks_file_is_a_valid_manifest() -> None:
    from pre_commit.clientlib import load_manifest  # type: ignore[import-untyped]

    hooks = load_manifest(str(HOOKS_FILE))
    assert [h["id"] for h in hooks] == ["stagespec-validate", "stagespec-check"]
    for hook in hooks:
        assert re.search(hook["files"], "specs/inventario-retail/stack.yaml")
        assert re.search(hook["files"], "stack.yml")
        assert not re.search(hook["files"], "other-stack.yaml")


def test_repository_config_skips_the_broken_test_specs() -> None:
    from pre_commit.clientlib import load_config

    config = load_config(str(ROOT / ".pre-commit-config.yaml"))
    for path in ("tests/cases/invalid/SS002-duplicate-key/stack.yaml", "tests/hostile/x.yaml"):
        assert re.search(config["exclude"], path)
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    for hook_id in ("stagespec-validate", "stagespec-check"):
        assert re.search(hooks[hook_id]["files"], "specs/inventario-retail/stack.yaml")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    bin_dir = str(Path(sys.executable).parent)
    return env | {
        "PATH": bin_dir + os.pathsep + env.get("PATH", ""),
        "PRE_COMMIT_HOME": str(home),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }


def _run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = _run(cwd, env, "git", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def _snapshot(target: Path, env: dict[str, str]) -> str:
    """A git repository with what pre-commit needs to install the hooks; its commit."""
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "src", target / "src", ignore=ignore)
    _git(target, env, "init", "-q")
    _git(target, env, "add", "-A")
    _git(target, env, "commit", "-q", "-m", "hooks")
    return _git(target, env, "rev-parse", "HEAD")


@pytest.fixture(scope="session")
def hook_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The `repos:` entry of each way to get the hooks, and a shared PRE_COMMIT_HOME."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = _env(home)
    snapshot = tmp_path_factory.mktemp("hook-repo")
    published = {
        "repo": str(snapshot),
        "rev": _snapshot(snapshot, env),
        "hooks": [{"id": hook["id"]} for hook in _hooks()],
    }
    local_hooks = [hook | {"language": "system"} for hook in _hooks()]
    return {"env": env, "published": published, "local": {"repo": "local", "hooks": local_hooks}}


def _build(repo: Path, env: dict[str, str]) -> None:
    done = _run(repo, env, "stagespec", "build", SPEC)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(params=["published", "local"])
def repo(request: pytest.FixtureRequest, hook_sources: dict[str, Any], tmp_path: Path) -> Path:
    """A repository with a spec, its generated files and the hooks installed."""
    env = hook_sources["env"]
    config = {"repos": [hook_sources[request.param]]}
    (tmp_path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (tmp_path / SPEC).parent.mkdir(parents=True)
    (tmp_path / SPEC).write_text(starter_spec("demo"), encoding="utf-8")
    _build(tmp_path, env)
    _git(tmp_path, env, "init", "-q")
    _git(tmp_path, env, "add", "-A")
    _git(tmp_path, env, "commit", "-q", "--no-verify", "-m", "start")
    installed = _run(tmp_path, env, "pre-commit", "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return tmp_path


def _commit(repo: Path, env: dict[str, str]) -> tuple[int, str]:
    """Stage everything and commit: the exit code and what the hooks printed."""
    _git(repo, env, "add", "-A")
    done = _run(repo, env, "git", "commit", "-m", "change")
    return done.returncode, done.stdout + done.stderr


def _edit_spec(repo: Path, old: str, new: str) -> None:
    spec = repo / SPEC
    text = spec.read_text(encoding="utf-8")
    assert old in text
    spec.write_text(text.replace(old, new), encoding="utf-8")


@needs_tools
def test_good_change_is_committed(repo: Path, hook_sources: dict[str, Any]) -> None:
    _edit_spec(repo, '"8000:8000"', '"8001:8000"')
    _build(repo, hook_sources["env"])
    code, output = _commit(repo, hook_sources["env"])
    assert code == 0, output
    assert re.search(r"stagespec validate\.+Passed", output)
    assert re.search(r"stagespec build --check\.+Passed", output)


@needs_tools
def test_bad_spec_is_refused(repo: Path, hook_sources: dict[str, Any]) -> None:
    _edit_spec(repo, "weight: 1,", "weight: 0.5,")
    code, output = _commit(repo, hook_sources["env"])
    assert code != 0
    assert re.search(r"stagespec validate\.+Failed", output) and "SS201" in output, output


@needs_tools
def test_stale_generated_files_are_refused(repo: Path, hook_sources: dict[str, Any]) -> None:
    _edit_spec(repo, '"8000:8000"', '"8001:8000"')
    code, output = _commit(repo, hook_sources["env"])
    assert code != 0
    assert re.search(r"stagespec build --check\.+Failed", output) and "is stale" in output, output
    assert _git(repo, hook_sources["env"], "rev-list", "--count", "HEAD") == "1"
