"""The pydantic model of spec version 1. Key names here are the spec's contract."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainValidator,
    StrictBool,
    StrictInt,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import CoreSchema, core_schema

from stagespec.load.events import MAX_NUMBER_DIGITS
from stagespec.model.values import (
    DurationT,
    EnvVarName,
    Identifier,
    ModuleName,
    MountT,
    Port,
    PortMappingT,
    ProjectName,
    SecretName,
    ServiceName,
    SizeT,
    VolumeName,
)


class _Model(BaseModel):
    # Building the models' schemas takes longer than a whole `validate` should, so it waits
    # for first use, and `validate` never needs it (see model/validator.py). An instance of
    # a model not built yet dumps with `model_dump()` (which builds it), but pydantic-core
    # cannot serialize it as a value of type Any (pydantic issue 13647).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class SecretRef(_Model):
    """A reference to a declared secret: `{secret: name}`."""

    secret: SecretName


class SecretSource(_Model):
    """Where a secret's value comes from at deploy time: an env variable or a file."""

    env: EnvVarName | None = None
    file: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SecretSource:
        if (self.env is None) == (self.file is None):
            raise ValueError("a secret has exactly one source: {env: VAR} or {file: path}")
        return self


def _env_value(value: Any, secret_ref: ValidatorFunctionWrapHandler) -> Any:
    if isinstance(value, dict):
        return secret_ref(value)
    if isinstance(value, str | int | bool | Decimal) or value is None:
        return value
    raise ValueError("an environment value is a string, number, boolean or {secret: name}")


def _serialize(value: Any, serializer: core_schema.SerializerFunctionWrapHandler) -> Any:
    return serializer(value)


