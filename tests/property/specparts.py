"""The pieces of a valid spec, as hypothesis strategies: names, values and sections.

Each is drawn within the model's patterns and the rules' constraints (see specgen.py for
how they are put together into a whole spec).
"""

from __future__ import annotations

import itertools
import keyword
import sys
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from stagespec.rules.secret_plaintext import scalar_text
from stagespec.secretscan.scanner import scan, scan_words

# A service with one of these names clashes with the monitoring service compose adds:
# `validate` refuses it (SS104), so valid specs do not have one.
MONITORING_NAMES = ("prometheus", "grafana")

# --- names and small values ----------------------------------------------------------------


LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()
DIGITS = "0123456789"


def word(first: str, rest: str, max_rest: int, min_rest: int = 0) -> st.SearchStrategy[str]:
    """A character of `first`, then up to `max_rest` of `rest` (cheaper than from_regex)."""
    tail = st.text(st.sampled_from(rest), min_size=min_rest, max_size=max_rest)
    return st.tuples(st.sampled_from(first), tail).map("".join)


def _names(first: str, rest: str, tricky: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(tricky), word(first, rest, 15))


SERVICE = _names(
    LOWER, LOWER + DIGITS + "_-", ["api", "db", "web-1", "a", "worker_2", "x-y", "a_b", "a-b"]
).filter(lambda n: n not in MONITORING_NAMES)
# Python's soft keywords and builtins are valid identifiers that the runtime module must
# survive as names; hard keywords are refused by the model.
IDENT = _names(
    LOWER,
    LOWER + DIGITS + "_",
    ["list", "self", "none", "true", "match", "case", "type", "print", "all", "str", "a_1"],
).filter(lambda n: not keyword.iskeyword(n))
# The runtime module's name must not be a standard library module's (SS010).
MODULE = IDENT.filter(lambda n: n not in sys.stdlib_module_names)
ENV_NAME = _names(
    LOWER + UPPER + "_",
    LOWER + UPPER + DIGITS + "_",
    ["DB_HOST", "LOG_LEVEL", "API_KEY", "METRICS_PATH", "CSP_POLICY", "COMPOSE_PROJECT_NAME"],
)
SECRET_VAR = _names(UPPER, UPPER + DIGITS + "_", ["DB_PASSWORD", "API_KEY", "POSTGRES_PASSWORD"])
PORT = st.integers(1, 65535)
# Every character YAML can carry (escaped where it must be), with the ones that mean
# something to compose, .env, shells, PromQL or Python among them.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=24)
TRICKY_TEXT = st.sampled_from(
    ["$HOME", "${X:-y}", "$$", "a b # c", "'q'", '"q"', "{{ x }}", "---", "no", "0o17", ""]
)
IMAGE = st.one_of(
    st.sampled_from(
        [
            "postgres:15-alpine",
            "redis:7-alpine",
            "bitnami/redis:7.2",
            "nginx@sha256:" + "2d711642b726b04401627ca9fbac32f5" * 2,
        ]
    ),
    st.tuples(
        st.sampled_from(["", "ghcr.io/", "registry.example:5000/team/"]),
        word(LOWER, LOWER + DIGITS + "-", 10).map(lambda n: n.rstrip("-")),  # ends alphanumeric
        word(LOWER + DIGITS, LOWER + DIGITS + "._-", 8),
    ).map(lambda t: f"{t[0]}{t[1]}:{t[2]}"),
)


def duration() -> st.SearchStrategy[str]:
    """A duration as written in a spec: `30s`, `1h30m`, `500ms`."""
    part = st.tuples(st.integers(1, 90), st.sampled_from(["ms", "s", "m", "h"]))
    return st.lists(part, min_size=1, max_size=3).map(lambda ps: "".join(f"{n}{u}" for n, u in ps))


