"""The typed Python runtime module that the stack's service imports: `<runtime.module>.py`.

The module is rendered from `templates/runtime.py.j2`. Spec values enter it only as
Python literals made by `pyrepr` (repr(), with the quotes `ruff format` prefers), and spec
names (breakers, features, tiers) only as string keys, never as identifiers, so no spec
text can become code. The layout is what `ruff format` makes with its defaults (the
generated file lands in a project whose ruff settings we cannot know), so the file passes
`ruff format --check`, `ruff check` and `mypy --strict` as generated.

Breaker weights are kept as `Decimal`, as written in the spec and as rule SS201 sums them,
and the module computes the health score in `Fraction`s of them: exact and free of any
decimal context. With floats, weights 0.05 + 0.15 + 0.7 give a score of
89.99999999999999, which would miss a tier that starts at 90.

May import plan, model, the other targets and the bottom modules; never rules, engine or
cli.
"""

from __future__ import annotations

import ast
import functools
import math
import re
import unicodedata
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from stagespec.errors import StagespecError
from stagespec.model.spec import Resilience, Runtime, Spec
from stagespec.plan import delivery, metrics
from stagespec.plan.inputs import BuildInput
from stagespec.targets.base import header
from stagespec.targets.prometheus import scrape_auth

if TYPE_CHECKING:
    import jinja2

NAME = "runtime"

LINE_LENGTH = 88
"""ruff's default line length, which the generated module is laid out for."""

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_ESCAPE_OR_DOUBLE_QUOTE = re.compile(r"\\.|\"", re.DOTALL)


class RuntimeModuleError(StagespecError, ValueError):
    """Something in the spec, or its path, cannot be written into the module safely."""


def render(build: BuildInput) -> dict[str, bytes]:
    """`{<runtime.module>.py: source}`, or nothing when the spec has no `runtime`."""
    runtime = build.spec.runtime
    if runtime is None:
        return {}
    text = _template().render(_context(build, runtime))
    return {f"{checked_name(runtime.module, 'runtime.module')}.py": text.encode("utf-8")}


def exported_metrics(build: BuildInput) -> list[str]:
    """The metric names the runtime module defines (`METRIC_*`), in `metrics.ALL` order.

    None when the spec has no `runtime`: then no module is rendered to export them.
    """
    if build.spec.runtime is None:
        return []
    return list(metrics.ALL)


@functools.cache
def _template() -> jinja2.Template:
    # Imported here, not at the top: every CLI start would pay for jinja2 otherwise.
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("stagespec.targets.runtime", "templates"),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pyrepr"] = pyrepr
    env.globals["constant"] = constant
    return env.get_template("runtime.py.j2")


def checked_name(name: str, where: str) -> str:
    """`name` if it is `[a-z][a-z0-9_]*`, else a ValueError: a second line of defence."""
    # The model already restricts these names; the module must stay safe if it ever doesn't.
    if not _NAME.fullmatch(name):
        raise RuntimeModuleError(f"{where}: {name!r} is not a name of the form [a-z][a-z0-9_]*")
    return name


