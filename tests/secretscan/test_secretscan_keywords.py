"""Tests for secretscan's word lists and limits, one entry at a time.

Each case below hinges on a single word (`pwd`, `masterauth`) or on the hex entropy limit,
so dropping the word or moving the limit makes exactly that case fail. Values are built
from fixed pieces at import time, so no credential-looking literal sits in the source.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest

from stagespec.secretscan.scanner import scan

PLAIN = "Tr0ub4dor" + "x9"  # not a token shape, too short for the entropy check


@pytest.mark.parametrize("key", ["pwd", "DB_PWD", "redisPwd", "PWD"])
def test_pwd_names_a_secret(key: str) -> None:
    assert scan(key, PLAIN) is not None


@pytest.mark.parametrize(
    "value",
    [
        f"redis-server --masterauth {PLAIN}",
        f"redis-server --masterauth={PLAIN}",
        f"mysql --pwd {PLAIN} -h db",
        f"PWD={PLAIN} ./start",
    ],
)
def test_pwd_and_masterauth_options_in_a_command(value: str) -> None:
    assert scan(None, value) is not None


def test_masterauth_names_a_secret() -> None:
    assert scan("masterauth", PLAIN) is not None


@pytest.mark.parametrize("key", ["pwd_file", "masterauth_path", "DB_PWD_FILE"])
def test_metadata_about_such_a_secret_is_not_one(key: str) -> None:
    assert scan(key, "/run/secrets/redis") is None
    assert scan(key, "redis-password") is None


def _hex_token(distinct: int, length: int = 36) -> str:
    """A hex token mixing letters and digits, with `distinct` equally used characters.

    Its Shannon entropy is log2(distinct) bits per character, exactly when `length` is a
    multiple of `distinct`. Letters and digits alternate, so it reads as no word or number.
    """
    alphabet = "a1b2c3d4e5f6"[:distinct]
    token = "".join(alphabet[(i * 5) % distinct] for i in range(length))
    counts = Counter(token)
    assert len(counts) == distinct and len(set(counts.values())) == 1
    return token


def test_hex_entropy_helper_is_exact() -> None:
    token = _hex_token(9)
    size = len(token)
    entropy = -sum(n / size * math.log2(n / size) for n in Counter(token).values())
    assert entropy == pytest.approx(math.log2(9))


def test_hex_just_over_3_bits_per_character_is_a_secret() -> None:
    # log2(9) = 3.17: over detect-secrets' hex limit of 3.0, far under the base64 one.
    finding = scan("value", _hex_token(9))
    assert finding is not None
    assert "hex" in finding.kind


def test_hex_at_exactly_3_bits_per_character_is_not() -> None:
    assert scan("value", _hex_token(8, length=40)) is None


def test_hex_under_a_neutral_key_keeps_the_full_limit() -> None:
    # log2(6) = 2.58 is over the limit lowered for secret-named keys (2.5), not the full one.
    token = _hex_token(6)
    assert scan("value", token) is None
    assert scan(None, f"--opt {token}") is None
