"""No command shows any piece of a secret: canaries in every place a value can stand.

Each canary is a made-up secret. Every place it can be written in a spec gets a spec of
its own, otherwise valid, so that a canary the secret scan missed would reach the built
files instead of hiding behind another finding. Every command then runs on it (validate
in every format, also into files; build for compose and Kubernetes; fmt; diff; env
check; explain), and so do import (on compose files) and env check (on env files and
secret files). No 4-character piece of a canary may appear in any output or in any file
a command writes (the spec `fmt` rewrites is the user's own file and holds it, of course).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from stagespec.cli.main import main

_RNG = random.Random(20261201)
# Every 4 characters of a canary hold an upper-case letter that is no hex digit, so a
# piece cannot turn up by chance in a digest, a number or an English word.
_UPPER = "GHJKMNPQRSTVWXYZ"
_OTHER = string.ascii_lowercase + string.digits


def _canary(length: int = 12) -> str:
    return "".join(_RNG.choice(_UPPER if i % 3 == 0 else _OTHER) for i in range(length))


def _pieces(canary: str, size: int = 4) -> set[str]:
    return {canary[i : i + size] for i in range(len(canary) - size + 1)}


def _leaks(text: str, canaries: list[str]) -> list[str]:
    return sorted(piece for c in canaries for piece in _pieces(c) if piece in text)


# Digits have no letter to tell them apart: these two are checked where no digest or
# timing is written (every spec holding one is refused).
DIGITS_QUOTED, DIGITS_PLAIN = "73920584", "61837295"

# name -> (lines under `services.api`, top-level lines, the canary written there)
Place = tuple[str, str, str]


def _places() -> dict[str, Place]:
    c = {name: _canary() for name in "abcdefghijklmnopqrstuvwxyz"}
    token, blob = _canary(36), _canary(40)
    dollar = c["b"][:5] + "$" + c["b"][5:]
    glued = f"Zq9w{c['s']}"
    overlay = "environments:\n  staging:\n    services:\n      api:\n        environment:\n"
    return {
        "env-secret-name": (f'environment: {{POSTGRES_PASSWORD: "{c["a"]}"}}', "", c["a"]),
        "env-dollar": (f'environment: {{SECRET_KEY: "{dollar}"}}', "", dollar),
        "env-digits-quoted": (
            f'environment: {{POSTGRES_PASSWORD: "{DIGITS_QUOTED}"}}',
            "",
            DIGITS_QUOTED,
        ),
        "env-digits-plain": (f"environment: {{DB_PASSWORD: {DIGITS_PLAIN}}}", "", DIGITS_PLAIN),
        "env-neutral-token": (f'environment: {{SCM: "ghp_{token}"}}', "", token),
        "env-neutral-url": (
            f'environment: {{UPSTREAM: "https://ops:{c["c"]}@hooks.example.com/x"}}',
            "",
            c["c"],
        ),
        "env-neutral-entropy": (f'environment: {{BLOB: "{blob}"}}', "", blob),
        "env-default": (
            f'environment: {{FALLBACK_PASSWORD: "${{FALLBACK_PASSWORD:-{c["d"]}}}"}}',
            "",
            c["d"],
        ),
        "command-requirepass": (f'command: "redis-server --requirepass {c["e"]}"', "", c["e"]),
        "command-password-equals": (f'command: "app --password={c["f"]}"', "", c["f"]),
        "command-list-requirepass": (
            f"command: [redis-server, --requirepass, {c['g']}]",
            "",
            c["g"],
        ),
        "command-list-masterauth": (
            f"command: [redis-server, --masterauth, {c['h']}, --port, '6380']",
            "",
            c["h"],
        ),
        "command-directive": (
            f"command: \"sh -c 'echo masterauth {c['i']} >> /r.conf && redis-server /r.conf'\"",
            "",
            c["i"],
        ),
        "command-pgpassword": (f'command: "PGPASSWORD={c["j"]} psql -h db -U app"', "", c["j"]),
        "command-list-pgpassword": (f"command: [env, 'PGPASSWORD={c['k']}', psql]", "", c["k"]),
        "command-sql": (
            f"command: [psql, -c, \"ALTER USER app WITH PASSWORD '{c['l']}'\"]",
            "",
            c["l"],
        ),
        "command-url": (f"command: [psql, 'postgres://app:{c['m']}@db/app']", "", c["m"]),
        "healthcheck-mysql-shell": (
            f'healthcheck: {{test: [CMD-SHELL, "mysqladmin ping -uroot -p{c["n"]}"]}}',
            "",
            c["n"],
        ),
        "healthcheck-mysql-list": (
            f"healthcheck: {{test: [CMD, mysqladmin, ping, -uroot, '-p{c['o']}']}}",
            "",
            c["o"],
        ),
        "healthcheck-redis-cli": (
            f"healthcheck: {{test: [CMD, redis-cli, -a, {c['p']}, ping]}}",
            "",
            c["p"],
        ),
        "healthcheck-url": (
            f"healthcheck: {{test: [CMD, curl, -f, 'http://admin:{c['q']}@localhost/health']}}",
            "",
            c["q"],
        ),
        "overlay": ("", f'{overlay}          REDIS_PASSWORD: "{c["r"]}"', c["r"]),
        # a short option with its value glued on is no option name for the word after it
        "command-list-glued-option": (f"command: [mysql, '-pZq9w{c['s']}', app]", "", glued),
        "command-glued-option": (f'command: "mysql -pZq9w{c["t"]} app"', "", f"Zq9w{c['t']}"),
    }


PLACES = _places()
CLEAN = """stagespec: 1
project: canary
services:
  api:
    image: api:1.0
    healthcheck: {test: [CMD, ping]}