# Intervals and timeouts as stacks set them; `duration()` draws the wider range.
SHORT = st.sampled_from(["1s", "5s", "10s", "15s", "30s", "1m", "90s", "1m30s", "2m", "500ms"])
SIZE = st.one_of(
    st.tuples(
        st.integers(1, 99_999), st.sampled_from(["", "k", "m", "g", "M", "G", "mb", "b"])
    ).map(lambda t: f"{t[0]}{t[1]}"),
    st.integers(1, 2**34),
)


def _plain(key: str | None, value: Any) -> bool:
    """True when the secret scan sees no plain-text secret in `key: value`, read as the rule
    reads it: numbers as the text they are written as (`API_KEY: 1000` is a password)."""
    text = scalar_text(value)
    return text is None or scan(key, text) is None


def _plain_words(words: Any) -> bool:
    """True when no word of an argument list reads as a secret (`--password hunter2`)."""
    if isinstance(words, str):
        return _plain(None, words)
    # as the rule reads a list: each word under the option before it, then by position
    # (`[requirepass, "0"]`: a Redis password, whatever it is)
    return not scan_words(words)


@st.composite
def env_value(draw: st.DrawFn, key: str, secrets: list[str]) -> Any:
    """A literal environment value that is not a secret, or a `{secret: name}` reference."""
    if secrets and draw(st.integers(0, 4)) == 0:
        return {"secret": draw(st.sampled_from(secrets))}
    literal = st.one_of(
        TEXT,
        TRICKY_TEXT,
        st.integers(-(2**40), 2**40),
        st.booleans(),
        st.none(),
        st.decimals(places=2, min_value=-1000, max_value=1000),
    )
    return draw(literal.filter(lambda v: _plain(key, v)))


# --- services ------------------------------------------------------------------------------


ARGUMENT = st.text(st.sampled_from(LOWER + DIGITS + "_./=:-"), min_size=1, max_size=12)
# A container path starts with a word (`/data`, `/srv/x7`): a path made only of random
# letters is one long token, which the secret scan rightly takes for a possible key.
MOUNT_TARGET = st.tuples(
    st.sampled_from(["data", "srv", "var", "app", "config", "cache", "home"]),
    st.lists(word(LOWER + DIGITS + "_-", LOWER + DIGITS + "_.-", 8), max_size=2),
).map(lambda t: "/" + "/".join([t[0], *t[1]]))
NETWORK = word(LOWER + UPPER + DIGITS, LOWER + UPPER + DIGITS + "_.-", 15)


def _words() -> st.SearchStrategy[Any]:
    return st.one_of(st.lists(ARGUMENT, min_size=1, max_size=4), ARGUMENT).filter(_plain_words)


def healthcheck() -> st.SearchStrategy[dict[str, Any]]:
    tests = st.one_of(
        st.lists(ARGUMENT, min_size=1, max_size=3).map(lambda words: ["CMD", *words]),
        word(LOWER, LOWER + DIGITS + " ./:|&-", 30).map(lambda text: ["CMD-SHELL", text]),
        st.sampled_from(["pg_isready", "wget -qO- http://localhost:8080/health || exit 1"]),
    ).filter(_plain_words)
    return st.fixed_dictionaries(
        {"test": tests},
        optional={
            "interval": SHORT,
            "timeout": SHORT,
            "retries": st.integers(1, 10),
            "start_period": SHORT,
        },
    )


def mount(volumes: list[str]) -> st.SearchStrategy[str]:
    source = st.one_of(
        st.sampled_from(volumes) if volumes else st.nothing(),
        word(".", LOWER + DIGITS + "_-", 8, 1).map(lambda w: w[:1] + "/" + w[1:]),
        st.just("/srv/data"),
    )
    mode = st.sampled_from(["", ":ro", ":rw"])
    return st.tuples(source, MOUNT_TARGET, mode).map(lambda t: f"{t[0]}:{t[1]}{t[2]}")


