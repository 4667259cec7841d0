"""Detect secrets written in plain text inside a stack spec.

Pure library: no I/O and no printing. The single entry point is :func:`scan`, which
looks at one literal string found in the spec (and the mapping key it sits under)
and returns the most specific :class:`Finding`, or ``None``.

Rules, by precedence (the first rule that fires wins):

1. known token shapes anywhere in the value (AWS, GitHub, OpenAI, Slack, ...);
2. URLs carrying a literal password (``scheme://user:password@host``);
3. a literal value under a sensitive key name (``POSTGRES_PASSWORD: hunter2``), or
   assigned to a sensitive option/variable inside the string
   (``--requirepass=...``, ``DB_PASSWORD=...``, ``?token=...``);
4. high-entropy base64/hex tokens, in the spirit of detect-secrets' defaults.

A finding never carries the value itself: only a redacted form of it.
"""

from __future__ import annotations

import functools
import math
import re
import string
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise

__all__ = ["ELLIPSIS", "Finding", "redact", "scan"]

ELLIPSIS = "\u2026"
"""The character standing in for hidden text in redacted values."""

_REDACT_MIN_LEN = 12


@dataclass(frozen=True)
class Finding:
    """One suspected plain-text secret.

    ``kind`` is a short machine id, ``description`` human text that never contains
    the value, ``redacted`` the offending value with at most its first 4 and last 2
    characters visible (URLs keep everything but the password).
    """

    kind: str
    description: str
    redacted: str


# detect-secrets' default limits; lower under a key that names a secret.
_B64_LIMIT, _HEX_LIMIT = 4.5, 3.0
_B64_LIMIT_SENSITIVE, _HEX_LIMIT_SENSITIVE = 3.5, 2.5


def redact(value: str) -> str:
    """Hide ``value``: first 4 and last 2 characters for 12+ chars, else nothing."""
    if len(value) < _REDACT_MIN_LEN:
        return ELLIPSIS
    return f"{value[:4]}{ELLIPSIS}{value[-2:]}"


@functools.lru_cache(maxsize=4096)
def scan(
    key: str | None,
    value: str,
    *,
    entropy_base64: float = _B64_LIMIT,
    entropy_hex: float = _HEX_LIMIT,
) -> Finding | None:
    """Return the most specific finding for a literal string `value` found under
    mapping key `key` (None when in a list, e.g. a command argument). The entropy
    thresholds are lowered by the defaults' margins under a sensitive key."""
    return (
        _token_finding(key, value)
        or _url_password_finding(value)
        or _sensitive_key_finding(key, value)
        or _entropy_finding(key, value, entropy_base64, entropy_hex)
    )


def _finding(kind: str, description: str, redacted: str, value: str) -> Finding:
    """Build a finding, making sure the description cannot echo the value."""
    secret = value.strip().lower()
    if len(secret) >= 4 and secret in description.lower():
        description = "a possible plain-text credential"
    return Finding(kind=kind, description=description, redacted=redacted)


# --------------------------------------------------------------------------- #
# Rule 1: known token shapes
# --------------------------------------------------------------------------- #


def _has_classes(text: str) -> bool:
    """True when text mixes upper case, lower case and digits (real keys do)."""
    return (
        any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and any(c.isdigit() for c in text)
    )


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


@dataclass(frozen=True)
class _TokenShape:
    kind: str
    description: str
    pattern: re.Pattern[str]
    # Literal text every match contains: a value without any is skipped cheaply, which
    # keeps a scan of a huge scalar from running every pattern over it.
    needles: tuple[str, ...]
    check: Callable[[str], bool] | None = None


_B = r"(?<![A-Za-z0-9_])"  # start-of-token boundary

