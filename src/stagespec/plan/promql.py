"""PromQL text from names and values: values are quoted and escaped, never pasted in.

Spec names are already restricted by the model, but a selector is code, so every label
value goes through `quote()` and every name is checked against Prometheus's grammar.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_WORD_START = re.compile(r"_([a-z])")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_NAME_TOKEN = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')


def quote(value: str) -> str:
    """A PromQL double-quoted string literal whose content reads back as `value`."""
    if not _NEEDS_ESCAPE.search(value):  # the usual case: nothing to escape
        return f'"{value}"'
    return '"' + "".join(_escape(char) for char in value) + '"'


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    # Other control characters are legal in Go's \x escapes, which PromQL unquotes.
    return f"\\x{ord(char):02x}" if ord(char) < 0x20 or ord(char) == 0x7F else char


def label_matcher(name: str, value: str) -> str:
    """`name="value"`, with the value quoted and the label name checked."""
    if not _LABEL_NAME.match(name):
        raise ValueError(f"{name!r} is not a Prometheus label name")
    return f"{name}={quote(value)}"


def selector(metric: str, labels: Mapping[str, str] | None = None) -> str:
    """`metric{a="x",b="y"}` with equality matchers in the given order; bare without labels."""
    if not _METRIC_NAME.match(metric):
        raise ValueError(f"{metric!r} is not a Prometheus metric name")
    if not labels:
        return metric
    return metric + "{" + ",".join(label_matcher(k, v) for k, v in labels.items()) + "}"


def camel(name: str) -> str:
    """`redis_cache` -> `RedisCache`: a name part for alert names, e.g. `BreakerOpenRedisCache`.

    On `[a-z][a-z0-9_]*` (breaker and tier names) this is one-to-one: an `_` is dropped only
    before a lowercase letter, which becomes the only kind of uppercase letter after the
    first. Service names may also hold `-`, read as `_`; the alerts' labels, not their
    names, are what identify a service.
    """
    text = _WORD_START.sub(lambda m: m.group(1).upper(), name.replace("-", "_"))
    result = text[:1].upper() + text[1:]
    if not _METRIC_NAME.match(result):
        raise ValueError(f"{name!r} gives no valid alert name")
    return result


def expr_names(expr: str) -> set[str]:
    """Every bare name in a PromQL expression (metrics, labels, keywords), quoted text aside."""
    return set(_NAME_TOKEN.findall(_QUOTED.sub(" ", expr)))