def port_text(host: int | None, container: int, form: int) -> str | int:
    """One `ports` entry in one of the written forms; `host` is None for a bare port."""
    if host is None:
        return container if form % 2 else str(container)
    return [
        f"{host}:{container}",
        f"127.0.0.1:{host}:{container}",
        f"{host}:{container}/udp",
        f"{host}:{container}/tcp",
    ][form % 4]


def _target(mount_text: str) -> str:
    return mount_text.split(":")[1]


@st.composite
def service(draw: st.DrawFn, secrets: list[str], volumes: list[str]) -> dict[str, Any]:
    """One service, without ports, depends_on or metrics (the spec's draw adds those)."""
    data: dict[str, Any] = {}
    if draw(st.integers(0, 4)) == 0:
        data["build"] = draw(
            st.sampled_from(["./app", ".", {"context": "./web", "dockerfile": "Dockerfile.prod"}])
        )
    else:
        data["image"] = draw(IMAGE)
    names = draw(st.lists(ENV_NAME, unique=True, max_size=4))
    if names:
        data["environment"] = {n: draw(env_value(n, secrets)) for n in names}
    # One mount per container path (SS106) and a host port published once (SS401).
    if mounts := draw(st.lists(mount(volumes), max_size=2, unique_by=_target)):
        data["volumes"] = mounts
    if draw(st.booleans()):
        data["command"] = draw(_words())
    if draw(st.integers(0, 4)):
        data["healthcheck"] = draw(healthcheck())
    if draw(st.booleans()):
        data["memory"] = draw(SIZE)
    if draw(st.booleans()):
        data["restart"] = draw(st.sampled_from(["no", "always", "on-failure", "unless-stopped"]))
    return data


# --- the whole spec ------------------------------------------------------------------------

SECRET_NAME = word(LOWER, LOWER + DIGITS + "_", 12)
VOLUME_NAME = word(LOWER, LOWER + DIGITS + "_-", 10)
METRICS_PATH = st.text(st.sampled_from(LOWER + UPPER + DIGITS + "/_.-"), max_size=15)
PLUGIN = word(LOWER + DIGITS, LOWER + DIGITS + "_.-", 12)
CSP = st.text(  # what .env can hold: validate refuses the rest (SS105)
    st.one_of(st.characters(categories=["L", "N"]), st.sampled_from(" ';:-/.*")), max_size=40
).filter(lambda v: _plain("csp", v))


def weights(count: int, places: int) -> st.SearchStrategy[list[Decimal]]:
    """`count` weights in (0, 1] with `places` decimals that add up to exactly 1."""
    scale = 10**places
    cuts = st.lists(st.integers(1, scale - 1), unique=True, min_size=count - 1, max_size=count - 1)
    unit = Decimal(1).scaleb(-places)

    def split(points: list[int]) -> list[Decimal]:
        edges = [0, *sorted(points), scale]
        return [Decimal(b - a) * unit for a, b in itertools.pairwise(edges)]

    return cuts.map(split)


@st.composite
def breakers(
    draw: st.DrawFn, guarded: list[str], timeouts: st.SearchStrategy[str]
) -> dict[str, Any]:
    names = draw(st.lists(IDENT, unique=True, min_size=1, max_size=5))
    places = draw(st.integers(1, 4))  # 9 cut points at 1 place: enough for 5 breakers
    found: dict[str, Any] = {}
    for name, weight in zip(names, draw(weights(len(names), places)), strict=True):
        breaker: dict[str, Any] = {
            "weight": weight,
            "failure_threshold": draw(st.integers(1, 20)),
            "recovery_timeout": draw(timeouts),
        }
        if draw(st.booleans()):
            breaker["half_open_requests"] = draw(st.integers(1, 5))
        if guarded and draw(st.booleans()):
            breaker["service"] = draw(st.sampled_from(guarded))
        found[name] = breaker
    return found