"""


def _spec(place: Place) -> str:
    lines, top, _ = place
    health = "" if lines.startswith("healthcheck") else "    healthcheck: {test: [CMD, ping]}\n"
    body = f"    {lines}\n" if lines else ""
    head = "stagespec: 1\nproject: canary\nservices:\n  api:\n    image: api:1.0\n"
    return f"{head}{health}{body}{top}\n"


class Run:
    """Runs commands in one folder and collects every output and every file written."""

    def __init__(self, folder: Path, canaries: list[str]) -> None:
        self.folder, self.canaries = folder, canaries
        self.leaks: list[tuple[str, str, list[str]]] = []

    def files(self) -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in self.folder.rglob("*") if p.is_file()}

    def __call__(self, *args: str, env: dict[str, str] | None = None, own: str = "") -> int:
        before = self.files()
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        label = " ".join(args)
        for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            if found := _leaks(text, self.canaries):
                self.leaks.append((label, stream, found))
        for path, data in self.files().items():
            if before.get(path) != data and path.name != own:
                text = data.decode("utf-8", "replace")
                if found := _leaks(text, self.canaries):
                    self.leaks.append((label, str(path.relative_to(self.folder)), found))
        return result.exit_code


FORMATS = ("text", "json", "github", "sarif", "junit")


def _every_command(run: Run, spec: str, clean: str) -> list[tuple[str, int]]:
    """Run every command on `spec`; return (command, exit code) of each."""
    codes = [(f"validate --format {f}", run("validate", "--format", f, spec)) for f in FORMATS]
    outputs = [arg for f in FORMATS for arg in ("--output", f"{f}=report.{f}")]
    codes.append(("validate --output", run("validate", spec, *outputs)))
    codes.append(("build", run("build", spec, "--out", "out-compose")))
    codes.append(("build k8s", run("build", spec, "--target", "k8s", "--out", "out-k8s")))
    codes.append(("build --check", run("build", spec, "--check", "--out", "out-compose")))
    codes.append(("diff", run("diff", clean, spec)))
    codes.append(("diff back", run("diff", spec, clean)))
    codes.append(("env check", run("env", "check", spec, env={"DB_PASSWORD": "x"})))
    codes.append(("fmt --check", run("fmt", "--check", spec)))
    codes.append(("fmt", run("fmt", spec, own=Path(spec).name)))
    codes.append(("explain", run("explain", "SS301")))
    return codes


@pytest.mark.parametrize("name", sorted(PLACES))
def test_no_command_shows_a_canary(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("clean.yaml").write_text(CLEAN, encoding="utf-8")
    Path("stack.yaml").write_text(_spec(PLACES[name]), encoding="utf-8")
    run = Run(tmp_path, [PLACES[name][2]])
    codes = dict(_every_command(run, "stack.yaml", "clean.yaml"))
    assert run.leaks == []
    # the canary is found: validate fails and build writes nothing
    assert codes["validate --format text"] == 1, name
    assert codes["build"] == 1 and not Path("out-compose").exists(), name
    assert codes["build k8s"] == 1 and not Path("out-k8s").exists(), name


def test_the_clean_spec_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The specs above fail because of their canary alone."""
    monkeypatch.chdir(tmp_path)
    Path("clean.yaml").write_text(CLEAN, encoding="utf-8")
    assert CliRunner().invoke(main, ["validate", "clean.yaml"]).exit_code == 0
    assert CliRunner().invoke(main, ["build", "clean.yaml", "--out", "out"]).exit_code == 0