_TOKEN_SHAPES: tuple[_TokenShape, ...] = (
    _TokenShape(
        "private-key",
        "a private key block",
        re.compile(
            r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?",
            re.DOTALL,
        ),
        ("-----BEGIN",),
    ),
    _TokenShape(
        "jwt",
        "a JSON Web Token",
        re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*"),
        ("eyJ",),
    ),
    _TokenShape(
        "aws-access-key",
        "an AWS access key ID",
        re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
        ("AKIA", "ASIA"),
    ),
    _TokenShape(
        "github-token",
        "a GitHub token",
        re.compile(_B + r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _TokenShape(
        "gitlab-token",
        "a GitLab personal access token",
        re.compile(_B + r"glpat-[A-Za-z0-9_-]{20,}"),
        ("glpat-",),
    ),
    _TokenShape(
        "slack-webhook",
        "a Slack webhook URL",
        re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]+"),
        ("https://hooks.slack.com/",),
    ),
    _TokenShape(
        "discord-webhook",
        "a Discord webhook URL",
        re.compile(
            r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]+"
        ),
        ("https://",),
    ),
    _TokenShape(
        "slack-token",
        "a Slack token",
        re.compile(r"(?<![A-Za-z0-9])xox[baprs]-[A-Za-z0-9-]{10,}"),
        ("xox",),
        _has_digit,
    ),
    _TokenShape(
        "anthropic-key",
        "an Anthropic API key",
        re.compile(r"(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,}"),
        ("sk-ant-",),
        _has_classes,
    ),
    _TokenShape(
        "openai-key",
        "an OpenAI API key",
        re.compile(r"(?<![A-Za-z0-9_-])sk-(?!ant-)[A-Za-z0-9_-]{20,}"),
        ("sk-",),
        _has_classes,
    ),
    _TokenShape(
        "stripe-key",
        "a Stripe live secret key",
        re.compile(_B + r"[sr]k_live_[A-Za-z0-9]{10,}"),
        ("k_live_",),
    ),
    _TokenShape(
        "google-api-key",
        "a Google API key",
        re.compile(r"(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])"),
        ("AIza",),
    ),
    _TokenShape(
        "sendgrid-key",
        "a SendGrid API key",
        re.compile(r"(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
        ("SG.",),
    ),
    _TokenShape(
        "npm-token",
        "an npm access token",
        re.compile(_B + r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
        ("npm_",),
    ),
    _TokenShape(
        "huggingface-token",
        "a Hugging Face access token",
        re.compile(_B + r"hf_[A-Za-z]{34}(?![A-Za-z0-9])"),
        ("hf_",),
    ),
)

_AWS_SECRET_LEN = 40
_AWS_SECRET_RE = re.compile(
    rf"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{{{_AWS_SECRET_LEN}}}(?![A-Za-z0-9/+=])"
)


def _token_finding(key: str | None, value: str) -> Finding | None:
    for shape in _TOKEN_SHAPES:
        if not any(needle in value for needle in shape.needles):
            continue
        for match in shape.pattern.finditer(value):
            token = match.group()
            if shape.check is None or shape.check(token):
                return _finding(shape.kind, shape.description, redact(token), value)
    pairs = _pairs(key, value) if len(value) >= _AWS_SECRET_LEN else ()  # each value is a part
    for pair_key, pair_value in pairs:
        if _is_aws_secret_key_name(pair_key):
            found = _AWS_SECRET_RE.search(pair_value)
            if found and _has_classes(found.group()):
                return _finding(
                    "aws-secret-key", "an AWS secret access key", redact(found.group()), value
                )
    return None


def _is_aws_secret_key_name(key: str) -> bool:
    words = _key_words(key)
    if "secretaccesskey" in "".join(words):
        return True
    return "aws" in words and any("secret" in word for word in words)


# --------------------------------------------------------------------------- #
# Rule 2: URLs with a password
# --------------------------------------------------------------------------- #

_URL_RE = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")
_AUTHORITY_RE = re.compile(r"[^/?#]*")


def _split_url(url: str) -> tuple[str, str, str]:
    """Split a URL into (``scheme://``, authority, rest)."""
    scheme, _, tail = url.partition("://")
    authority = _AUTHORITY_RE.match(tail)
    end = authority.end() if authority else 0
    return f"{scheme}://", tail[:end], tail[end:]


def _url_password_finding(value: str) -> Finding | None:
    if "://" not in value:
        return None
    for match in _URL_RE.finditer(value):
        head, authority, rest = _split_url(match.group())
        userinfo, at, host = authority.rpartition("@")
        if not at or ":" not in userinfo:
            continue
        user, _, password = userinfo.partition(":")
        if _is_reference_or_placeholder(password):
            continue
        redacted = f"{head}{user}:{ELLIPSIS}@{host}{rest}"
        return _finding("url-password", "a password in a URL", redacted, value)
    return None


def _url_userinfo(url: str) -> str:
    """The part of a URL before ``@`` (empty when absent): it may hold a token."""
    _, authority, _ = _split_url(url)
    userinfo, _, _ = authority.rpartition("@")
    return userinfo


# --------------------------------------------------------------------------- #
# Rule 3: sensitive key names (and embedded ``key=value`` / ``--flag value``)
# --------------------------------------------------------------------------- #

_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

_SENSITIVE_WORDS = frozenset(
    {
        "password", "passwd", "passphrase", "passcode", "pwd", "pw", "pass",
        "secret", "secrets", "token", "credential", "credentials", "creds",
        "auth", "authorization", "apikey", "requirepass", "masterauth",
    }
)  # fmt: skip
_SENSITIVE_STEMS = (
    "password", "passwd", "passphrase", "secret", "token",
    "apikey", "accesskey", "privatekey", "secretkey", "credentials",
)  # fmt: skip
_SENSITIVE_PAIRS = frozenset(
    {
        ("api", "key"), ("access", "key"), ("private", "key"), ("secret", "key"),
        ("signing", "key"), ("encryption", "key"), ("master", "key"), ("app", "key"),
        ("account", "key"), ("license", "key"), ("hmac", "key"), ("session", "key"),
        ("shared", "key"), ("connection", "string"),
    }
)  # fmt: skip
# A key ending with one of these words holds metadata about a secret, not the secret.
_META_SUFFIXES = frozenset(
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
_META_PREFIXES = frozenset(
    {
        "max", "min", "num", "use", "enable", "disable", "require", "allow", "is",
        "has", "no", "skip", "existing",
    }
)  # fmt: skip
_WEAK_VALUES = frozenset(
    {"changeme", "change_me", "password", "passw0rd", "secret", "admin", "root", "letmein"}
)

_EMBEDDED_ASSIGN_RE = re.compile(
    r"(?:^|(?<=[\s;&|?'\"]))(?:--?)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)="
    r"(?P<val>\"[^\"]*\"|'[^']*'|[^\s;&|#'\"]+)"
)
_EMBEDDED_FLAG_RE = re.compile(
    r"(?:^|(?<=\s))--?(?P<key>[A-Za-z][A-Za-z0-9_.-]*)\s+"
    r"(?P<val>\"[^\"]*\"|'[^']*'|[^\s;&|'\"-][^\s;&|]*)"
)


def _key_words(key: str) -> list[str]:
    """Split a key on separators and camelCase, lower-cased, digits dropped."""
    return [word.lower() for word in _CAMEL_RE.findall(key) if not word.isdigit()]


@functools.lru_cache(maxsize=4096)
def _is_sensitive_key(key: str) -> bool:
    """True when a key name says its value is a secret (and not metadata about one)."""
    words = _key_words(key)
    if not words or words[-1] in _META_SUFFIXES or words[0] in _META_PREFIXES:
        return False
    if any(word in _SENSITIVE_WORDS or word.endswith(_SENSITIVE_STEMS) for word in words):
        return True
    return any(pair in _SENSITIVE_PAIRS for pair in pairwise(words))


def _pairs(key: str | None, value: str) -> Iterator[tuple[str, str]]:
    """(key, value) pairs to judge: the mapping entry itself, then any
    ``key=value`` / ``--flag value`` written inside the string."""
    if key is not None:
        yield key, value
    for regex, needle in ((_EMBEDDED_ASSIGN_RE, "="), (_EMBEDDED_FLAG_RE, "-")):
        if needle not in value:
            continue
        for match in regex.finditer(value):
            yield match.group("key"), match.group("val").strip("'\"")


def _sensitive_key_finding(key: str | None, value: str) -> Finding | None:
    for index, (pair_key, pair_value) in enumerate(_pairs(key, value)):
        if not _is_sensitive_key(pair_key) or _is_non_secret_literal(pair_value):
            continue
        embedded = index > 0 or key is None
        if pair_value.strip().lower() in _WEAK_VALUES:
            description = "a weak, well-known value under a key that names a secret"
        elif embedded:
            description = "a value assigned to a secret-named option or variable"
        else:
            description = "a value under a key that names a secret"
        return _finding("sensitive-key", description, redact(pair_value), value)
    return None


# --------------------------------------------------------------------------- #
# Values that are obviously not secrets
# --------------------------------------------------------------------------- #

_REFERENCE_RE = re.compile(
    r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*?\}\}|%\([A-Za-z_][A-Za-z0-9_]*\)s"
)
_NON_SECRET_WORDS = frozenset(
    {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "none", "nil", "~",
     "enabled", "disabled"}
)  # fmt: skip
_PLACEHOLDER_RE = re.compile(r"<[^<>]*>|[xX*#.\u2022_-]{3,}|[\[(]?redacted[\])]?", re.IGNORECASE)
_NON_SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"),  # numbers
    re.compile(r"(?:~|\.{1,2})?/\S*"),  # paths such as /run/secrets/x
    re.compile(r"(?:arn:aws[a-z-]*:|vault:|file:|secretref:)\S*", re.IGNORECASE),
    _URL_RE,  # reached only for URLs without a password
)


