"""Hypothesis strategies for valid specs: built as Python data, then dumped to YAML text.

"Valid" means what `stagespec validate` accepts without an error (warnings are allowed),
so each piece is drawn within the model's patterns and the rules' constraints: unique host
ports, declared secrets and volumes, `depends_on` only on earlier services that have a
healthcheck (no cycle), breaker weights that add up to exactly 1 in decimal, tiers with
strictly decreasing `min_score` ending at 0 and nested feature sets, a runtime service
that Prometheus scrapes, and production overlays that satisfy the production rules.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from typing import Any

import yaml
from hypothesis import settings
from hypothesis import strategies as st
from specparts import (
    DIGITS,
    ENV_NAME,
    IDENT,
    IMAGE,
    LOWER,
    NETWORK,
    PORT,
    SECRET_NAME,
    SECRET_VAR,
    SERVICE,
    SHORT,
    SIZE,
    UPPER,
    VOLUME_NAME,
    breakers,
    degradation,
    duration,
    env_value,
    metrics,
    monitoring,
    port_text,
    runtime,
    service,
    word,
)

PRODUCTION = ("production", "prod")


def budget(*, ci: int, long: int) -> settings:
    """This property's example count under the profile chosen by HYPOTHESIS_PROFILE."""
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    return settings(settings.get_profile(name), max_examples=long if name == "long" else ci)


def _ports(draw: st.DrawFn, services: dict[str, Any], pool: list[int]) -> None:
    for data in services.values():
        entries = []
        for _ in range(draw(st.integers(0, 3))):
            host = pool.pop() if draw(st.booleans()) else None
            entry = port_text(host, draw(PORT), draw(st.integers(0, 3)))
            if str(entry) not in map(str, entries):  # see service(): no repeated entry
                entries.append(entry)
        if entries:
            data["ports"] = entries


def _secrets(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(SECRET_NAME, unique=True, min_size=1, max_size=4))
    source = st.one_of(
        SECRET_VAR.map(lambda v: {"env": v}),
        st.sampled_from(["./secrets/one.txt", "/run/keys/two"]).map(lambda f: {"file": f}),
    )
    return {name: draw(source) for name in names}


def _services(draw: st.DrawFn, secrets: list[str], volumes: list[str]) -> dict[str, Any]:
    names = draw(st.lists(SERVICE, unique=True, min_size=1, max_size=6))
    services = {name: draw(service(secrets, volumes)) for name in names}
    checked = [n for n in names if "healthcheck" in services[n]]
    if len(checked) > 1 and draw(st.booleans()):  # a shared healthcheck becomes a YAML alias
        services[checked[1]]["healthcheck"] = services[checked[0]]["healthcheck"]
    for i, name in enumerate(names):
        if i and draw(st.integers(0, 5)) == 0:
            services[name]["enabled"] = False
        earlier = [n for n in checked if names.index(n) < i]
        if earlier and (deps := draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2))):
            services[name]["depends_on"] = deps
    return services


def _referenced(spec: dict[str, Any]) -> set[str]:
    """Services something else names: they stay enabled in every overlay."""
    found = {d for s in spec["services"].values() for d in s.get("depends_on", [])}
    found |= {
        b["service"]
        for b in spec.get("resilience", {}).get("breakers", {}).values()
        if "service" in b
    }
    if "runtime" in spec:
        found.add(spec["runtime"]["service"])
    return found


BUILT_VARIABLES = ("API_KEY", "API_KEY_FILE", "PYTHONPATH")
"""What the build sets in the runtime service's environment; a spec must leave them out."""


