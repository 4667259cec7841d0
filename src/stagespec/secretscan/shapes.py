"""What plain-text secrets look like: token shapes, and the words that name a secret.

Data for :mod:`stagespec.secretscan.scanner`, which holds the logic; nothing here looks at a
value except the two character-class checks a token shape may ask for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = [
    "META_PREFIXES",
    "META_SUFFIXES",
    "NOUNS",
    "SENSITIVE_PAIRS",
    "SENSITIVE_STEMS",
    "SENSITIVE_WORDS",
    "TOKEN_SHAPES",
    "WEAK_VALUES",
    "TokenShape",
    "has_classes",
    "has_digit",
]


def has_classes(text: str) -> bool:
    """True when text mixes upper case, lower case and digits (real keys do)."""
    return (
        any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and any(c.isdigit() for c in text)
    )


def has_digit(text: str) -> bool:
    """True when text holds a digit."""
    return any(c.isdigit() for c in text)


class LazyPattern:
    """A regular expression compiled when it is first used. A scan of an ordinary spec never
    needs most of the shapes here (their needles are not in it), and compiling all of them
    would cost every `validate` its start-up milliseconds."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source, self._flags = source, flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled expression."""
        if self._compiled is None:
            self._compiled = re.compile(self._source, self._flags)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        """`re.Pattern.search`."""
        return self.compiled.search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """`re.Pattern.finditer`."""
        return self.compiled.finditer(text)


@dataclass(frozen=True)
class TokenShape:
    """A kind of token recognised by its shape alone, wherever it is written."""

    kind: str
    description: str
    pattern: LazyPattern
    # Literal text every match contains: a value without any is skipped cheaply, which
    # keeps a scan of a huge scalar from running every pattern over it.
    needles: tuple[str, ...]
    check: Callable[[str], bool] | None = None


_B = r"(?<![A-Za-z0-9_])"  # start-of-token boundary

TOKEN_SHAPES: tuple[TokenShape, ...] = (
    TokenShape(
        "private-key",
        "a private key block",
        LazyPattern(
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?",
            re.DOTALL,
        ),
        ("-----BEGIN",),
    ),
    TokenShape(
        "jwt",
        "a JSON Web Token",
        LazyPattern(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*"),
        ("eyJ",),
    ),
    TokenShape(
        "aws-access-key",
        "an AWS access key ID",
        LazyPattern(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
        ("AKIA", "ASIA"),
    ),
    TokenShape(
        "github-token",
        "a GitHub token",
        LazyPattern(_B + r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    TokenShape(
        "gitlab-token",
        "a GitLab personal access token",
        LazyPattern(_B + r"glpat-[A-Za-z0-9_-]{20,}"),
        ("glpat-",),
    ),
    TokenShape(
        "slack-webhook",
        "a Slack webhook URL",
        LazyPattern(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]+"),
        ("https://hooks.slack.com/",),
    ),
    TokenShape(
        "discord-webhook",
        "a Discord webhook URL",
        LazyPattern(
            r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]+"
        ),
        ("https://",),
    ),
    TokenShape(
        "slack-token",
        "a Slack token",
        LazyPattern(r"(?<![A-Za-z0-9])xox[baprs]-[A-Za-z0-9-]{10,}"),
        ("xox",),
        has_digit,
    ),
    TokenShape(
        "anthropic-key",
        "an Anthropic API key",
        LazyPattern(r"(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}"),
        ("sk-ant-",),
        has_classes,
    ),
    TokenShape(
        "openai-key",
        "an OpenAI API key",
        LazyPattern(r"(?<![A-Za-z0-9_-])sk-(?!ant-)[A-Za-z0-9_-]{20,}"),
        ("sk-",),
        has_classes,
    ),
    TokenShape(
        "stripe-key",
        "a Stripe live secret key",
        LazyPattern(_B + r"[sr]k_live_[A-Za-z0-9]{10,}"),
        ("k_live_",),
    ),
    TokenShape(
        "google-api-key",
        "a Google API key",
        LazyPattern(r"(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])"),
        ("AIza",),
    ),
    TokenShape(
        "sendgrid-key",
        "a SendGrid API key",
        LazyPattern(r"(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
        ("SG.",),
    ),
    TokenShape(
        "npm-token",
        "an npm access token",
        LazyPattern(_B + r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
        ("npm_",),
    ),
    TokenShape(
        "huggingface-token",
        "a Hugging Face access token",
        LazyPattern(_B + r"hf_[A-Za-z]{34}(?![A-Za-z0-9])"),
        ("hf_",),
    ),
)


# The words of a key (split on separators and camelCase) that say its value is a secret.
SENSITIVE_WORDS = frozenset(
    {
        "password", "passwd", "passphrase", "passcode", "pwd", "pw", "pass",
        "secret", "secrets", "token", "credential", "credentials", "creds",
        "auth", "authorization", "apikey", "requirepass", "masterauth",
    }
)  # fmt: skip
SENSITIVE_STEMS = (
    "password", "passwd", "passphrase", "secret", "token",
    "apikey", "accesskey", "privatekey", "secretkey", "credentials",
)  # fmt: skip
SENSITIVE_PAIRS = frozenset(
    {
        ("api", "key"), ("access", "key"), ("private", "key"), ("secret", "key"),
        ("signing", "key"), ("encryption", "key"), ("master", "key"), ("app", "key"),
        ("account", "key"), ("license", "key"), ("hmac", "key"), ("session", "key"),
        ("shared", "key"), ("connection", "string"),
    }
)  # fmt: skip
# A key ending with one of these words holds metadata about a secret, not the secret.
META_SUFFIXES = frozenset(
    {
        "file", "files", "path", "paths", "dir", "directory", "location", "mount",
        "user", "username", "usr", "login", "owner", "group",
        "header", "headers", "name", "names", "label", "field", "param", "ref", "env",
        "var", "id", "ids", "arn", "url", "urls", "uri", "endpoint", "endpoints",
        "host", "hostname", "port", "region", "zone", "realm", "issuer", "audience",
        "scope", "scopes", "expiry", "expires", "expiration", "expire", "exp", "ttl",
        "timeout", "lifetime", "age", "interval", "duration", "period", "seconds",
        "secs", "sec", "ms", "minutes", "hours", "days", "length", "len", "size",
        "count", "limit", "min", "max", "bits", "bytes", "rounds", "iterations",
        "type", "types", "kind", "method", "methods", "mode", "strategy", "enabled",
        "enable", "disabled", "required", "provider", "backend", "driver", "source",
        "mechanism", "plugin", "module", "class", "handler", "store", "manager",
        "db", "database", "algorithm", "alg", "format", "encoding", "version",
        "prefix", "suffix", "pattern", "regex", "policy", "rotation", "strength",
        "complexity", "level", "description", "help", "hint", "stdin",
    }
)  # fmt: skip
META_PREFIXES = frozenset(
    {
        "max", "min", "num", "use", "enable", "disable", "require", "allow", "is",
        "has", "no", "skip", "existing",
    }
)  # fmt: skip
WEAK_VALUES = frozenset(
    {"changeme", "change_me", "password", "passw0rd", "secret", "admin", "root", "letmein"}
)
# What a value under a key is called in a message, by the first stem the key's words hold.
NOUNS = (
    (("pass", "pwd", "pw", "masterauth"), "a password"),
    (("token",), "a token"),
    (("secret",), "a secret"),
    (("key",), "a key"),
    (("cred", "auth"), "a credential"),
)
