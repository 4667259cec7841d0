"""Detect secrets written in plain text inside a stack spec.

Pure library: no I/O and no printing. :func:`scan` looks at one literal string found in
the spec (and the mapping key or option it sits under) and returns the most specific
:class:`Finding`, or ``None``; :func:`scan_words` does the same for each word of a command
written as a list, where an option and its value are separate items.

Rules, by precedence (the first rule that fires wins):

1. known token shapes anywhere in the value (AWS, GitHub, OpenAI, Slack, ...);
2. URLs carrying a literal password (``scheme://user:password@host``);
3. a literal value under a sensitive key name (``POSTGRES_PASSWORD: hunter2``), or
   assigned to a sensitive option/variable inside the string
   (``--requirepass=...``, ``DB_PASSWORD=...``, ``?token=...``);
4. passwords placed by position in a command: ``requirepass X`` / ``masterauth X``
   (Redis directives), ``PASSWORD '...'`` / ``IDENTIFIED BY '...'`` (SQL), and the short
   options of clients that name no password (``mysql -pX``, ``redis-cli -a X``);
5. high-entropy base64/hex tokens, in the spirit of detect-secrets' defaults.

Spec values are literal (the emitters escape ``$``), so a ``$`` inside a value excuses
nothing; only a value that is one whole reference (``${NAME}``, ``$NAME``, ``{{ name }}``,
or ``$(...)`` in a command, which the container's shell runs) is not a secret.

A finding never carries any part of the value: it says what the value looks like and
where it starts in the scanned string.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
import string
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from stagespec.secretscan.shapes import (
    META_PREFIXES,
    META_SUFFIXES,
    NOUNS,
    SENSITIVE_PAIRS,
    SENSITIVE_STEMS,
    SENSITIVE_WORDS,
    TOKEN_SHAPES,
    WEAK_VALUES,
    LazyPattern,
    has_classes,
)

__all__ = [
    "SHORTEST_SELF_EVIDENT",
    "Finding",
    "is_sensitive_key",
    "names_secret",
    "option_name",
    "scan",
    "scan_words",
]


@dataclass(frozen=True)
class Finding:
    """One suspected plain-text secret.

    ``kind`` is a short machine id, ``description`` says what the value looks like ("a
    password given to --requirepass", "a GitHub token") and never holds any of it,
    ``offset`` is where the secret (or the URL holding it) starts in the scanned string.
    """

    kind: str
    description: str
    offset: int = 0


# detect-secrets' default limits; lower under a key that names a secret.
_B64_LIMIT, _HEX_LIMIT = 4.5, 3.0
_B64_LIMIT_SENSITIVE, _HEX_LIMIT_SENSITIVE = 3.5, 2.5


# Shorter than `k=v`, a value holds no pair, token, URL, command or high-entropy string:
# only a key that names a secret makes it one (`PIN: 12`).
SHORTEST_SELF_EVIDENT = 3


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
    if len(value) < SHORTEST_SELF_EVIDENT and (key is None or not _is_sensitive_key(key)):
        return None  # most values of a spec are like this: `80`, `on`; no cache entry
    return _scan(key, value, entropy_base64, entropy_hex)


@functools.lru_cache(maxsize=4096)
def _scan(key: str | None, value: str, entropy_base64: float, entropy_hex: float) -> Finding | None:
    return (
        _token_finding(key, value)
        or _url_password_finding(value)
        or _sensitive_key_finding(key, value)
        or _command_finding(value)
        or _entropy_finding(key, value, entropy_base64, entropy_hex)
    )


def scan_words(
    words: Sequence[str], *, entropy_base64: float = _B64_LIMIT, entropy_hex: float = _HEX_LIMIT
) -> list[tuple[int, Finding]]:
    """Findings of a command written as a list, as (index of the word, finding).

    Each word is scanned under the option before it (``["--requirepass", "X"]`` is
    ``--requirepass X``), then the words are read together for the shapes that depend on
    their position (``["redis-cli", "-a", "X"]``). At most one finding per word.
    """
    found: dict[int, Finding] = {}
    for index, word in enumerate(words):
        option = option_name(words[index - 1]) if index else None
        finding = scan(option, word, entropy_base64=entropy_base64, entropy_hex=entropy_hex)
        if finding is not None:
            found[index] = finding
    for index, finding in _command_words_shapes(words):
        found.setdefault(index, finding)
    return sorted(found.items())


_OPTION_NAME_RE = re.compile(r"--[A-Za-z][A-Za-z0-9_.-]*|-[A-Za-z]")


def option_name(previous: object) -> str | None:
    """An option such as ``--requirepass`` or ``-a`` names the value after it, like a key.

    Only a long option or a one-letter one: ``-pTopSecret`` is an option with its value
    glued on, and taking it for a name would show that value in a message.
    """
    if isinstance(previous, str) and _OPTION_NAME_RE.fullmatch(previous):
        return previous
    return None


def _finding(kind: str, description: str, offset: int = 0) -> Finding:
    """Build a finding. Descriptions are fixed text and the name of an option, which
    :func:`_shown_name` makes sure holds none of the value."""
    return Finding(kind=kind, description=description, offset=offset)


# --------------------------------------------------------------------------- #
# Rule 1: known token shapes (the table is in stagespec.secretscan.shapes)
# --------------------------------------------------------------------------- #

_AWS_SECRET_LEN = 40
_AWS_SECRET_RE = re.compile(
    rf"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{{{_AWS_SECRET_LEN}}}(?![A-Za-z0-9/+=])"
)


# Every needle of every shape at once: most values hold none, and one search says so.
_ANY_NEEDLE = re.compile("|".join(re.escape(n) for s in TOKEN_SHAPES for n in s.needles))


def _token_finding(key: str | None, value: str) -> Finding | None:
    for shape in TOKEN_SHAPES if _ANY_NEEDLE.search(value) else ():
        if not any(needle in value for needle in shape.needles):
            continue
        for match in shape.pattern.finditer(value):
            token = match.group()
            if shape.check is None or shape.check(token):
                return _finding(shape.kind, shape.description, match.start())
    # each value is a part of `value`: without a candidate in it, no pair holds one
    candidate = len(value) >= _AWS_SECRET_LEN and _AWS_SECRET_RE.search(value) is not None
    for _, pair_value, offset in _pairs(key, value, _is_aws_secret_key_name) if candidate else ():
        found = _AWS_SECRET_RE.search(pair_value)
        if found and has_classes(found.group()):
            return _finding("aws-secret-key", "an AWS secret access key", offset + found.start())
    return None


@functools.lru_cache(maxsize=4096)
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
        _, authority, _ = _split_url(match.group())
        userinfo, at, _ = authority.rpartition("@")
        if not at or ":" not in userinfo:
            continue
        _, _, password = userinfo.partition(":")
        if _is_reference_or_placeholder(password):
            continue
        return _finding("url-password", "a URL with a password", match.start())
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

_EMBEDDED_ASSIGN_RE = re.compile(
    r"(?:^|(?<=[\s;&|?'\"]))(?P<key>--[A-Za-z_][A-Za-z0-9_.-]*|-[A-Za-z]|[A-Za-z_][A-Za-z0-9_.-]*)="
    r"(?P<val>\"[^\"]*\"|'[^']*'|[^\s;&|#'\"]+)"
)
_EMBEDDED_FLAG_RE = re.compile(
    r"(?:^|(?<=\s))(?P<key>--[A-Za-z][A-Za-z0-9_.-]*|-[A-Za-z])\s+"
    r"(?P<val>\"[^\"]*\"|'[^']*'|[^\s;&|'\"-][^\s;&|]*)"
)


def _key_words(key: str) -> list[str]:
    """Split a key on separators and camelCase, lower-cased, digits dropped."""
    return [word.lower() for word in _CAMEL_RE.findall(key) if not word.isdigit()]


# Each word that makes a key sensitive is a part of the key, lower-cased: a key in which
# none of them stands is not sensitive, and most keys are told so by one search.
_SENSITIVE_PART = re.compile(
    "|".join(sorted({*SENSITIVE_WORDS, *SENSITIVE_STEMS, *(a for a, _ in SENSITIVE_PAIRS)}))
)


def _is_sensitive_key(key: str) -> bool:
    """True when a key name says its value is a secret (and not metadata about one)."""
    # Most keys are told apart by one search, done before the cache: a spec of many
    # distinct keys would only fill it, each look-up a miss.
    return _SENSITIVE_PART.search(key.lower()) is not None and _names_secret_by_words(key)


is_sensitive_key = _is_sensitive_key


@functools.lru_cache(maxsize=4096)
def _names_secret_by_words(key: str) -> bool:
    words = _key_words(key)
    if not words or words[-1] in META_SUFFIXES or words[0] in META_PREFIXES:
        return False
    if any(word in SENSITIVE_WORDS or word.endswith(SENSITIVE_STEMS) for word in words):
        return True
    return any(pair in SENSITIVE_PAIRS for pair in pairwise(words))


def names_secret(text: str) -> bool:
    """True when any word-like part of `text` (split on spaces, ``=`` and ``:``) is a
    name that says its value is a secret: text such as ``MYSQL_PASSWORD x`` may hold one."""
    return any(_is_sensitive_key(part) for part in _NAME_PARTS_RE.findall(text[:_NAME_SCAN]))


_NAME_PARTS_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_NAME_SCAN = 4096  # a name is short: looking further only costs time


def _pairs(
    key: str | None, value: str, wanted: Callable[[str], bool]
) -> Iterator[tuple[str, str, int]]:
    """(key, value, offset of the value) to judge, for keys that are `wanted`: the
    mapping entry itself, then any ``key=value`` / ``--flag value`` inside the string."""
    if key is not None and wanted(key):
        yield key, value, 0
    for regex, needle in ((_EMBEDDED_ASSIGN_RE, "="), (_EMBEDDED_FLAG_RE, "-")):
        if needle not in value:
            continue
        for match in regex.finditer(value):
            if wanted(name := match.group("key")):
                yield name, match.group("val").strip("'\""), match.start("val")


def _sensitive_key_finding(key: str | None, value: str) -> Finding | None:
    for pair_key, pair_value, offset in _pairs(key, value, _is_sensitive_key):
        if _is_non_secret_literal(pair_value, pair_key):
            continue
        noun = _noun(pair_key)
        if pair_value.strip().lower() in WEAK_VALUES:
            noun = f"{noun} that is a weak, well-known default"
        if offset > 0 or key is None or key.startswith("-"):
            noun = f"{noun} given to {_shown_name(pair_key, pair_value)}"
        return _finding("sensitive-key", noun, offset)
    return None


_SHOWN_NAME_RE = re.compile(r"-{0,2}[A-Za-z_][A-Za-z0-9_.-]{0,47}")


def _noun(key: str) -> str:
    """What a value under `key` is, by the key's name: a password, a token, a key..."""
    words = _key_words(key)
    for stems, noun in NOUNS:
        if any(stem in word for word in words for stem in stems):
            return noun
    return "a secret"


def _shown_name(key: str, value: str) -> str:
    """The option or variable a secret is given to, as a message may show it: a short
    name that holds no part of the value."""
    secret = value.strip().lower()
    if not _SHOWN_NAME_RE.fullmatch(key) or (len(secret) >= 4 and secret in key.lower()):
        return "an option"
    return key


# --------------------------------------------------------------------------- #
# Values that are obviously not secrets
# --------------------------------------------------------------------------- #

# One whole reference, filled in by the deploy tool, a template or the container's shell.
# A default (`${NAME:-value}`) is a value of its own and is judged as one.
_WHOLE_REFERENCE_RE = re.compile(
    r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?P<op>:?[-+?])(?P<rest>[^}]*))?\}"
    r"|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^{}]*\}\}|%\([A-Za-z_][A-Za-z0-9_]*\)s"
    r"|\$\([^()]*\)|`[^`]*`",
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
    """True for empty values, one whole reference (``${VAR}``, ``$VAR``, ``{{ var }}``,
    ``$(command)``) and placeholders (``<key>``, ``***``). The value is literal: a ``$``
    inside it, or ``$$``, is text like any other."""
    text = value.strip().strip("'\"").strip()
    if not text or _is_cut_substitution(text):
        return True
    reference = _WHOLE_REFERENCE_RE.fullmatch(text)
    if reference is not None:
        default = reference.group("rest") if reference.group("op") in ("-", ":-", "+", ":+") else ""
        return not default or _is_non_secret_literal(default)
    return _PLACEHOLDER_RE.fullmatch(text) is not None


