"""`env check`: the env-file parser, what a deploy needs, and that no value ever shows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from stagespec.envcheck.check import (
    ENVIRONMENT,
    EnvReport,
    Requirement,
    check_environment,
    format_report,
    parse_env,
    select_environment,
)
from stagespec.errors import UsageError
from stagespec.load.document import load_text
from stagespec.model.spec import Spec
from stagespec.targets.compose.secrets import required_variables

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
TEXT = REFERENCE.read_text(encoding="utf-8")
CANARY = "canary-Zq8w-value"
NEEDED = {
    "POSTGRES_PASSWORD",
    "DASHBOARD_API_KEY",
    "OPENAI_API_KEY",
    "GRAFANA_ADMIN_PASSWORD",
    "S3_SECRET_ACCESS_KEY",
}


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


def _spec(text: str = TEXT, env: str = "staging") -> Spec:
    return select_environment(load_text(text, "stack.yaml"), env)


def _all_set(**overrides: str) -> dict[str, str]:
    environ = dict.fromkeys(NEEDED, CANARY)
    environ.update(overrides)
    return environ


def _by_secret(report: EnvReport) -> dict[str, Requirement]:
    return {r.secret: r for r in report.requirements}


def _check(environ: dict[str, str], files: list[Path] | None = None, text: str = TEXT) -> EnvReport:
    return check_environment(_spec(text), environ, files or [], REFERENCE.parent)


# --- the parser ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A=1", {"A": "1"}),
        ("A=", {"A": ""}),
        ('A=""', {"A": ""}),
        ("A=''", {"A": ""}),
        ("export A=1", {"A": "1"}),
        ("  A = spaced value  ", {"A": "spaced value"}),
        ("A=val # comment", {"A": "val"}),
        ("A=val# not a comment", {"A": "val# not a comment"}),
        ('A="val # not a comment"', {"A": "val # not a comment"}),
        ('A="val" # comment', {"A": "val"}),
        ("A='$OTHER ${OTHER}'", {"A": "$OTHER ${OTHER}"}),
        ("A='Let\\'s go'", {"A": "Let's go"}),
        ('A="{\\"k\\": 1}"', {"A": '{"k": 1}'}),
        ('A="a\\tb\\nc\\\\d"', {"A": "a\tb\nc\\d"}),
        ("A=a\\tb", {"A": "a\\tb"}),
        ('A="line one\nline two" # c\nB=2', {"A": "line one\nline two", "B": "2"}),
        ("A=1\r\nB=2\r\n", {"A": "1", "B": "2"}),
        ("\ufeffA=1", {"A": "1"}),
        ("# comment\n\n   # indented comment\nA=1", {"A": "1"}),
        ("A=1\nB=$A-${A}", {"A": "1", "B": "1-1"}),
        ("A=${UNSET:-dflt}|${UNSET-d2}|${UNSET:+alt}|$UNSET|x", {"A": "dflt|d2|||x"}),
        ("E=\nA=${E:-d}|${E-d}|${E:+a}|${E+a}", {"E": "", "A": "d|||a"}),
        ("A=$$HOME", {"A": "$HOME"}),
        ('A="\\$HOME"', {"A": "$HOME"}),
        ("BARE_KEY\nA=1", {"A": "1"}),
        ("A=1\nA=2", {"A": "2"}),
        ("dotted.name=1", {"dotted.name": "1"}),
    ],
)
def test_parse_env(text: str, expected: dict[str, str]) -> None:
    assert parse_env(text, ".env") == (expected, [])


def test_interpolation_looks_up_the_environment_first() -> None:
    found, _ = parse_env("A=file\nB=$A", ".env", {"A": "shell"}.get)
    assert found["B"] == "shell"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (f"{CANARY} {CANARY}", 1, "expected KEY=VALUE"),
        (f"1A={CANARY}", 1, "expected KEY=VALUE"),
        (f"A=1\nB='{CANARY}", 2, "B: the single-quoted value never ends"),
        (f'B="{CANARY}\nmore', 1, "B: the double-quoted value never ends"),
        (f'B="{CANARY}" {CANARY}', 1, "B: unexpected text after the closing quote"),
        (f"B= #{CANARY}", 1, "B: the value starts with `#`"),
        (f"B={CANARY}${{UNSET:?{CANARY}}}", 1, "B: ${UNSET:?...} fails: UNSET is unset or empty"),
        ("B=${UNSET?x}", 1, "B: ${UNSET?...} fails: UNSET is unset"),
        ("B=${A:-${C}}", 1, "B: unsupported `${...}`"),
        ("B=${1}", 1, "B: unsupported `${...}`"),
    ],
)
def test_lines_that_do_not_parse(text: str, line: int, message: str) -> None:
    found, problems = parse_env(text, "deploy.env")
    assert "B" not in found
    assert [(p.file, p.line) for p in problems] == [("deploy.env", line)]
    assert problems[0].message.startswith(message)
    assert CANARY not in problems[0].format()


def test_a_problem_does_not_stop_the_file() -> None:
    found, problems = parse_env("not a line\nA=1\n'x'\nB=2", "f")
    assert found == {"A": "1", "B": "2"}
    assert [p.line for p in problems] == [1, 3]


# --- what is needed -------------------------------------------------------------------------


@pytest.mark.parametrize("env", ["staging", "production"])
def test_needed_variables_are_what_compose_interpolates(env: str) -> None:
    spec = _spec(env=env)
    report = check_environment(spec, {}, [], REFERENCE.parent)
    needed = [r.name for r in report.requirements if r.source == "env" and r.status != "not needed"]
    assert sorted(needed) == sorted(var for var, _ in required_variables(spec))


def test_all_present() -> None:
    report = _check(_all_set())
    assert report.ok
    assert {r.status for r in report.requirements} == {"present"}
    assert {r.origin for r in report.requirements} == {ENVIRONMENT}
    assert format_report(report).endswith("all 5 needed secrets are provided\n")


def test_who_uses_a_secret() -> None:
    found = _by_secret(_check(_all_set()))
    assert found["postgres_password"].used_by == (
        "services.postgres.environment.POSTGRES_PASSWORD",
        "services.dashboard.environment.DB_PASSWORD",
    )
    assert found["dashboard_api_key"].used_by == (
        "services.dashboard.metrics.api_key",
        "runtime.security.api_key",
    )
    assert found["grafana_admin_password"].used_by == ("monitoring.grafana.admin_password",)


def test_one_missing() -> None:
    environ = _all_set()
    del environ["OPENAI_API_KEY"]
    report = _check(environ)
    assert not report.ok
    assert [(r.name, r.status, r.origin) for r in report.failed] == [
        ("OPENAI_API_KEY", "missing", "")
    ]
    text = format_report(report)
    assert text.splitlines()[0].startswith("missing  OPENAI_API_KEY")  # failures first
    assert "1 of 5 needed secrets missing, empty or unreadable" in text


def test_one_empty() -> None:
    report = _check(_all_set(POSTGRES_PASSWORD=""))
    assert [(r.secret, r.status) for r in report.failed] == [("postgres_password", "empty")]


def test_an_env_file_supplies_a_variable(tmp_path: Path) -> None:
    environ = _all_set()
    del environ["OPENAI_API_KEY"]
    env_file = tmp_path / "deploy.env"
    env_file.write_text(f"# deploy secrets\nexport OPENAI_API_KEY='{CANARY}'\n", encoding="utf-8")
    report = _check(environ, [env_file])
    assert report.ok
    assert _by_secret(report)["openai_api_key"].origin == str(env_file)


def test_precedence_environment_then_later_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    first.write_text(f"OPENAI_API_KEY={CANARY}\nPOSTGRES_PASSWORD={CANARY}\n", encoding="utf-8")
    second.write_text("OPENAI_API_KEY=\nPOSTGRES_PASSWORD=\n", encoding="utf-8")
    environ = _all_set()
    del environ["OPENAI_API_KEY"]
    environ["POSTGRES_PASSWORD"] = CANARY
    found = _by_secret(_check(environ, [first, second]))
    assert (found["openai_api_key"].status, found["openai_api_key"].origin) == (
        "empty",
        str(second),
    )
    assert found["postgres_password"].origin == ENVIRONMENT
    # set but empty in the environment hides a file's value, as with compose's ${VAR:?}
    environ["POSTGRES_PASSWORD"] = ""
    assert _by_secret(_check(environ, [first]))["postgres_password"].status == "empty"


def test_a_file_that_does_not_parse_fails_the_check(tmp_path: Path) -> None:
    env_file = tmp_path / "deploy.env"
    env_file.write_text(f"A=1\n{CANARY}\n", encoding="utf-8")
    report = _check(_all_set(), [env_file])
    assert not report.ok and not report.failed
    text = format_report(report)
    assert f"{env_file}:2: expected KEY=VALUE" in text
    assert CANARY not in text


def test_an_unreadable_env_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read env file"):
        _check(_all_set(), [tmp_path / "nope.env"])
    (tmp_path / "latin1.env").write_bytes(b"A=\xe9\n")
    with pytest.raises(UsageError, match="not UTF-8"):
        _check(_all_set(), [tmp_path / "latin1.env"])


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.mkdir(), "is a directory, not a file"),
        (lambda p: p.write_bytes(b"A=1\nB=s\xe9cret\n"), "is not UTF-8 text (line 2, column 4)"),
        (lambda p: p.write_bytes(b"A=1\n" * (3 << 20)), "is larger than 8 MiB"),
    ],
    ids=["directory", "latin-1", "too-large"],
)
def test_an_env_file_that_cannot_be_read_says_why_and_no_byte_of_it(
    tmp_path: Path, make: object, reason: str
) -> None:
    env_file = tmp_path / "bad.env"
    make(env_file)  # type: ignore[operator]
    with pytest.raises(UsageError) as caught:
        _check(_all_set(), [env_file])
    message = str(caught.value)
    assert message.startswith(f"cannot read env file {env_file}: ") and reason in message
    assert "xe9" not in message and "s\xe9" not in message  # the value's byte is not shown


FILE_SOURCED = _edit(
    TEXT, "postgres_password:      {env: POSTGRES_PASSWORD}", "postgres_password: {file: pg.txt}"
)


@pytest.mark.parametrize(
    ("content", "status"),
    [(CANARY.encode(), "present"), (b"", "empty"), (None, "missing"), ("dir", "unreadable")],
)
def test_a_file_sourced_secret(tmp_path: Path, content: bytes | str | None, status: str) -> None:
    target = tmp_path / "pg.txt"
    if content == "dir":
        target.mkdir()
    elif isinstance(content, bytes):
        target.write_bytes(content)
    report = check_environment(_spec(FILE_SOURCED), _all_set(), [], tmp_path)
    item = _by_secret(report)["postgres_password"]
    assert (item.source, item.name, item.status) == ("file", "pg.txt", status)
    assert report.ok == (status == "present")
    assert "file pg.txt" in format_report(report)


def test_a_secret_only_a_disabled_service_uses_is_not_needed() -> None:
    text = _edit(
        TEXT,
        "      SERVICES: s3\n",
        "      SERVICES: s3\n      AUTH_TOKEN: {secret: localstack_token}\n",
    )
    text = _edit(text, "secrets:\n", "secrets:\n  localstack_token: {env: LOCALSTACK_AUTH_TOKEN}\n")
    report = _check(_all_set(), text=text)
    item = _by_secret(report)["localstack_token"]
    assert (item.status, item.used_by) == ("not needed", ())
    assert report.ok
    assert format_report(report).splitlines()[-2].startswith("not needed")


def test_no_value_is_ever_kept_or_shown(tmp_path: Path) -> None:
    env_file = tmp_path / "deploy.env"
    env_file.write_text(f"OPENAI_API_KEY={CANARY}\nBROKEN {CANARY}\n", encoding="utf-8")
    report = _check(_all_set(OPENAI_API_KEY="", POSTGRES_PASSWORD=CANARY + "2"), [env_file])
    assert CANARY not in repr(report)
    assert CANARY not in format_report(report)
    names = {f.name for f in dataclasses.fields(Requirement)}
    assert names == {"secret", "source", "name", "status", "used_by", "origin"}


# --- choosing the environment -------------------------------------------------------------


def test_select_environment() -> None:
    doc = load_text(TEXT, "stack.yaml")
    assert "localstack" not in select_environment(doc, "production").services
    with pytest.raises(UsageError, match="choose one with --env"):
        select_environment(doc, None)
    with pytest.raises(UsageError, match=r"no environment 'qa'.*staging, production"):
        select_environment(doc, "qa")


def test_select_environment_without_several() -> None:
    single = TEXT[: TEXT.index("environments:")] + "environments:\n  staging: {}\n"
    assert select_environment(load_text(single, "s.yaml"), None).project == "inventario-retail"
    plain = TEXT[: TEXT.index("environments:")]
    assert select_environment(load_text(plain, "s.yaml"), None).project == "inventario-retail"
    with pytest.raises(UsageError, match=r"declares: none"):
        select_environment(load_text(plain, "s.yaml"), "staging")