def _compose(c: Callable[[], str]) -> tuple[str, list[str]]:
    canaries = [c() for _ in range(11)]
    a, b, d, e, f, g, h, i, j, k, n = canaries
    text = f"""services:
  db:
    image: postgres:15
    environment:
      - POSTGRES_PASSWORD: {a}
      - "MYSQL_PASSWORD {b}"
      - "REDIS_PASSWORD={d}"
      - "DATABASE_URL=postgres://app:{e}@db/app"
      - PIN_PASSWORD=73920584
    healthcheck:
      test: ["CMD-SHELL", "mysqladmin ping -uroot -p{f}"]
  cache:
    image: redis:7
    command: ["redis-server", "--requirepass", "{g}", "--masterauth", "{h}"]
    healthcheck:
      test: ["CMD", "redis-cli", "-a", "{i}", "ping"]
    environment:
      SECRET_KEY: "dj$${j}"
      NESTED_PASSWORD: {{value: {k}}}
  web:
    image: nginx:1.27
    command: "sh -c 'PGPASSWORD={n} psql -h db'"
"""
    return text, [*canaries, "73920584"]


def test_import_shows_no_canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text, canaries = _compose(_canary)
    Path("docker-compose.yml").write_text(text, encoding="utf-8")
    run = Run(tmp_path, canaries)
    assert run("import", "docker-compose.yml", "-o", "stack.yaml") == 0
    for fmt in FORMATS:
        run("validate", "--format", fmt, "stack.yaml")
    run("build", "stack.yaml", "--out", "out")
    assert run.leaks == []
    assert Path("stack.yaml").exists()


def test_env_check_shows_no_canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    c = [_canary() for _ in range(8)]
    Path("stack.yaml").write_text(
        CLEAN.replace(
            "services:",
            "secrets:\n  db: {env: DB_PASSWORD}\n"
            "  api_key: {env: API_KEY}\n  cert: {file: ./cert.pem}\nservices:",
        )
        + "    environment:\n      DB_PASSWORD: {secret: db}\n      API_KEY: {secret: api_key}\n"
        "      CERT: {secret: cert}\n",
        encoding="utf-8",
    )
    Path("cert.pem").write_text(f"{c[0]}\n", encoding="utf-8")
    Path(".env.one").write_text(
        f"DB_PASSWORD={c[1]}\nMYSQL_PASSWORD {c[2]}\nexport API_KEY='{c[3]}'\n"
        f'BROKEN="{c[4]}\n{c[5]} = {c[6]}\n',
        encoding="utf-8",
    )
    run = Run(tmp_path, c)
    run("env", "check", "stack.yaml", "--env-file", ".env.one")
    run("env", "check", "stack.yaml", env={"DB_PASSWORD": c[7], "API_KEY": c[7]})
    run("build", "stack.yaml", "--out", "out")
    run("validate", "stack.yaml", "--format", "json")
    assert run.leaks == []