def _is_cut_substitution(text: str) -> bool:
    """The first word of a command substitution, as splitting a command on spaces leaves
    it: `$(cat` of `--requirepass $(cat /run/secrets/redis)`."""
    return (text.startswith("$(") and ")" not in text) or (text[:1] == "`" and "`" not in text[1:])


def _is_non_secret_literal(value: str, key: str | None = None) -> bool:
    """True for values that cannot be a plain-text secret: empty, references,
    placeholders, booleans, numbers, paths, credential-less URLs. Under a `key` that
    names a secret, digits are a PIN or a password, not a number (short ones only when
    the key ends with the secret's name: `PASSWORD_RESET: 1` is a switch)."""
    text = value.strip().strip("'\"").strip()
    if key is not None and text.isascii() and text.isdigit():
        words = _key_words(key)
        last = words[-1] if words else ""
        if len(text) >= _PIN_LEN or last in SENSITIVE_WORDS or last.endswith(SENSITIVE_STEMS):
            return False
    return (
        _is_reference_or_placeholder(text)
        or text.lower() in _NON_SECRET_WORDS
        or any(pattern.fullmatch(text) for pattern in _NON_SECRET_PATTERNS)
    )


_PIN_LEN = 4


# --------------------------------------------------------------------------- #
# Rule 4: passwords placed by their position in a command
# --------------------------------------------------------------------------- #

