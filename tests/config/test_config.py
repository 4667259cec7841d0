"""`.stagespec.yaml`: found up to the repository root, checked with positions, applied."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stagespec.config.settings import (
    CONFIG_NAME,
    Config,
    ConfigError,
    Extends,
    Level,
    find_config,
    load_config,
)
from stagespec.diagnostics import Diagnostic, Severity
from stagespec.errors import StagespecError, UsageError


def write(folder: Path, text: str, name: str = CONFIG_NAME) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str) -> Config:
    return load_config(write(tmp_path, text), display=CONFIG_NAME)


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    return list(caught.value.problems)


# --- finding the file ----------------------------------------------------------------------


def test_config_in_the_spec_folder_is_found(tmp_path: Path) -> None:
    config = write(tmp_path / "repo" / "specs", "")
    (tmp_path / "repo" / ".git").mkdir()
    assert find_config(tmp_path / "repo" / "specs" / "stack.yaml") == config


def test_nearest_config_wins(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    write(tmp_path / "repo", "")
    nearer = write(tmp_path / "repo" / "specs", "")
    assert find_config(tmp_path / "repo" / "specs" / "a" / ".." / "stack.yaml") == nearer


def test_config_at_the_repository_root_is_found(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    config = write(tmp_path / "repo", "")
    assert find_config(tmp_path / "repo" / "specs" / "shop" / "stack.yaml") == config


@pytest.mark.parametrize("git_is_a_file", [False, True], ids=["git-folder", "git-file"])
def test_search_stops_at_the_repository_root(tmp_path: Path, git_is_a_file: bool) -> None:
    write(tmp_path, "rules: {SS402: off}\n")  # above the repository: not ours
    repo = tmp_path / "repo"
    repo.mkdir()
    if git_is_a_file:  # a worktree or submodule has a `.git` file
        (repo / ".git").write_text("gitdir: ../elsewhere\n", encoding="utf-8")
    else:
        (repo / ".git").mkdir()
    assert find_config(repo / "specs" / "stack.yaml") is None


def test_a_folder_named_like_the_config_is_skipped(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    config = write(tmp_path, "")
    (tmp_path / "specs" / CONFIG_NAME).mkdir(parents=True)
    assert find_config(tmp_path / "specs" / "stack.yaml") == config


def test_relative_spec_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    config = write(tmp_path, "")
    monkeypatch.chdir(tmp_path)
    assert find_config(Path("stack.yaml")) == config


# --- loading -------------------------------------------------------------------------------


def test_full_config(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "extends: strict\n"
        "max_findings: 5\n"
        "rules:\n"
        "  SS402:\n"
        "    level: info\n"
        "    options: {allow: [redis, 'localhost:5000/*']}\n"
        "  secret-plaintext:\n"
        "    options: {entropy_base64: 5, entropy_hex: 3.5}\n"
        "  healthcheck-missing: off\n"
        "  suppression-unused: error\n",
    )
    assert config == Config(
        levels={"SS402": "info", "SS403": "off", "SS022": "error"},
        options={
            "SS402": {"allow": ["redis", "localhost:5000/*"]},
            "SS301": {"entropy_base64": 5.0, "entropy_hex": 3.5},
        },
        extends="strict",
        file=CONFIG_NAME,
        max_findings=5,
    )
    assert isinstance(config.options_for("SS301")["entropy_base64"], float)
    assert config.options_for("SS403") == {}


@pytest.mark.parametrize(
    "text", ["", "\n\n", "# only a comment\n", "---\n# nothing else\n", "rules:\n", "rules: {}\n"]
)
def test_empty_config_keeps_every_default(tmp_path: Path, text: str) -> None:
    assert load(tmp_path, text) == Config(file=CONFIG_NAME)


@pytest.mark.parametrize(
    ("levels", "extends", "default", "expected"),
    [
        ({}, "default", "warning", "warning"),
        ({}, "strict", "warning", "error"),
        ({}, "strict", "info", "info"),
        ({}, "strict", "error", "error"),
        ({"SS402": "warning"}, "strict", "warning", "warning"),
        ({"SS402": "info"}, "default", "warning", "info"),
        ({"SS402": "off"}, "strict", "warning", None),
    ],
)
def test_level_for(
    levels: dict[str, Level], extends: Extends, default: Severity, expected: Severity | None
) -> None:
    config = Config(levels=levels, extends=extends)
    assert config.level_for("SS402", default) == expected


def test_apply_levels_drops_rules_that_are_off_and_relevels_the_rest() -> None:
    def d(code: str, severity: Severity) -> Diagnostic:
        return Diagnostic("s.yaml", 1, 1, code, "n", severity, "m")

    config = Config(levels={"SS403": "off", "SS301": "warning"}, extends="strict")
    found = [d("SS301", "error"), d("SS402", "warning"), d("SS403", "warning"), d("SS010", "error")]
    assert [(x.code, x.severity) for x in config.apply_levels(found)] == [
        ("SS301", "warning"),
        ("SS402", "error"),
        ("SS010", "error"),
    ]


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rules:\n  SS499: off\n", "2:3: unknown rule 'SS499'; did you mean"),
        (
            "rules:\n  image-unpined: off\n",
            "2:3: unknown rule 'image-unpined'; did you mean 'image-unpinned'?",
        ),
        ("rules:\n  SS011: off\n", "2:3: 'SS011' is a core check and cannot be configured"),
        ("rules:\n  suppression-invalid: warning\n", "2:3: 'suppression-invalid' is a core check"),
        (
            "rules:\n  SS402: warn\n",
            "2:10: level is one of error, warning, info, off, not 'warn'; did you mean 'warning'?",
        ),
        ("rules:\n  SS402: false\n", "2:10: level is one of error, warning, info, off, not false"),
        ("rules:\n  SS402:\n", "2:9: give SS402 a level (error, warning, info, off) or a mapping"),
        ("rules:\n  SS402: [off]\n", "2:10: give SS402 a level"),
        ("rules:\n  SS402: {level: 2}\n", "2:18: level is one of error, warning, info, off, not 2"),
        ("rules:\n  SS402: {levle: off}\n", "2:11: unknown key 'levle'; did you mean 'level'?"),
        (
            "rules:\n  SS402: {options: {alow: [x]}}\n",
            "2:21: unknown option 'alow' for SS402; did you mean 'allow'?",
        ),
        (
            "rules:\n  SS403: {options: {allow: [x]}}\n",
            "2:21: unknown option 'allow' for SS403 (options of SS403: none)",
        ),
        ("rules:\n  SS301: {options: {x: 1}}\n", "(options of SS301: entropy_base64, entropy_hex)"),
        (
            "rules:\n  SS402: {options: {allow: redis}}\n",
            "2:28: allow is a list of names, not 'redis'",
        ),
        (
            "rules:\n  SS402: {options: {allow: [1]}}\n",
            "2:28: allow is a list of names, not a list",
        ),
        ("rules:\n  SS402: {options: {allow: ['']}}\n", "2:28: allow is a list of names"),
        (
            "rules:\n  SS301: {options: {entropy_hex: high}}\n",
            "2:34: entropy_hex is a number, not 'high'",
        ),
        (
            "rules:\n  SS301: {options: {entropy_hex: true}}\n",
            "2:34: entropy_hex is a number, not true",
        ),
        (
            "rules:\n  SS301: {options: {entropy_hex: 4.5}}\n",
            "2:34: entropy_hex is above 0 and at most 4",
        ),
        (
            "rules:\n  SS301: {options: {entropy_base64: 0}}\n",
            "entropy_base64 is above 0 and at most 6",
        ),
        ("rules:\n  SS301: {options: [x]}\n", "2:20: options is a mapping, not a list"),
        ("rule:\n  SS402: off\n", "1:1: unknown key 'rule'; did you mean 'rules'?"),
        (
            "version: 1\n",
            "1:1: unknown key 'version'; a config has `extends`, `max_findings` and `rules`",
        ),
        ("max_findings: -1\n", "1:15: max_findings is a whole number (0 shows every finding)"),
        ("max_findings: true\n", "1:15: max_findings is a whole number (0 shows every finding)"),
        (
            "extends: strcit\n",
            "1:10: extends is default or strict, not 'strcit'; did you mean 'strict'?",
        ),
        ("extends: 2\n", "1:10: extends is default or strict, not 2"),
        ("rules: [SS402]\n", "1:8: rules is a mapping of rule to level, not a list"),
        (
            "rules:\n  SS402: off\n  image-unpinned: info\n",
            "3:3: 'image-unpinned' is configured twice (also as 'SS402', line 2)",
        ),
        ("- SS402\n", "1:1: the top level of a config is a mapping"),
        ("rules: {SS402: off\n", "2:1: invalid YAML: while parsing a flow mapping"),
        ("rules: {}\nrules: {}\n", "2:1: duplicate key 'rules'"),
    ],
)
def test_each_problem_is_reported_with_file_line_and_column(
    tmp_path: Path, text: str, problem: str
) -> None:
    [found] = problems(tmp_path, text)
    if re.match(r"\d+:\d+: ", problem):
        assert found.startswith(f"{CONFIG_NAME}:{problem}"), found
    else:
        assert re.match(rf"{re.escape(CONFIG_NAME)}:\d+:\d+: ", found), found
        assert problem in found, found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, "extends: lax\nrules:\n  SS499: off\n  SS402: maybe\n")
    assert [p.split(": ")[0] for p in found] == [
        f"{CONFIG_NAME}:1:10",
        f"{CONFIG_NAME}:3:3",
        f"{CONFIG_NAME}:4:10",
    ]


def test_config_error_is_a_usage_error_with_exit_code_2(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load(tmp_path, "rules: {SS499: off}\n")
    assert isinstance(caught.value, StagespecError)
    assert caught.value.exit_code == 2
    assert caught.value.details[0].startswith(f"{CONFIG_NAME}:1:9: unknown rule")


def test_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert "nope.yaml:1:1: no such file" in caught.value.details[0]