class _SecretOrScalar:
    """Validates an environment value with `_env_value`, a mapping as a SecretRef.

    A wrap validator around SecretRef's schema rather than a plain validator that calls
    `SecretRef.model_validate`: the spec's validator is then one schema, with no model
    building its own validator when the first `{secret: ...}` comes along.
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        declared = handler(source)  # serialized as the union it is, as PlainValidator does
        return core_schema.no_info_wrap_validator_function(
            _env_value,
            handler.generate_schema(SecretRef),
            serialization=core_schema.wrap_serializer_function_ser_schema(
                _serialize, schema=declared
            ),
        )


EnvValue = Annotated[
    "SecretRef | str | int | bool | Decimal | None",
    _SecretOrScalar(),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": ["string", "number", "boolean", "null"]},
                {
                    "type": "object",
                    "properties": {
                        "secret": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$"}
                    },
                    "required": ["secret"],
                    "additionalProperties": False,
                },
            ]
        }
    ),
]


def _words(value: Any) -> Any:
    if isinstance(value, str):
        return value
    # A number is the word it is written as (`[sleep, 5]`); a boolean is refused, not
    # turned into `True`: `[CMD, test, true]` means the word true, so it is quoted.
    words = isinstance(value, list) and all(
        isinstance(v, str | int | Decimal) and not isinstance(v, bool) for v in value
    )
    if words:
        return [str(v) for v in value]
    raise ValueError("expected a string or a list of strings (quote `true` and `false`)")


Words = Annotated[
    "str | list[str]",
    PlainValidator(_words),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]


class Network(_Model):
    name: Annotated[str, Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")]
    driver: Literal["bridge", "overlay", "host", "none"] = "bridge"


class Volume(_Model):
    driver: str | None = None


class Build(_Model):
    context: str
    dockerfile: str | None = None


class Healthcheck(_Model):
    test: Words
    interval: DurationT | None = None
    timeout: DurationT | None = None
    retries: Annotated[StrictInt, Field(ge=1)] | None = None
    start_period: DurationT | None = None


class Metrics(_Model):
    port: Port
    path: Annotated[str, Field(pattern=r"^/[A-Za-z0-9/_.-]*$")] = "/metrics"
    api_key: SecretRef | None = None


class Service(_Model):
    image: str | None = None
    build: str | Build | None = None
    enabled: StrictBool = True
    ports: list[PortMappingT] = []
    environment: dict[EnvVarName, EnvValue] = {}
    volumes: list[MountT] = []
    command: Words | None = None
    healthcheck: Healthcheck | None = None
    depends_on: list[ServiceName] = []
    memory: SizeT | None = None
    restart: Literal["no", "always", "on-failure", "unless-stopped"] = "unless-stopped"
    metrics: Metrics | None = None

    @model_validator(mode="after")
    def _image_or_build(self) -> Service:
        if (self.image is None) == (self.build is None):
            raise ValueError("a service has exactly one of `image` or `build`")
        return self


class Prometheus(_Model):
    image: str
    port: Port = 9090
    scrape_interval: DurationT = "15s"
    evaluation_interval: DurationT = "15s"
    retention: DurationT | None = None
    volume: VolumeName | None = None


class Grafana(_Model):
    image: str
    port: Port = 3000
    admin_user: str = "admin"
    admin_password: SecretRef
    plugins: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")]] = []
    volume: VolumeName | None = None


class Monitoring(_Model):
    prometheus: Prometheus | None = None
    grafana: Grafana | None = None


WEIGHT_PLACES = 6
"""A weight's decimal places at most: a step of 0.000001 moves the health score (0-100) by
0.0001, far finer than any tier's `min_score` (a whole number) needs, and it keeps every
sum and score of weights small and exact."""
WEIGHT_WHOLE_DIGITS = MAX_NUMBER_DIGITS
"""A weight's digits before the point at most, as the loader reads no longer number: a
quoted `"1E+100000"` would otherwise be summed, and printed, with all its digits."""


def _weight_number(value: Any) -> Any:
    # Decimal's lax mode takes "0.5" and, as a number, True: a weight is written as a number.
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, str):
        raise ValueError("expected a number, got a quoted string (write it without quotes)")
    return value


def _weight_precision(weight: Decimal) -> Decimal:
    # From the digits themselves: rounding (normalize, quantize) would use the decimal
    # context, and its 28 digits would hide the very places that are too many.
    _, digits, exponent = weight.as_tuple()
    if not isinstance(exponent, int):  # infinite or NaN, which the decimal type refuses
        return weight
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    places = max(-(exponent + zeros), 0) if zeros < len(digits) else 0
    if places > WEIGHT_PLACES:
        raise ValueError(
            f"a weight has at most {WEIGHT_PLACES} decimal places (its finest step, "
            f"0.000001, is 0.0001 of a health-score point), not {places}"
        )
    whole = weight.adjusted() + 1 if weight else 1
    if whole > WEIGHT_WHOLE_DIGITS:
        raise ValueError(
            f"a weight has at most {WEIGHT_WHOLE_DIGITS} digits before its point, not {whole}"
        )
    return weight


class Breaker(_Model):
    weight: Annotated[
        Decimal,
        BeforeValidator(_weight_number),
        AfterValidator(_weight_precision),
        WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 1}),
    ]
    failure_threshold: Annotated[StrictInt, Field(ge=1)]
    recovery_timeout: DurationT
    half_open_requests: Annotated[StrictInt, Field(ge=1)] = 1
    service: ServiceName | None = None


class Tier(_Model):
    name: Identifier
    min_score: StrictInt
    features: Literal["all"] | list[Identifier]
    cache: Literal["enabled", "fallback", "only", "disabled"] = "enabled"
    read_only: StrictBool = False
    status_page_only: StrictBool = False


class Degradation(_Model):
    features: list[Identifier]
    tiers: Annotated[list[Tier], Field(min_length=1)]


class Resilience(_Model):
    breakers: dict[Identifier, Breaker] = {}
    degradation: Degradation | None = None


class RateLimit(_Model):
    requests: Annotated[StrictInt, Field(ge=1)]
    window: DurationT


class Security(_Model):
    api_key: SecretRef | None = None
    rate_limit: RateLimit | None = None
    hsts: StrictBool = True
    force_https: StrictBool = False
    csp: str | None = None


class Logging(_Model):
    format: Literal["json", "text"] = "json"
    level: Literal["debug", "info", "warning", "error"] = "info"
    request_id_header: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]+$")] | None = None


class Runtime(_Model):
    service: ServiceName
    module: ModuleName
    # Constructed, not validated: validating would build both models when spec.py is imported.
    security: Security = Security.model_construct()
    logging: Logging = Logging.model_construct()


class Spec(_Model):
    """A whole stack: spec version 1."""

    stagespec: Literal[1]
    project: ProjectName
    network: Network | None = None
    secrets: dict[SecretName, SecretSource] = {}
    volumes: dict[VolumeName, Volume | None] = {}
    services: dict[ServiceName, Service]
    monitoring: Monitoring | None = None
    resilience: Resilience | None = None
    runtime: Runtime | None = None
    environments: dict[Identifier, dict[str, Any] | None] = {}


def secret_refs(spec: Spec) -> list[tuple[tuple[str, ...], SecretRef]]:
    """Every `{secret: ...}` reference in a spec, with the path of its `secret` key."""
    found: list[tuple[tuple[str, ...], SecretRef]] = []
    for name, service in spec.services.items():
        for var, value in service.environment.items():
            if isinstance(value, SecretRef):
                found.append((("services", name, "environment", var, "secret"), value))
        if service.metrics and service.metrics.api_key:
            found.append(
                (("services", name, "metrics", "api_key", "secret"), service.metrics.api_key)
            )
    grafana = spec.monitoring.grafana if spec.monitoring else None
    if grafana:
        found.append(
            (("monitoring", "grafana", "admin_password", "secret"), grafana.admin_password)
        )
    if spec.runtime and spec.runtime.security.api_key:
        path = ("runtime", "security", "api_key", "secret")
        found.append((path, spec.runtime.security.api_key))
    return found


def images(spec: Spec) -> list[tuple[tuple[str, ...], str]]:
    """Every image the stack names (services built from a context have none), with its path."""
    found: list[tuple[tuple[str, ...], str]] = [
        (("services", n, "image"), s.image) for n, s in spec.services.items() if s.image is not None
    ]
    monitoring = spec.monitoring
    if monitoring and monitoring.prometheus:
        found.append((("monitoring", "prometheus", "image"), monitoring.prometheus.image))
    if monitoring and monitoring.grafana:
        found.append((("monitoring", "grafana", "image"), monitoring.grafana.image))
    return found


def runtime_service(spec: Spec) -> Service | None:
    """The service that imports the runtime module; None without `runtime` or if undeclared."""
    return spec.services.get(spec.runtime.service) if spec.runtime else None
