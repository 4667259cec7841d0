"""`.env` and `.env.example`: the runtime service's settings, and the secrets it needs.

`.env` sits next to docker-compose.yml, so compose reads it for interpolation (and for
`COMPOSE_PROJECT_NAME`, `<project>-<environment>`: see `project_name`), and the runtime
service loads it as its `env_file`. Secret variables are only named in comments there: an
empty `VAR=` would set VAR to "" and make compose's `${VAR:?}` fail, and any other value
would be a secret in a file.
`.env.example` lists the same keys plus each secret variable with an empty placeholder,
for whoever sets up a host, and each deploy-time variable (`variables:`, in name order)
with its description, whether it is required, and its default as the value (empty when
it has none). Values are quoted by `stagespec.plan.envquote`.

May import plan, model, the other targets and the bottom modules; never rules, engine or
cli.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from stagespec.model.spec import Degradation, Runtime, Spec
from stagespec.model.values import Duration
from stagespec.plan.envquote import line
from stagespec.plan.inputs import BuildInput
from stagespec.targets.base import header
from stagespec.targets.compose.secrets import required_variables
from stagespec.targets.source_path import with_printable_source

NAME = "env"
ENV_PATH = ".env"
EXAMPLE_PATH = ".env.example"

API_KEY_HEADER = "X-API-Key"
"""The header that carries the API key: the staging report's, the spec has no key for it."""

Section = tuple[str, list[tuple[str, str]]]


def _seconds(duration: Duration) -> str:
    # Decimal division keeps the exact value and drops the fraction when there is none.
    return format(Decimal(duration.ms) / 1000, "f")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _breakers(spec: Spec) -> list[tuple[str, str]]:
    settings: list[tuple[str, str]] = []
    for name, breaker in (spec.resilience.breakers if spec.resilience else {}).items():
        prefix = f"CB_{name.upper()}_"
        settings += [
            (prefix + "FAILURE_THRESHOLD", str(breaker.failure_threshold)),
            (prefix + "RECOVERY_TIMEOUT_SECONDS", _seconds(breaker.recovery_timeout)),
            (prefix + "HALF_OPEN_REQUESTS", str(breaker.half_open_requests)),
            (prefix + "WEIGHT", format(breaker.weight, "f")),
        ]
    return settings


def _degradation(degradation: Degradation) -> list[tuple[str, str]]:
    tiers = ",".join(f"{tier.name}:{tier.min_score}" for tier in degradation.tiers)
    settings = [
        ("DEGRADATION_TIERS", tiers),
        ("DEGRADATION_FEATURES", ",".join(degradation.features)),
    ]
    for tier in degradation.tiers:
        prefix = f"TIER_{tier.name.upper()}_"
        features = degradation.features if tier.features == "all" else tier.features
        settings += [
            (prefix + "MIN_SCORE", str(tier.min_score)),
            (prefix + "FEATURES", ",".join(features)),
            (prefix + "CACHE", tier.cache),
            (prefix + "READ_ONLY", _flag(tier.read_only)),
            (prefix + "STATUS_PAGE_ONLY", _flag(tier.status_page_only)),
        ]
    return settings


def _security(runtime: Runtime) -> list[tuple[str, str]]:
    security = runtime.security
    settings: list[tuple[str, str]] = []
    if security.api_key is not None:
        settings.append(("API_KEY_HEADER", API_KEY_HEADER))
    if security.rate_limit is not None:
        settings.append(("RATE_LIMIT_REQUESTS", str(security.rate_limit.requests)))
        settings.append(("RATE_LIMIT_WINDOW_SECONDS", _seconds(security.rate_limit.window)))
    settings += [
        ("HSTS_ENABLED", _flag(security.hsts)),
        ("FORCE_HTTPS", _flag(security.force_https)),
    ]
    if security.csp is not None:
        settings.append(("CSP_POLICY", security.csp))
    return settings


