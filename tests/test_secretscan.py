"""Tests for stagespec.secretscan.

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

from stagespec.secretscan import ELLIPSIS, Finding, redact, scan

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
    ("DATABASE_URL", "postgres://user:pass@host/db", "url-password"),
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
    # high entropy
    ("SETTING", RANDOM_B64_40, "high-entropy-base64"),
    ("X", RANDOM_HEX_64, "high-entropy-hex"),
    (None, "--signing-salt " + RANDOM_B64_40, "high-entropy-base64"),
]

TRUE_NEGATIVES: list[Row] = [
    # interpolation references and placeholders
    ("DB_PASSWORD", "${DB_PASSWORD}", None),
    ("DB_PASSWORD", "${DB_PASSWORD:-x}", None),
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
    "--token=" + GITHUB_TOKEN: GITHUB_TOKEN,
    f"https://x-access-token:{GITHUB_TOKEN}@github.com/acme/app.git": GITHUB_TOKEN,
    "Bearer " + JWT: JWT,
    "curl -fsS https://admin:Pa55w0rd@localhost:8443/health": "Pa55w0rd",
    "postgres://user:pass@host/db": "pass",
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
    assert finding.description
    assert value not in finding.description
    assert not _leaks(finding.description, secret)
    assert value not in finding.redacted
    if expected == "url-password":
        assert f":{ELLIPSIS}@" in finding.redacted
        assert f":{secret}@" not in finding.redacted
    else:
        assert not _leaks(finding.redacted, secret)
        assert len(finding.redacted.replace(ELLIPSIS, "")) <= 6


def test_url_redaction_keeps_everything_but_the_password() -> None:
    finding = scan("DATABASE_URL", "postgres://user:pass@host/db")
    assert finding == Finding(
        "url-password", "a password in a URL", f"postgres://user:{ELLIPSIS}@host/db"
    )


def test_token_redaction_shows_only_prefix_and_suffix() -> None:
    finding = scan("MODEL", OPENAI_KEY)
    assert finding is not None
    assert finding.redacted == f"sk-p{ELLIPSIS}{OPENAI_KEY[-2:]}"


def test_embedded_token_is_redacted_alone() -> None:
    finding = scan(None, "--token=" + GITHUB_TOKEN)
    assert finding is not None
    assert finding.redacted == f"ghp_{ELLIPSIS}{GITHUB_TOKEN[-2:]}"


def test_short_values_are_fully_hidden() -> None:
    finding = scan("POSTGRES_PASSWORD", "hunter2")
    assert finding is not None
    assert finding.redacted == ELLIPSIS


def test_weak_value_description_does_not_echo_it() -> None:
    finding = scan("admin_password", "password")
    assert finding is not None
    assert "password" not in finding.description.lower()


@pytest.mark.parametrize("length", range(0, 70))
def test_redact_reveals_at_most_six_characters(length: int) -> None:
    value = _rand(length, _B64 + "!@#$%")
    hidden = redact(value)
    assert ELLIPSIS in hidden
    assert len(hidden.replace(ELLIPSIS, "", 1)) <= 6
    if length < 12:
        assert hidden == ELLIPSIS
    else:
        assert hidden == value[:4] + ELLIPSIS + value[-2:]
        assert not _leaks(hidden, value)


def test_finding_is_frozen() -> None:
    finding = Finding("jwt", "a JSON Web Token", ELLIPSIS)
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
    # A partly interpolated value is not a plain literal, so only the entropy
    # rule sees it; a 24-char token stays under the default base64 limit but
    # not under the stricter limit used for sensitive keys.
    value = "${ENV_PREFIX}" + RANDOM_B64_40[:24]
    assert scan("SETTING", value) is None
    finding = scan("SESSION_SECRET", value)
    assert finding is not None
    assert finding.kind == "high-entropy-base64"


def test_every_token_shape_is_covered_and_its_needles_are_sound() -> None:
    """A shape skips values without one of its needles; a needle that is not in a
    real token of that shape would hide it, so each shape's table rows must hold one."""
    from stagespec.secretscan import _TOKEN_SHAPES

    found = {kind: value for _, value, kind in TRUE_POSITIVES}
    for shape in _TOKEN_SHAPES:
        assert shape.kind in found, f"no true positive of {shape.kind} in the table"
        match = shape.pattern.search(found[shape.kind])
        assert match is not None
        assert any(needle in match.group() for needle in shape.needles), shape.kind