def pyrepr(value: object) -> str:
    """A Python literal for a spec value, in `ruff format`'s style; it evaluates to `value`."""
    if isinstance(value, str):
        return _str_literal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite decimal")
        return f"Decimal({_str_literal(str(value))})"
    if isinstance(value, tuple):
        items = ", ".join(pyrepr(item) for item in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    raise TypeError(f"no Python literal for a {type(value).__name__}")


def _str_literal(value: str) -> str:
    """repr(), re-quoted like `ruff format`: double quotes unless single ones escape less."""
    text = repr(value)
    if text.startswith("'") and value.count('"') <= value.count("'"):
        # repr() chose single quotes, and ruff prefers double ones when they escape no more.
        body = _ESCAPE_OR_DOUBLE_QUOTE.sub(_requote, text[1:-1])
        text = f'"{body}"'
    if ast.literal_eval(text) != value:
        raise AssertionError(f"string literal {text} does not round-trip")
    return text


def _requote(match: re.Match[str]) -> str:
    token = match.group()
    return {"\\'": "'", '"': '\\"'}.get(token, token)


def constant(name: str, annotation: str, value: object) -> str:
    """`NAME: Final[annotation] = literal`, laid out as `ruff format` lays it out.

    A line that is too long gets its value in parentheses on a line of its own; a string
    too long even for that is split into implicitly concatenated parts, one a line, so
    that the module also passes E501.
    """
    literal = pyrepr(value)
    line = f"{name}: Final[{annotation}] = {literal}"
    if _width(line) <= LINE_LENGTH:
        return line
    inner = LINE_LENGTH - 4
    parts = [literal]
    if isinstance(value, str) and _width(literal) > inner:
        parts = [_str_literal(part) for part in _split(value, inner)]
    body = "".join(f"\n    {part}" for part in parts)
    return f"{name}: Final[{annotation}] = ({body}\n)"


def _split(value: str, width: int) -> list[str]:
    """`value` in consecutive parts whose literals fit `width`, broken after spaces if any."""
    parts: list[str] = []
    rest = value
    while _width(_str_literal(rest)) > width:
        end = min(len(rest), width - 2)
        while end > 1 and _width(_str_literal(rest[:end])) > width:
            end -= 1
        space = rest.rfind(" ", 0, end)
        end = space + 1 if space > 0 else end
        parts.append(rest[:end])
        rest = rest[end:]
    return [*parts, rest] if rest else parts


def _width(text: str) -> int:
    """Columns as ruff counts them: wide East Asian characters take two, combining ones none."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _context(build: BuildInput, runtime: Runtime) -> dict[str, Any]:
    spec = build.spec
    resilience = spec.resilience or Resilience()
    return {
        "header": _comment_header(build),
        "project": spec.project,
        "environment": build.environment,
        "service": runtime.service,
        "metrics": {
            "health_score": metrics.HEALTH_SCORE,
            "breaker_state": metrics.BREAKER_STATE,
            "degradation_tier": metrics.DEGRADATION_TIER,
            "degradation_level": metrics.DEGRADATION_LEVEL,
            "breaker_states": tuple(metrics.BREAKER_STATES),
        },
        "security": _security(spec, runtime),
        "scrape_auth": _scrape_auth(build, runtime),
        "logging": runtime.logging,
        "breakers": _breakers(resilience),
        "features": _features(resilience),
        "tiers": _tiers(resilience),
    }


def _comment_header(build: BuildInput) -> str:
    """`header(build)`, refused if any of its lines would not be a Python comment."""
    text = header(build)
    lines = text.splitlines()
    if "\0" in text or not text.endswith("\n") or not all(x.startswith("#") for x in lines):
        raise RuntimeModuleError(
            f"the spec's path {build.source!r} would break out of a comment in the runtime module"
        )
    return text


def _security(spec: Spec, runtime: Runtime) -> dict[str, Any]:
    security = runtime.security
    rate_limit = security.rate_limit
    secret_file = delivery.api_key_file(spec)
    if secret_file is not None and security.api_key is not None:
        checked_name(security.api_key.secret, "runtime api_key")
    return {
        "rate_limit_requests": rate_limit.requests if rate_limit else None,
        "rate_limit_window_seconds": rate_limit.window.seconds if rate_limit else None,
        "hsts": security.hsts,
        "force_https": security.force_https,
        "csp": security.csp,
        # Only where the key is delivered, a file or a variable: never its value.
        "api_key_secret_file": secret_file,
        "api_key_env": delivery.api_key_variable(spec),
    }


def _scrape_auth(build: BuildInput, runtime: Runtime) -> tuple[str | None, str | None]:
    """The header and scheme the scrape job sends the runtime service's key with."""
    service = build.spec.services.get(runtime.service)
    metrics_of = service.metrics if service is not None else None
    auth = scrape_auth(metrics_of) if metrics_of is not None else None
    return auth if auth is not None else (None, None)


def _breakers(resilience: Resilience) -> list[dict[str, Any]]:
    return [
        {
            "name": checked_name(name, "resilience.breakers"),
            "weight": breaker.weight,
            "failure_threshold": breaker.failure_threshold,
            "recovery_timeout_seconds": breaker.recovery_timeout.seconds,
            "half_open_requests": breaker.half_open_requests,
        }
        for name, breaker in resilience.breakers.items()
    ]


def _features(resilience: Resilience) -> list[str]:
    degradation = resilience.degradation
    features = degradation.features if degradation else []
    return [checked_name(f, "resilience.degradation.features") for f in features]


def _tiers(resilience: Resilience) -> list[dict[str, Any]]:
    degradation = resilience.degradation
    if degradation is None:
        return []
    everything = _features(resilience)
    where = "resilience.degradation.tiers"
    return [
        {
            "name": checked_name(tier.name, where),
            "min_score": tier.min_score,
            # Spec order, never a set's: the output must not depend on PYTHONHASHSEED.
            "features": everything
            if tier.features == "all"
            else [checked_name(f, where) for f in tier.features],
            "cache": tier.cache,
            "read_only": tier.read_only,
            "status_page_only": tier.status_page_only,
        }
        for tier in degradation.tiers
    ]