_W = r"(?<![^\s'\"`;])"  # start of a shell word (after a space, a quote or `;`)
_VALUE = r"(?P<val>[^\s'\"`;]*)"
# Redis directives (redis.conf, `CONFIG SET`) and SQL place a password after a word.
_PLACED_RE = LazyPattern(
    _W + r"(?:(?P<directive>requirepass|masterauth)\s+['\"]?"
    r"|(?P<sql>password|identified\s+by)\s+['\"])" + _VALUE,
    re.IGNORECASE,
)
# Clients whose short password option names no password, and that option's shape.
# `mysql -p X` prompts (X is a database), so only `-pX` holds one.
_CLIENTS = (
    (r"mysql|mysqladmin|mysqldump|mysqlcheck|mysqlimport|mysqlshow|mariadb(?:-admin|-dump)?",
     "-p", r"-p(?!-)['\"]?"),
    (r"redis-cli|valkey-cli|keydb-cli", "-a", r"-a\s+['\"]?"),
    (r"sshpass", "-p", r"-p\s+['\"]?"),
)  # fmt: skip
_CLIENT_RES = tuple(
    (
        LazyPattern(r"(?<![^\s'\"`;/])(?:" + name + r")(?![^\s'\";])"),
        option,
        LazyPattern(_W + shape + _VALUE),
    )
    for name, option, shape in _CLIENTS
)
# Every shape above holds one of these: a command without any is skipped cheaply.
_COMMAND_NEEDLES = ("requirepass", "masterauth", "password", "identified", "mysql", "mariadb",
                    "-cli", "sshpass")  # fmt: skip