@st.composite
def overlay(draw: st.DrawFn, spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    """One environment's overlay; production ones also satisfy the production rules."""
    services: dict[str, Any] = {}
    # The first service stays: an environment with no service running is refused (SS103).
    free = [n for n in list(spec["services"])[1:] if n not in _referenced(spec)]
    for service_name in draw(
        st.lists(st.sampled_from(list(spec["services"])), unique=True, max_size=2)
    ):
        base = spec["services"][service_name]
        edits = {
            "memory": SIZE,
            "environment": ENV_NAME.flatmap(
                lambda k: env_value(k, list(spec["secrets"])).map(lambda v: {k: v})
            ),
        }
        if "image" in base:
            edits["image"] = IMAGE
        key = draw(st.sampled_from(sorted(edits)))
        services[service_name] = {key: draw(edits[key])}
    host = spec.get("runtime", {}).get("service")
    environment = services.get(host, {}).get("environment", {})
    for built in BUILT_VARIABLES:  # the build sets these for the runtime service (SS510)
        environment.pop(built, None)
    if host in services and services[host] == {"environment": {}}:
        del services[host]
    if free and draw(st.booleans()):
        services[draw(st.sampled_from(free))] = draw(st.sampled_from([None, {"enabled": False}]))
    found: dict[str, Any] = {}
    if name in PRODUCTION:
        for service_name, base in spec["services"].items():
            if base.get("ports") and services.get(service_name, {}) is not None:
                services.setdefault(service_name, {})["ports"] = None
        if "runtime" in spec:
            found["runtime"] = {"security": {"force_https": True, "hsts": True}}
    if services:
        found["services"] = services
    if "prometheus" in spec.get("monitoring", {}) and draw(st.booleans()):
        found["monitoring"] = {"prometheus": {"scrape_interval": draw(SHORT)}}
    if not found and draw(st.booleans()):
        return None
    return found


ENVIRONMENT = st.one_of(st.sampled_from(["staging", "production", "prod", "dev", "qa"]), IDENT)


def host_ports(count: int) -> st.SearchStrategy[list[int]]:
    """`count` distinct host ports, shuffled (cheaper than a unique list of 19 integers)."""
    steps = st.lists(st.integers(1, 3000), min_size=count, max_size=count)
    ports = st.tuples(st.integers(0, 1000), steps).map(
        lambda t: [t[0] + sum(t[1][: i + 1]) for i in range(count)]
    )
    return ports.flatmap(st.permutations)


@st.composite
def specs(draw: st.DrawFn, timeouts: st.SearchStrategy[str] | None = None) -> dict[str, Any]:
    """A valid spec as Python data, in the order a person would write it.

    `timeouts` draws the breakers' recovery timeouts (default: up to days). The generated
    alert unit tests simulate that long, so the real-tools check passes SHORT ones.
    """
    spec: dict[str, Any] = {"stagespec": 1, "project": draw(SERVICE)}
    if draw(st.booleans()):
        spec["network"] = {"name": draw(NETWORK)}
    spec["secrets"] = _secrets(draw)
    secrets = list(spec["secrets"])
    volumes = draw(st.lists(VOLUME_NAME, unique=True, max_size=3))
    if volumes:
        spec["volumes"] = {
            v: draw(st.sampled_from([{}, None, {"driver": "local"}])) for v in volumes
        }
    services = spec["services"] = _services(draw, secrets, volumes)
    pool = draw(host_ports(19))
    _ports(draw, services, pool)
    running = [n for n, s in services.items() if s.get("enabled", True)]
    host = draw(st.sampled_from(running))
    if draw(st.booleans()):
        spec["monitoring"] = draw(monitoring(secrets, volumes, pool.pop()))
    for name in running:
        if (name == host and "monitoring" in spec) or draw(st.integers(0, 3)) == 0:
            services[name]["metrics"] = draw(metrics(services[name], secrets))
    resilience: dict[str, Any] = {}
    if draw(st.booleans()):
        timeouts = duration() if timeouts is None else timeouts
        resilience["breakers"] = draw(breakers(running, timeouts))
    if draw(st.booleans()):
        resilience["degradation"] = draw(degradation())
    if resilience:
        spec["resilience"] = resilience
    if "monitoring" in spec or draw(st.booleans()):
        spec["runtime"] = draw(runtime(host, secrets))
        checked = spec["runtime"].get("security", {}).get("api_key")
        scraped = services[host].get("metrics", {})
        if checked and "api_key" in scraped:  # the scrape sends the key the service checks
            scraped["api_key"] = dict(checked)
        for built in BUILT_VARIABLES:  # the build sets these (SS510)
            services[host].get("environment", {}).pop(built, None)
    _variables(draw, spec)
    if draw(st.booleans()):
        spec["x-notes"] = {"owner": draw(SERVICE), "defaults": services[host]}
    names = draw(st.lists(ENVIRONMENT, unique=True, max_size=3))
    if names:
        spec["environments"] = {n: draw(overlay(spec, n)) for n in names}
        _production_names_no_other(spec)
    return spec


def _production_names_no_other(spec: dict[str, Any]) -> None:
    """Drop each environment whose name is a word of a value production reads (SS411):
    generated words can be an environment's name (`list`, `a`)."""
    environments = spec["environments"]
    production = [n for n in ("production", "prod") if n in environments]
    if not production:
        return
    texts = [t for t in _strings({**spec, "environments": None}) if t]
    for name in production:
        texts += _strings(environments[name])
    for other in [n for n in environments if n not in production]:
        word = re.compile(rf"(?<![A-Za-z0-9]){re.escape(other)}(?![A-Za-z0-9])", re.IGNORECASE)
        if any(word.search(text) for text in texts):
            del environments[other]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in _strings(v)]
    return []