def _logging(runtime: Runtime) -> list[tuple[str, str]]:
    settings: list[tuple[str, str]] = [
        ("LOG_FORMAT", runtime.logging.format),
        ("LOG_LEVEL", runtime.logging.level),
    ]
    if runtime.logging.request_id_header is not None:
        settings.append(("REQUEST_ID_HEADER", runtime.logging.request_id_header))
    return settings


UNNAMED_ENVIRONMENT = "default"
"""What `build` calls the one environment of a spec that declares none."""


def project_name(spec: Spec, environment: str) -> str:
    """The compose project of one environment: `<project>-<environment>`.

    Compose names containers, project networks and volumes after the project, so two
    environments deployed on one host (staging and production) share nothing. A spec
    without environments keeps its project name as it is.
    """
    if environment == UNNAMED_ENVIRONMENT:
        return spec.project
    return f"{spec.project}-{environment}"


def sections(spec: Spec, environment: str = UNNAMED_ENVIRONMENT) -> Iterator[Section]:
    """The non-secret settings, by section, in the order they are written."""
    yield "compose", [("COMPOSE_PROJECT_NAME", project_name(spec, environment))]
    if spec.resilience and spec.resilience.breakers:
        yield "circuit breakers", _breakers(spec)
    if spec.resilience and spec.resilience.degradation:
        yield "degradation tiers", _degradation(spec.resilience.degradation)
    runtime = spec.runtime
    if runtime is None:
        return
    yield "security", _security(runtime)
    yield "logging", _logging(runtime)
    service = spec.services.get(runtime.service)
    if service is not None and service.metrics is not None:
        metrics = service.metrics
        yield "metrics", [("METRICS_PATH", metrics.path), ("METRICS_PORT", str(metrics.port))]


def _settings(build: BuildInput) -> str:
    return "".join(
        f"\n# --- {title} ---\n" + "".join(line(k, v) for k, v in settings)
        for title, settings in sections(build.spec, build.environment)
    )


def _env(build: BuildInput) -> str:
    secrets = "".join(
        f"# {var} (secret {secret}): set in the host environment\n"
        for var, secret in required_variables(build.spec)
    )
    if secrets:
        secrets = "\n# --- secrets: required, never written here ---\n" + secrets
    return header(build) + _settings(build) + secrets


def _comment(text: str) -> str:
    """Free text as comment lines: each line of it after `# `, unprintable characters blanked."""
    lines = text.splitlines() or [""]
    return "".join(
        "# " + "".join(c if c.isprintable() else " " for c in part).rstrip() + "\n"
        for part in lines
    )


def _variables(spec: Spec) -> str:
    """The deploy-time variables, for `.env.example`: what each is and its default."""
    text = ""
    sources = {var for var, _ in required_variables(spec)}  # listed under the secrets
    for name in sorted(spec.variables):
        variable = spec.variables[name]
        if variable is not None and variable.secret and name in sources:
            continue
        if variable is not None and variable.description:
            text += _comment(variable.description)
        default = variable.default if variable is not None else None
        if variable is not None and variable.secret:
            text += "# secret: set it on the host, never commit\n"
        elif variable is not None and variable.needs_value:
            text += "# required: set it on the host\n"
        elif default is not None:
            text += "# optional; this is its default\n"
        else:
            text += "# optional; empty when unset\n"
        text += line(name, default or "")
    if text:
        text = "\n# --- variables: read by compose when it starts the stack ---\n" + text
    return text


def _example(build: BuildInput) -> str:
    secrets = "".join(
        f"# secret {secret}\n{var}=\n" for var, secret in required_variables(build.spec)
    )
    if secrets:
        secrets = "\n# --- secrets: fill in on the host, never commit ---\n" + secrets
    return header(build) + _settings(build) + _variables(build.spec) + secrets


def render(build: BuildInput) -> dict[str, bytes]:
    """`.env` and `.env.example` for one environment."""
    build = with_printable_source(build)
    return {
        ENV_PATH: _env(build).encode("utf-8"),
        EXAMPLE_PATH: _example(build).encode("utf-8"),
    }