_COMMAND_NEEDLE = re.compile("|".join(map(re.escape, _COMMAND_NEEDLES)), re.IGNORECASE)


def _command_finding(value: str) -> Finding | None:
    """A password placed by position in a command written as one string."""
    return next(_command_shapes(value), None)


def _command_shapes(command: str) -> Iterator[Finding]:
    """Each password placed by its position in `command`, in no particular order."""
    if _COMMAND_NEEDLE.search(command) is None:
        return
    for match in _PLACED_RE.finditer(command):
        if match.group("directive"):
            description = f"a password given to {match.group('directive').lower()}"
        else:
            description = "a password in an SQL statement"
        if not _is_non_secret_literal(match.group("val"), "password"):
            yield _finding("command-password", description, match.start("val"))
    for program, option, shape in _CLIENT_RES:
        if program.search(command) is None:
            continue
        for match in shape.finditer(command):
            if not _is_non_secret_literal(match.group("val"), "password"):
                description = f"a password given to {option}"
                yield _finding("command-password", description, match.start("val"))


def _command_words_shapes(words: Sequence[str]) -> Iterator[tuple[int, Finding]]:
    """The shapes of a command written as a list: read as its words joined by spaces,
    each finding placed in the word it starts in."""
    starts = list(itertools.accumulate((len(word) + 1 for word in words[:-1]), initial=0))
    for finding in _command_shapes(" ".join(words)):
        index = bisect.bisect_right(starts, finding.offset) - 1
        yield index, Finding(finding.kind, finding.description, finding.offset - starts[index])


# --------------------------------------------------------------------------- #
# Rule 5: high entropy
# --------------------------------------------------------------------------- #

_MIN_TOKEN_LEN = 20
_WORDLIKE_CHUNK_LEN = 3.0

_HEX = "0123456789abcdef"
_NOISE_RE = re.compile(
    r"(?:sha(?:1|224|256|384|512)|md5):[0-9a-fA-F]{32,128}"  # digests
    r"|sha(?:256|384|512)-[A-Za-z0-9+/]+={0,2}"  # subresource integrity
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # UUIDs
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
    text = _NOISE_RE.sub(" ", value) if any(c in value for c in ":-") else value
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
                return _finding("high-entropy-hex", description, value.find(token))
        elif _entropy(token) > b64_limit:
            description = "a high-entropy base64 string (possible secret)"
            return _finding("high-entropy-base64", description, value.find(token))
    return None