VARIABLE = word(UPPER, UPPER + DIGITS + "_", 12).filter(
    lambda n: n != "COMPOSE_PROJECT_NAME" and n not in BUILT_VARIABLES
)
VARIABLE_KINDS = ("default", "required", "secret", "optional")


def _variables(draw: st.DrawFn, spec: dict[str, Any]) -> None:
    """Declared variables (with a default, required, secret or optional), each used in a
    service's command or environment, in any service (SS108: none left unused)."""
    services = spec["services"]
    names = draw(st.lists(VARIABLE, unique=True, max_size=3))
    names = [n for n in names if all(n not in s.get("environment", {}) for s in services.values())]
    if not names:
        return
    declared: dict[str, Any] = {}
    for name in names:
        kind = draw(st.sampled_from(VARIABLE_KINDS))
        if kind == "default":
            declared[name] = {"default": draw(word(LOWER + DIGITS, LOWER + DIGITS + "._-", 10))}
        elif kind == "required":
            declared[name] = {"required": True}
        elif kind == "secret":
            declared[name] = {"required": True, "secret": True}
        else:
            declared[name] = None
        data = services[draw(st.sampled_from(sorted(services)))]
        reference = "${" + name + "}"
        if draw(st.booleans()):
            data.setdefault("environment", {})[name] = reference
        else:
            command = data.get("command", ["run"])
            if isinstance(command, list):
                data["command"] = [*command, f"--{name.lower()}={reference}"]
            else:
                data["command"] = f"{command} --{name.lower()}={reference}"
    spec["variables"] = declared


class _Dumper(yaml.SafeDumper):
    """Writes a Decimal as the exact decimal text the loader reads back as one, and quotes
    a string that YAML 1.2 would read as something else (PyYAML quotes by YAML 1.1)."""


# The plain scalars that are not strings in the YAML 1.2 core schema (spec 10.3.2).
_CORE_NOT_STR = re.compile(
    r"null|Null|NULL|~|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|"
)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "'" if _CORE_NOT_STR.fullmatch(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:float", str(value))


_Dumper.add_representer(str, _str)
_Dumper.add_representer(Decimal, _decimal)
STYLES: dict[str, dict[str, Any]] = {
    "block": {"default_flow_style": False, "allow_unicode": True},
    "flow": {"default_flow_style": True, "allow_unicode": True},
    "mixed": {"default_flow_style": None},
    "canonical": {"canonical": True},
    "narrow": {
        "default_flow_style": False,
        "width": 20,
        "explicit_start": True,
        "explicit_end": True,
        "allow_unicode": True,
    },
}


def dump(data: dict[str, Any], style: str = "block") -> str:
    """YAML text of `data` in one of STYLES; shared objects become anchors and aliases."""
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, **STYLES[style])
    return text


def spec_texts(timeouts: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """A valid spec's YAML text, in any of the dump styles."""
    return st.tuples(specs(timeouts), st.sampled_from(sorted(STYLES))).map(lambda t: dump(*t))