@st.composite
def degradation(draw: st.DrawFn) -> dict[str, Any]:
    features = draw(st.lists(IDENT, unique=True, max_size=6))
    names = draw(st.lists(IDENT, unique=True, min_size=1, max_size=4))
    scores = sorted(
        draw(
            st.lists(
                st.integers(1, 100), unique=True, min_size=len(names) - 1, max_size=len(names) - 1
            )
        ),
        reverse=True,
    )
    tiers, above = [], features
    for name, score in zip(names, [*scores, 0], strict=True):
        kept = (
            above
            if not tiers
            else draw(st.lists(st.sampled_from(above), unique=True) if above else st.just([]))
        )
        tier: dict[str, Any] = {
            "name": name,
            "min_score": score,
            "features": "all" if not tiers and draw(st.booleans()) else kept,
        }
        for key in ("read_only", "status_page_only"):
            if draw(st.booleans()):
                tier[key] = draw(st.booleans())
        if draw(st.booleans()):
            tier["cache"] = draw(st.sampled_from(["enabled", "fallback", "only", "disabled"]))
        tiers.append(tier)
        above = kept
    return {"features": features, "tiers": tiers}


def _tcp_ports(data: dict[str, Any]) -> list[int]:
    ports = [str(p) for p in data.get("ports", [])]
    return [int(p.split(":")[-1].split("/")[0]) for p in ports if not p.endswith("/udp")]


@st.composite
def metrics(draw: st.DrawFn, data: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    listening = _tcp_ports(data)
    found: dict[str, Any] = {"port": draw(st.sampled_from(listening) if listening else PORT)}
    if draw(st.booleans()):
        found["path"] = "/" + draw(METRICS_PATH)
    if draw(st.booleans()):
        found["api_key"] = {"secret": draw(st.sampled_from(secrets))}
    return found


@st.composite
def monitoring(
    draw: st.DrawFn, secrets: list[str], volumes: list[str], grafana_port: int
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    volume = st.sampled_from(volumes) if volumes else st.none()
    if draw(st.integers(0, 4)):
        prometheus: dict[str, Any] = {"image": draw(IMAGE)}
        for key, value in (
            ("port", PORT),
            ("scrape_interval", SHORT),
            ("evaluation_interval", SHORT),
            ("volume", volume),
            ("retention", st.sampled_from(["7d", "12h", "15d", "1d12h"])),
        ):
            if draw(st.booleans()):
                prometheus[key] = draw(value)
        found["prometheus"] = prometheus
    if not found or draw(st.booleans()):
        grafana: dict[str, Any] = {
            "image": draw(IMAGE),
            "port": grafana_port,
            "admin_password": {"secret": draw(st.sampled_from(secrets))},
        }
        for key, value in (
            ("admin_user", word(LOWER, LOWER, 9)),
            ("plugins", st.lists(PLUGIN, max_size=3)),
            ("volume", volume),
        ):
            if draw(st.booleans()):
                grafana[key] = draw(value)
        found["grafana"] = grafana
    return found


@st.composite
def runtime(draw: st.DrawFn, service_name: str, secrets: list[str]) -> dict[str, Any]:
    security: dict[str, Any] = {}
    optional = {
        "api_key": st.sampled_from(secrets).map(lambda s: {"secret": s}),
        "rate_limit": st.fixed_dictionaries({"requests": st.integers(1, 10_000), "window": SHORT}),
        "hsts": st.booleans(),
        "force_https": st.booleans(),
        "csp": CSP,
    }
    for key, value in optional.items():
        if draw(st.booleans()):
            security[key] = draw(value)
    logging = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "format": st.sampled_from(["json", "text"]),
                "level": st.sampled_from(["debug", "info", "warning", "error"]),
                "request_id_header": word(UPPER + DIGITS, LOWER + UPPER + DIGITS + "-", 19),
            },
        )
    )
    return {
        "service": service_name,
        "module": draw(MODULE),
        "security": security,
        "logging": logging,
    }
