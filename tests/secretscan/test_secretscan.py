"""Tests for stagespec.secretscan.scanner.

Every token-shaped value below is fake and assembled at import time from fixed
pieces and a seeded PRNG, so no credential-looking literal sits in the source.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import FrozenInstanceError

import pytest

from stagespec.secretscan.scanner import Finding, names_secret, scan, scan_words

_RNG = random.Random(1234)
_ALNUM = string.ascii_letters + string.digits
_B64 = _ALNUM + "+/"
_B64URL = _ALNUM + "-_"
_HEXCHARS = "0123456789abcdef"
_UPPER_DIGITS = string.ascii_uppercase + string.digits


def _rand(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(_RNG.choice(alphabet) for _ in range(length))


def _b64url_json(obj: dict[str, object]) -> str:
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


GITHUB_TOKEN = "ghp" + "_" + _rand(36)
GITHUB_PAT = "github" + "_pat_" + _rand(22) + "_" + _rand(59)
GITLAB_TOKEN = "glpat" + "-" + _rand(20)
OPENAI_KEY = "sk-" + "proj-" + _rand(48, _B64URL) + _rand(26, _B64URL)
ANTHROPIC_KEY = "sk-" + "ant-api03-" + _rand(80, _B64URL)
SLACK_TOKEN = (
    "xox" + "b-" + _rand(12, string.digits) + "-" + _rand(13, string.digits) + "-" + _rand(24)
)
SLACK_WEBHOOK = (
    "https://hooks.slack.com/services/"
    + "T" + _rand(8, _UPPER_DIGITS) + "/B" + _rand(10, _UPPER_DIGITS) + "/" + _rand(24)
)  # fmt: skip
STRIPE_KEY = "sk" + "_live_" + _rand(24)
GOOGLE_KEY = "AI" + "za" + _rand(35, _B64URL)
NPM_TOKEN = "npm" + "_" + _rand(36)
HF_TOKEN = "hf" + "_" + _rand(34, string.ascii_letters)
SENDGRID_KEY = "SG" + "." + _rand(22, _B64URL) + "." + _rand(43, _B64URL)
DISCORD_WEBHOOK = (
    "https://discord.com/api/" + "webhooks/" + _rand(18, string.digits) + "/" + _rand(68, _B64URL)
)
AWS_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"  # AWS's documented example id
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"  # AWS's documented example
JWT = ".".join(
    (
        _b64url_json({"alg": "HS256", "typ": "JWT"}),
        _b64url_json({"sub": "1234567890", "name": "Jane Doe", "iat": 1516239022}),
        _rand(43, _B64URL),
    )
)
PRIVATE_KEY = (
    "-----BEGIN RSA " + "PRIVATE KEY-----\n"
    + "\n".join(_rand(64, _B64) for _ in range(4))
    + "\n-----END RSA " + "PRIVATE KEY-----\n"
)  # fmt: skip
RANDOM_B64_40 = _rand(40, _B64)
RANDOM_HEX_64 = _rand(64, _HEXCHARS)
RANDOM_HEX_32 = _rand(32, _HEXCHARS)
DIGEST = "sha256:" + _rand(64, _HEXCHARS)
SRI = "sha384-" + _rand(64, _B64)
UUID = "3f6c2b1e-8d4a-4f7b-9c2e-5a1d0e9b7c44"
PY_HEALTHCHECK = (
    "import urllib.request; urllib.request.urlopen('http://localhost:8080/health', timeout=3)"
)

Row = tuple[str | None, str, str | None]

TRUE_POSITIVES: list[Row] = [
    # known token shapes, under any key or none
    ("MODEL", OPENAI_KEY, "openai-key"),
    ("OPENAI_API_KEY", OPENAI_KEY, "openai-key"),
    ("LLM", ANTHROPIC_KEY, "anthropic-key"),
    ("AWS_ACCESS_KEY_ID", AWS_KEY_ID, "aws-access-key"),
    ("AWS_SECRET_ACCESS_KEY", AWS_SECRET, "aws-secret-key"),
    ("S3_SECRET_ACCESS_KEY", AWS_SECRET, "aws-secret-key"),
    ("GITHUB_TOKEN", GITHUB_TOKEN, "github-token"),
    (None, "--token=" + GITHUB_TOKEN, "github-token"),
    ("repo", f"https://x-access-token:{GITHUB_TOKEN}@github.com/acme/app.git", "github-token"),
    ("GH", GITHUB_PAT, "github-token"),
    ("CI", GITLAB_TOKEN, "gitlab-token"),
    ("SLACK_BOT_TOKEN", SLACK_TOKEN, "slack-token"),
    ("alert_target", SLACK_WEBHOOK, "slack-webhook"),
    ("Authorization", "Bearer " + JWT, "jwt"),
    ("tls_key", PRIVATE_KEY, "private-key"),
    ("PAYMENTS", STRIPE_KEY, "stripe-key"),
    ("maps", GOOGLE_KEY, "google-api-key"),
    ("NPM_CONFIG", NPM_TOKEN, "npm-token"),
    ("MODELS", HF_TOKEN, "huggingface-token"),
    ("MAIL", SENDGRID_KEY, "sendgrid-key"),
    ("alerts", DISCORD_WEBHOOK, "discord-webhook"),
    # URLs with a password
    ("DATABASE_URL", "postgres://user:s3cr3t@host/db", "url-password"),
    ("BROKER_URL", "amqp://guest:guest@rabbitmq:5672//", "url-password"),
    ("test", "curl -fsS https://admin:Pa55w0rd@localhost:8443/health", "url-password"),
    ("CACHE", "redis://:r3disPass@redis:6379/0", "url-password"),
    # sensitive key names with literal values
    ("POSTGRES_PASSWORD", "hunter2", "sensitive-key"),
    ("REDIS_PASSWORD", "changeme", "sensitive-key"),
    ("admin_password", "password", "sensitive-key"),
    ("clientSecret", "abc123def", "sensitive-key"),
    ("x-api-key", "dashboard-key-2024", "sensitive-key"),
    ("DB_PASS", "Tr0ub4dor&3", "sensitive-key"),
    ("JWT_SECRET", RANDOM_HEX_32, "sensitive-key"),
    ("basicAuth", "grafana:hunter22", "sensitive-key"),
    (None, "--requirepass=s3cr3tP4ssw0rd!", "sensitive-key"),
    (None, "POSTGRES_PASSWORD=hunter2", "sensitive-key"),
    ("command", "redis-server --requirepass s3cr3t --appendonly yes", "sensitive-key"),
    ("webhook", "https://example.com/hook?channel=ops&token=AbC123xyz", "sensitive-key"),
    # a `$` inside a literal value excuses nothing (the emitters escape it)
    ("SECRET_KEY", "django-insecure-8f#k2@x!m9q$w7z^v5b&n3c*", "sensitive-key"),
    ("DB_PASSWORD", "st4g$$ng-Wq8Lm2Vx", "sensitive-key"),
    ("DB_PASSWORD", "prefix-${DB_PASSWORD}", "sensitive-key"),
    ("DB_PASSWORD", "${DB_PASSWORD:-Wq8Lm2Vx}", "sensitive-key"),
    ("DATABASE_URL", "postgres://app:p$ssw0rd@db:5432/app", "url-password"),
    # digits are a password under a key that names one
    ("POSTGRES_PASSWORD", "48151623", "sensitive-key"),
    ("REDIS_PASSWORD", "123", "sensitive-key"),
    ("PIN_SECRET", "0000", "sensitive-key"),
    # passwords placed by position in a command
    ("test", "mysqladmin ping -h localhost -uroot -pWq8Lm2Vx", "command-password"),
    ("command", "sh -c 'echo \"masterauth Wq8Lm2Vx\" >> /etc/redis.conf'", "command-password"),
    ("command", "redis-cli CONFIG SET requirepass Wq8Lm2Vx", "command-password"),
    ("test", "redis-cli -a Wq8Lm2Vx ping", "command-password"),
    ("command", "sshpass -p Wq8Lm2Vx ssh deploy@host", "command-password"),
    ("command", "psql -c \"ALTER USER app WITH PASSWORD 'Wq8Lm2Vx'\"", "command-password"),
    ("command", "mysql -e \"CREATE USER app IDENTIFIED BY 'Wq8Lm2Vx'\"", "command-password"),
    ("test", "PGPASSWORD=Wq8Lm2Vx psql -U app -c 'select 1'", "sensitive-key"),
    ("command", "redis-server --masterauth Wq8Lm2Vx", "sensitive-key"),
    # high entropy
    ("SETTING", RANDOM_B64_40, "high-entropy-base64"),
    ("X", RANDOM_HEX_64, "high-entropy-hex"),
    (None, "--signing-salt " + RANDOM_B64_40, "high-entropy-base64"),
]

TRUE_NEGATIVES: list[Row] = [
    # interpolation references and placeholders
    ("DB_PASSWORD", "${DB_PASSWORD}", None),
    ("DB_PASSWORD", "${DB_PASSWORD:-}", None),
    ("DB_PASSWORD", "${DB_PASSWORD:?set DB_PASSWORD}", None),
    ("DB_PASSWORD", "$DB_PASSWORD", None),
    ("api_key", "{{ .Values.apiKey }}", None),
    ("API_KEY", "<your-key-here>", None),
    ("SECRET", "xxx", None),
    ("TOKEN", "***", None),
    ("PASSWORD", "", None),
    ("DATABASE_URL", "postgres://${DB_USER}:${DB_PASSWORD}@db:5432/app", None),
    (None, "POSTGRES_PASSWORD=${POSTGRES_PASSWORD}", None),
    # keys that hold metadata about a secret
    ("POSTGRES_USER", "inventario_user", None),
    ("GF_SECURITY_ADMIN_PASSWORD__FILE", "/run/secrets/grafana_admin_password", None),
    ("PASSWORD", "/run/secrets/db_password", None),
    ("request_id_header", "X-Request-ID", None),
    ("AUTH_HEADER", "Authorization", None),
    ("secretName", "db-credentials", None),
    ("TOKEN_URL", "https://auth.example.com/oauth/token", None),
    ("OIDC_TOKEN_ENDPOINT", "https://login.example.com/oauth2/v1/token", None),
    ("TOKEN_EXPIRY", "1h", None),
    ("SESSION_TOKEN_TTL", "15m", None),
    ("password_min_length", "12", None),
    ("max_tokens", "4096", None),
    ("auth_type", "oauth2", None),
    ("AUTH_METHOD", "scram-sha-256", None),
    ("AUTH_ENABLED", "true", None),
    ("authSource", "admin", None),
    ("AWS_REGION", "eu-west-1", None),
    (None, "--password-file=/run/secrets/db", None),
    ("PASSWORD_RESET", "1", None),
    ("password_min_length", "16", None),
    # commands that read the password at run time, or whose option is no password
    ("test", "mysqladmin ping -uroot -p$MYSQL_ROOT_PASSWORD", None),
    ("test", 'mysqladmin ping -uroot -p"$MYSQL_ROOT_PASSWORD"', None),
    ("test", "mysql -p inventory", None),
    ("test", 'redis-cli -a "$(cat /run/secrets/redis_password)" ping', None),
    ("command", "redis-server --requirepass $(cat /run/secrets/redis_password)", None),
    ("command", "tar -pxzf backup.tar.gz -C /data", None),
    ("command", "psql -c 'SELECT password FROM pg_shadow LIMIT 0'", None),
    # ordinary values
    ("REDIS_URL", "redis://redis:6379/0", None),
    ("S3_ENDPOINT_URL", "http://localstack:4566", None),
    ("CSP", "default-src 'self'; img-src 'self' data:; script-src 'self'", None),
    ("image", "postgres:15-alpine", None),
    ("image", "localstack/localstack:3.8", None),
    ("image", "ghcr.io/acme/inventario-api@" + DIGEST, None),
    ("digest", DIGEST, None),
    ("integrity", SRI, None),
    ("request_id", UUID, None),
    ("POSTGRES_DB", "inventario_retail_staging", None),
    ("view", "stock_levels_view", None),
    ("SEQ", "abcdefghijklmnopqrstuvwxyz", None),
    ("COUNTER", "01234567890123456789012345", None),
    ("test", PY_HEALTHCHECK, None),
    (None, "pg_isready -U inventario_user -d inventario_retail_staging", None),
    ("command", "gunicorn app.wsgi:application --bind 0.0.0.0:8000 --workers 4", None),
    ("volume", "./data/postgres:/var/lib/postgresql/data", None),
    ("model", "gpt-4o-mini-2024-07-18", None),
    ("deployment", "sk-learn-forecasting-pipeline-prod", None),
    ("pod", "inventario-retail-api-7d9f8b6c5-x2k4p", None),
    ("GIT_COMMIT", RANDOM_HEX_64[:40], None),
]

CASES = TRUE_POSITIVES + TRUE_NEGATIVES
CANARY = "Wq8Lm2Vx"
WEAK_VALUES = {"password", "changeme"}


def _case_id(row: Row) -> str:
    key, value, kind = row
    return f"{key}:{kind or 'clean'}:{value[:12]}"


@pytest.mark.parametrize(("key", "value", "expected"), CASES, ids=map(_case_id, CASES))
def test_scan_table(key: str | None, value: str, expected: str | None) -> None:
    finding = scan(key, value)
    assert (finding.kind if finding else None) == expected


def test_table_is_large_and_balanced() -> None:
    assert len(CASES) >= 45
    assert len(TRUE_POSITIVES) >= 20
    assert len(TRUE_NEGATIVES) >= 20


def _leaks(text: str, value: str, longest: int = 4) -> list[str]:
    """Substrings of ``value`` longer than ``longest`` characters found in ``text``."""
    size = longest + 1
    return [value[i : i + size] for i in range(len(value) - longest) if value[i : i + size] in text]


# For rows whose value embeds the secret in a longer string, the secret itself:
# that is what must not leak (the surrounding text, e.g. "token", may).
EMBEDDED_SECRETS: dict[str, str] = {
    DISCORD_WEBHOOK: DISCORD_WEBHOOK.rpartition("/")[2],  # the rest is the public API path
    SLACK_WEBHOOK: SLACK_WEBHOOK.rpartition("/")[2],
    STRIPE_KEY: STRIPE_KEY.removeprefix("sk_live_"),  # the prefix is the shape's name
    "--token=" + GITHUB_TOKEN: GITHUB_TOKEN,
    f"https://x-access-token:{GITHUB_TOKEN}@github.com/acme/app.git": GITHUB_TOKEN,
    "Bearer " + JWT: JWT,
    "curl -fsS https://admin:Pa55w0rd@localhost:8443/health": "Pa55w0rd",
    "postgres://user:s3cr3t@host/db": "s3cr3t",
    "amqp://guest:guest@rabbitmq:5672//": "guest",
    "redis://:r3disPass@redis:6379/0": "r3disPass",
    "--requirepass=s3cr3tP4ssw0rd!": "s3cr3tP4ssw0rd!",
    "POSTGRES_PASSWORD=hunter2": "hunter2",
    "redis-server --requirepass s3cr3t --appendonly yes": "s3cr3t",
    "https://example.com/hook?channel=ops&token=AbC123xyz": "AbC123xyz",
    "--signing-salt " + RANDOM_B64_40: RANDOM_B64_40,
}


@pytest.mark.parametrize(
    ("key", "value", "expected"), TRUE_POSITIVES, ids=map(_case_id, TRUE_POSITIVES)
)
def test_finding_never_reveals_the_value(key: str | None, value: str, expected: str) -> None:
    finding = scan(key, value)
    assert finding is not None
    secret = EMBEDDED_SECRETS.get(value, value)
    if CANARY in value:
        secret = CANARY
    if secret in WEAK_VALUES:  # "password" is a weak value and the word for what it is
        return
    assert finding.description
    assert value not in finding.description
    assert not _leaks(finding.description, secret, longest=3)
    assert set(vars(finding)) == {"kind", "description", "offset"}


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("redis-server --requirepass Wq8Lm2Vx --appendonly yes", "Wq8Lm2Vx"),
        ("mysqladmin ping -uroot -pWq8Lm2Vx", "Wq8Lm2Vx"),
        ("echo 'masterauth Wq8Lm2Vx' >> redis.conf", "Wq8Lm2Vx"),
        ("psql postgres://app:Wq8Lm2Vx@db/app", "postgres://"),
        ("--token=" + GITHUB_TOKEN, GITHUB_TOKEN),
    ],
)
def test_offset_is_where_the_secret_starts(value: str, secret: str) -> None:
    finding = scan(None, value)
    assert finding is not None
    assert value[finding.offset :].startswith(secret.strip("'"))


def test_description_names_the_option_not_the_value() -> None:
    finding = scan("command", "redis-server --requirepass Wq8Lm2Vx")
    assert finding == Finding("sensitive-key", "a password given to --requirepass", 27)
    assert scan("DATABASE_URL", "postgres://user:s3cr3t@host/db") == Finding(
        "url-password", "a URL with a password", 0
    )
    assert scan("POSTGRES_PASSWORD", "hunter2") == Finding("sensitive-key", "a password", 0)


def test_weak_value_description_does_not_echo_it() -> None:
    finding = scan("admin_password", "password")
    assert finding is not None
    assert finding.description == "a password that is a weak, well-known default"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["redis-server", "--requirepass", "Wq8Lm2Vx"], [(2, "sensitive-key")]),
        (["redis-server", "--masterauth", "Wq8Lm2Vx", "--port", "6380"], [(2, "sensitive-key")]),
        (["mysqladmin", "ping", "-uroot", "-pWq8Lm2Vx"], [(3, "command-password")]),
        (["redis-cli", "-a", "Wq8Lm2Vx", "ping"], [(2, "command-password")]),
        (["redis-cli", "CONFIG", "SET", "requirepass", "Wq8Lm2Vx"], [(4, "command-password")]),
        (["env", "PGPASSWORD=Wq8Lm2Vx", "psql"], [(1, "sensitive-key")]),
        (["CMD", "mysqladmin", "ping", "-p$MYSQL_ROOT_PASSWORD"], []),
        (["mysql", "-p", "inventory"], []),
        (["cp", "-pr", "/src", "/dst"], []),
        (["gunicorn", "--workers", "4", "--bind", "0.0.0.0:8000"], []),
    ],
)
def test_scan_words_reads_an_option_and_its_value_as_separate_items(
    words: list[str], expected: list[tuple[int, str]]
) -> None:
    assert [(index, f.kind) for index, f in scan_words(words)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MYSQL_PASSWORD x", True),
        ("POSTGRES_PASSWORD: x", True),
        ("api-token=1", True),
        ("LOG_LEVEL debug", False),
        ("POSTGRES_USER: app", False),
    ],
)
def test_names_secret(text: str, expected: bool) -> None:
    assert names_secret(text) is expected


def _scan_cpu(repeats: int) -> float:
    import time

    value = "mysql -p requirepass PASSWORD identified by " * repeats
    started = time.process_time()  # CPU time: what neighbours on the machine change least
    scan(None, value)
    scan_words(value.split()[: repeats * 2])
    return time.process_time() - started


def test_command_scan_is_linear() -> None:
    """Words that each start a command shape grow the scan's work as they grow in number.

    Measured as a ratio, so the machine's speed and load cancel out: 4x the words take
    about 4x the time when linear, 16x when quadratic; 9x is the limit. The larger run is
    4.4 MB, half the size limit of a spec. Each size takes the best of a few runs: on a
    busy machine one run's CPU time varied 1.8x, and only ever upwards.
    """
    _scan_cpu(1_000)  # warm: compiles the patterns
    small = min(_scan_cpu(25_000) for _ in range(3))
    large = min(_scan_cpu(100_000) for _ in range(2))
    assert large < 9 * small + 0.05, (small, large)


def test_finding_is_frozen() -> None:
    finding = Finding("jwt", "a JSON Web Token", 0)
    with pytest.raises(FrozenInstanceError):
        finding.kind = "other"  # type: ignore[misc]


def test_precedence_token_shape_beats_sensitive_key() -> None:
    finding = scan("PASSWORD", GITHUB_TOKEN)
    assert finding is not None
    assert finding.kind == "github-token"


def test_precedence_url_password_beats_sensitive_key() -> None:
    finding = scan("SECRET_DSN", "mysql://app:hunter2@db/app")
    assert finding is not None
    assert finding.kind == "url-password"


def test_sensitive_key_lowers_entropy_thresholds() -> None:
    # A path is not a plain-text secret, so only the entropy rule sees it; a 24-char
    # token stays under the default base64 limit but not under the stricter limit
    # used for sensitive keys.
    value = "/opt/" + RANDOM_B64_40[:24].replace("/", "x")
    assert scan("SETTING", value) is None
    finding = scan("SESSION_SECRET", value)
    assert finding is not None
    assert finding.kind == "high-entropy-base64"


def test_every_token_shape_is_covered_and_its_needles_are_sound() -> None:
    """A shape skips values without one of its needles; a needle that is not in a
    real token of that shape would hide it, so each shape's table rows must hold one."""
    from stagespec.secretscan.shapes import TOKEN_SHAPES as _TOKEN_SHAPES

    found = {kind: value for _, value, kind in TRUE_POSITIVES}
    for shape in _TOKEN_SHAPES:
        assert shape.kind in found, f"no true positive of {shape.kind} in the table"
        match = shape.pattern.search(found[shape.kind])
        assert match is not None
        assert any(needle in match.group() for needle in shape.needles), shape.kind