def _is_reference_or_placeholder(value: str) -> bool:
    """True for empty values, interpolation references (``${VAR}``, ``$VAR``,
    ``{{ var }}``; ``$$`` is an escaped dollar) and placeholders (``<key>``, ``***``)."""
    text = value.strip().strip("'\"").strip()
    return (
        not text
        or _REFERENCE_RE.search(text.replace("$$", "")) is not None
        or _PLACEHOLDER_RE.fullmatch(text) is not None
    )


def _is_non_secret_literal(value: str) -> bool:
    """True for values that cannot be a plain-text secret: empty, references,
    placeholders, booleans, numbers, paths, credential-less URLs."""
    text = value.strip().strip("'\"").strip()
    return (
        _is_reference_or_placeholder(text)
        or text.lower() in _NON_SECRET_WORDS
        or any(pattern.fullmatch(text) for pattern in _NON_SECRET_PATTERNS)
    )


# --------------------------------------------------------------------------- #
# Rule 4: high entropy
# --------------------------------------------------------------------------- #

_MIN_TOKEN_LEN = 20
_WORDLIKE_CHUNK_LEN = 3.0

_HEX = "0123456789abcdef"
_NOISE_RE = re.compile(
    r"(?:sha(?:1|224|256|384|512)|md5):[0-9a-fA-F]{32,128}"  # digests
    r"|sha(?:256|384|512)-[A-Za-z0-9+/]+={0,2}"  # subresource integrity
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # UUIDs
    r"|" + _REFERENCE_RE.pattern
)
_CANDIDATE_RE = re.compile(r"[A-Za-z0-9+/_-]+")
_HEX_RE = re.compile(r"[0-9a-fA-F]+")
_SEPARATOR_RE = re.compile(r"[-_/]+")
_PLAIN_WORD_RE = re.compile(r"[a-z]{4,}|[A-Z]{4,}|[A-Z][a-z]{3,}")
_CHUNK_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_SEQUENCES = tuple(
    run * 3
    for base in (
        string.ascii_lowercase + string.digits,
        string.digits + string.ascii_lowercase,
        _HEX,
        "qwertyuiopasdfghjklzxcvbnm",
    )
    for run in (base, base[::-1])
)
_HASH_KEY_WORDS = frozenset(
    {"sha", "digest", "checksum", "hash", "commit", "revision", "rev", "fingerprint",
     "etag", "integrity", "md"}
)  # fmt: skip


