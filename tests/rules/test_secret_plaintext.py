"""SS301 on its own: where each finding points, what its message says and never says."""

from __future__ import annotations

import textwrap

import pytest

from stagespec.diagnostics import dotted_path
from stagespec.load.document import load_text
from stagespec.rules import secret_plaintext

SECRET = "Vq7Kx2Wz9Jm4"


def _findings(body: str) -> list[tuple[str, str]]:
    text = "stagespec: 1\nproject: demo\n" + textwrap.dedent(body)
    doc = load_text(text, "stack.yaml")
    return [(dotted_path(f.path), f.message) for f in secret_plaintext.check_data(doc)]


@pytest.mark.parametrize(
    ("body", "path", "says"),
    [
        (
            f"services:\n  api:\n    command: [redis-server, --requirepass, {SECRET}]\n",
            "services.api.command.2",
            "a password given to --requirepass in plain text;",
        ),
        (
            f"services:\n  api:\n    healthcheck: {{test: [CMD, redis-cli, -a, {SECRET}]}}\n",
            "services.api.healthcheck.test.3",
            "a password given to -a in plain text;",
        ),
        (
            f'services:\n  api:\n    command: "mysqladmin ping -p{SECRET}"\n',
            "services.api.command",
            "a password given to -p in plain text (from character 19 of the value);",
        ),
        (
            "services:\n  api:\n    environment: {POSTGRES_PASSWORD: 48151623}\n",
            "services.api.environment.POSTGRES_PASSWORD",
            "holds a password in plain text;",
        ),
        (
            f"secrets:\n  db_password: {SECRET}\n",  # a value where a declaration belongs
            "secrets.db_password",
            "holds a password in plain text;",
        ),
        (
            f"x-defaults:\n  url: postgres://app:{SECRET}@db/app\n",
            "x-defaults.url",
            "holds a URL with a password in plain text;",
        ),
    ],
)
def test_finding_points_at_the_value_and_says_what_it_is(body: str, path: str, says: str) -> None:
    found = _findings(body)
    assert [where for where, _ in found] == [path]
    message = found[0][1]
    assert message.startswith(f"{path} holds ") and says in message
    assert not any(SECRET[i : i + 4] in message for i in range(len(SECRET) - 3))


@pytest.mark.parametrize(
    "body",
    [
        "secrets:\n  db: {env: DB_PASSWORD}\n  cert: {file: ./certs/db.pem}\n",
        "services:\n  api:\n    command: [redis-server, --requirepass, $REDIS_PASSWORD]\n",
        "services:\n  api:\n    environment: {DB_PASSWORD: {secret: db}, RETRIES: 3}\n",
        "services:\n  api:\n    healthcheck: {test: [CMD, mysqladmin, ping, -p$MYSQL_PWD]}\n",
        "services:\n  api:\n    ports: ['8080:80', 9090]\n",
    ],
)
def test_references_and_plain_settings_are_no_finding(body: str) -> None:
    assert _findings(body) == []