def _entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    size = len(text)
    return -sum(n / size * math.log2(n / size) for n in Counter(text).values())


def _is_boring(token: str) -> bool:
    """Tokens that are long but obviously not secrets: numbers, sequences
    (``abcdef...``, ``0123...``) and identifiers/paths made of words."""
    if token.isdigit():
        return True
    lowered = token.lower()
    if any(lowered in sequence for sequence in _SEQUENCES):
        return True
    chunks = _CHUNK_RE.findall(token)
    return not chunks or sum(map(len, chunks)) / len(chunks) >= _WORDLIKE_CHUNK_LEN


def _entropy_candidates(value: str) -> Iterator[str]:
    """Tokens of ``value`` worth an entropy check, with known non-secrets removed
    (digests, UUIDs, references; URLs keep only their user-info part)."""
    # every kind of noise holds one of these characters: most values skip the pattern
    text = _NOISE_RE.sub(" ", value) if any(c in value for c in ":-${%") else value
    if "://" in text:
        text = _URL_RE.sub(lambda m: f" {_url_userinfo(m.group())} ", text)
    for match in _CANDIDATE_RE.finditer(text):
        for token in _split_identifier(match.group().strip("-_/")):
            if len(token) >= _MIN_TOKEN_LEN and not _is_boring(token):
                yield token


def _split_identifier(token: str) -> list[str]:
    """``inventario-api-7d9f8b6c5-x2k4p`` is a name with a random suffix, not a
    secret: when a token has a plain word between its ``-``/``_``/``/``
    separators, judge each part on its own."""
    parts = _SEPARATOR_RE.split(token)
    if len(parts) > 1 and any(_PLAIN_WORD_RE.fullmatch(part) for part in parts):
        return parts
    return [token]


def _entropy_finding(
    key: str | None, value: str, b64_limit: float, hex_limit: float
) -> Finding | None:
    if len(value) < _MIN_TOKEN_LEN:  # every candidate is a part of the value
        return None
    if key is not None and _is_sensitive_key(key):
        b64_limit -= _B64_LIMIT - _B64_LIMIT_SENSITIVE
        hex_limit -= _HEX_LIMIT - _HEX_LIMIT_SENSITIVE
    hash_key = key is not None and not _HASH_KEY_WORDS.isdisjoint(_key_words(key))
    for token in _entropy_candidates(value):
        if _HEX_RE.fullmatch(token):
            if not hash_key and _entropy(token) > hex_limit:
                description = "a high-entropy hex string (possible secret)"
                return _finding("high-entropy-hex", description, redact(token), value)
        elif _entropy(token) > b64_limit:
            description = "a high-entropy base64 string (possible secret)"
            return _finding("high-entropy-base64", description, redact(token), value)
    return None
