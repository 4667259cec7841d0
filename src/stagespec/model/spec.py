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
    EnvKey,
    EnvVarName,
    ExposeT,
    Identifier,
    ModuleName,
    MountT,
    NetworkName,
    Port,
    PortMappingT,
    PositiveVarIntT,
    ProjectName,
    SecretName,
    ServiceName,
    SizeT,
    VariableName,
    VarIntT,
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


CONTAINER_NAME = r"^[a-zA-Z0-9$][a-zA-Z0-9_.${}-]*$"
RESTART_PATTERN = r"^(no|always|unless-stopped|on-failure(:[1-9][0-9]{0,8})?)$"


def _one_or_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _build_arg(value: Any) -> Any:
    # A build argument is text to the builder: `1` and `true` are written as they read.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    return value


def _labels(value: Any) -> Any:
    # Compose's list form, `- key=value`, is accepted as the mapping it means.
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        pairs = [item.partition("=") for item in value]
        return {key: text for key, _, text in pairs}
    return value


def _secret_mount(value: Any) -> Any:
    return {"secret": value} if isinstance(value, str) else value


class Variable(_Model):
    """A deploy-time variable, referenced as `${NAME}` in any string of the spec."""

    default: Annotated[str | None, BeforeValidator(_build_arg)] = None
    required: StrictBool = False
    """Deploy fails unless a value is set; a default (an environment's, say) is one."""
    description: str | None = None
    secret: StrictBool = False
    """Its value is a secret: it has no default, and no build writes its value; the
    Kubernetes target reads it from a Secret at run time (`$(NAME)`), never `--var`."""

    @property
    def needs_value(self) -> bool:
        """Required, and no default given: the deploy host must set it."""
        return self.required and self.default is None

    @model_validator(mode="after")
    def _secret_has_no_default(self) -> Variable:
        if self.secret and self.default is not None:
            raise ValueError(
                "a secret variable cannot have a default: the default would be a secret in "
                "plain text in the spec; set the variable on the deploy host instead"
            )
        return self


class Network(_Model):
    """The one network of `network:` (every service joins it); see `networks:` for more."""

    name: Annotated[str, Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")]
    driver: Literal["bridge", "overlay", "host", "none"] = "bridge"


class IpamPool(_Model):
    subnet: str | None = None
    gateway: str | None = None
    ip_range: str | None = None
    aux_addresses: dict[str, str] = {}


class Ipam(_Model):
    driver: str | None = None
    config: list[IpamPool] = []
    options: dict[str, str] = {}


class NetworkDef(_Model):
    """One network of `networks:`: compose's network keys, typed."""

    name: Annotated[str, Field(pattern=r"^[a-zA-Z0-9${}][a-zA-Z0-9_.${}-]{0,127}$")] | None = None
    driver: str | None = None
    driver_opts: dict[str, str] = {}
    internal: StrictBool = False
    external: StrictBool = False
    attachable: StrictBool = False
    enable_ipv6: StrictBool = False
    ipam: Ipam | None = None
    labels: dict[str, str] = {}


class Volume(_Model):
    driver: str | None = None
    driver_opts: dict[str, str] = {}
    external: StrictBool = False
    name: str | None = None
    labels: dict[str, str] = {}


class Build(_Model):
    context: str
    dockerfile: str | None = None
    target: str | None = None
    args: dict[str, Annotated[str | None, BeforeValidator(_build_arg)]] = {}


class Healthcheck(_Model):
    test: Words | None = None
    interval: DurationT | None = None
    timeout: DurationT | None = None
    retries: PositiveVarIntT | None = None
    start_period: DurationT | None = None
    start_interval: DurationT | None = None
    disable: StrictBool = False

    @model_validator(mode="after")
    def _test_or_disable(self) -> Healthcheck:
        if (self.test is None) != self.disable:
            raise ValueError("a healthcheck has a `test`, or is `disable: true` alone")
        return self


HeaderName = Annotated[str, Field(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")]


class HeaderAuth(_Model):
    """The key sent as it is in a header of its own, such as `X-API-Key`."""

    header: HeaderName


class Metrics(_Model):
    port: Port
    path: Annotated[str, Field(pattern=r"^/[A-Za-z0-9/_.-]*$")] = "/metrics"
    api_key: SecretRef | None = None
    auth: Literal["bearer"] | HeaderAuth = "bearer"
    """How the scrape sends `api_key`: `bearer` (`Authorization: Bearer KEY`) or
    `{header: X-API-Key}` (the key alone in that header). The runtime module names the
    same, so the service checks what Prometheus sends."""


Condition = Literal["started", "healthy", "completed"]
"""What a dependent waits for: the dependency started, passing its healthcheck, or exited 0."""


class Dependency(_Model):
    condition: Condition = "healthy"
    restart: StrictBool = False
    """Restart this service when the dependency is restarted (compose only)."""
    required: StrictBool = True
    """False: start without the dependency when it is not part of the run (compose only)."""


DEFAULT_DEPENDENCY = Dependency.model_construct()


class ServiceNetwork(_Model):
    aliases: list[Annotated[str, Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,252}$")]] = []
    ipv4_address: str | None = None
    ipv6_address: str | None = None


class SecretMount(_Model):
    """A declared secret mounted as a file, by default at `/run/secrets/<secret>`."""

    secret: SecretName
    target: str | None = None
    uid: str | None = None
    gid: str | None = None
    mode: Annotated[StrictInt, Field(ge=0, le=0o777)] | None = None


class Ulimit(_Model):
    soft: StrictInt
    hard: StrictInt


class LogDriver(_Model):
    driver: str | None = None
    options: dict[str, str] = {}


Capability = Annotated[str, Field(pattern=r"^(CAP_)?[A-Z_]+$|^ALL$")]
ServiceNetworks = list[NetworkName] | dict[NetworkName, ServiceNetwork | None]
Dependencies = list[ServiceName] | dict[ServiceName, Condition | Dependency]


class Service(_Model):
    image: str | None = None
    """The image to run; beside `build`, the tag the built image gets."""
    build: str | Build | None = None
    enabled: StrictBool = True
    profiles: list[Annotated[str, Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")]] = []
    container_name: Annotated[str, Field(pattern=CONTAINER_NAME)] | None = None
    hostname: str | None = None
    platform: str | None = None
    pull_policy: Literal["always", "never", "missing", "build", "if_not_present"] | None = None
    ports: list[PortMappingT] = []
    expose: list[ExposeT] = []
    environment: dict[EnvKey, EnvValue] = {}
    env_file: Annotated[list[str], BeforeValidator(_one_or_list)] = []
    volumes: list[MountT] = []
    tmpfs: Annotated[list[str], BeforeValidator(_one_or_list)] = []
    secrets: list[Annotated[SecretMount, BeforeValidator(_secret_mount)]] = []
    entrypoint: Words | None = None
    command: Words | None = None
    working_dir: str | None = None
    user: str | None = None
    healthcheck: Healthcheck | None = None
    depends_on: Dependencies = []
    links: list[str] = []
    networks: ServiceNetworks = []
    network_mode: str | None = None
    extra_hosts: list[str] = []
    memory: SizeT | None = None
    shm_size: SizeT | None = None
    pids_limit: VarIntT | None = None
    ulimits: dict[Annotated[str, Field(pattern=r"^[a-z]+$")], StrictInt | Ulimit] = {}
    cap_add: list[Capability] = []
    cap_drop: list[Capability] = []
    security_opt: list[str] = []
    devices: list[str] = []
    privileged: StrictBool = False
    read_only: StrictBool = False
    init: StrictBool = False
    stdin_open: StrictBool = False
    tty: StrictBool = False
    labels: Annotated[dict[str, str], BeforeValidator(_labels)] = {}
    logging: LogDriver | None = None
    stop_signal: Annotated[str, Field(pattern=r"^(SIG)?[A-Z0-9+-]+$")] | None = None
    stop_grace_period: DurationT | None = None
    restart: Annotated[str, Field(pattern=RESTART_PATTERN)] = "unless-stopped"
    metrics: Metrics | None = None
    x_compose: Annotated[dict[str, Any], Field(alias="x-compose")] = {}
    """Merged last into this service's compose entry: keys with no typed home."""
    x_kubernetes: Annotated[dict[str, Any], Field(alias="x-kubernetes")] = {}
    """Merged last into this service's Kubernetes objects, by kind (`Deployment`, ...)."""

    @model_validator(mode="after")
    def _image_or_build(self) -> Service:
        if self.image is None and self.build is None:
            raise ValueError("a service has an `image`, a `build`, or both")
        if self.network_mode is not None and self.networks:
            raise ValueError("a service has `networks` or `network_mode`, not both")
        return self

    def dependencies(self) -> list[tuple[int | str, str, Dependency]]:
        """Each dependency: (its key or index under `depends_on`, the service, how to wait)."""
        if isinstance(self.depends_on, list):
            return [(i, name, DEFAULT_DEPENDENCY) for i, name in enumerate(self.depends_on)]
        return [
            (name, name, Dependency.model_construct(condition=dep) if isinstance(dep, str) else dep)
            for name, dep in self.depends_on.items()
        ]

    def network_names(self) -> list[str]:
        """The networks of `networks:` this service joins, in order."""
        return list(self.networks)


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
    path: Annotated[str, Field(pattern=r"^/[A-Za-z0-9/_.-]*$")] = "/app"
    """The folder, on the service's import path, that the generated module is mounted into
    (compose: a read-only bind mount; Kubernetes: a ConfigMap volume)."""
    # Constructed, not validated: validating would build both models when spec.py is imported.
    security: Security = Security.model_construct()
    logging: Logging = Logging.model_construct()


class Spec(_Model):
    """A whole stack: spec version 1."""

    stagespec: Literal[1]
    project: ProjectName
    variables: dict[VariableName, Variable | None] = {}
    network: Network | None = None
    networks: dict[NetworkName, NetworkDef | None] = {}
    secrets: dict[SecretName, SecretSource] = {}
    volumes: dict[VolumeName, Volume | None] = {}
    services: dict[ServiceName, Service]
    monitoring: Monitoring | None = None
    resilience: Resilience | None = None
    runtime: Runtime | None = None
    environments: dict[Identifier, dict[str, Any] | None] = {}
    x_compose: Annotated[dict[str, Any], Field(alias="x-compose")] = {}
    """Merged last into the top level of the compose file."""
    x_kubernetes: Annotated[list[dict[str, Any]], Field(alias="x-kubernetes")] = []
    """More Kubernetes objects, written as they are beside the generated ones."""

    @model_validator(mode="after")
    def _one_network_form(self) -> Spec:
        if self.network is not None and self.networks:
            raise ValueError("a spec has `network` (one for all) or `networks`, not both")
        return self


def secret_refs(spec: Spec) -> list[tuple[tuple[str | int, ...], SecretRef]]:
    """Every `{secret: ...}` reference in a spec, with the path of its `secret` key (of
    the mount, for a secret mounted as a file)."""
    found: list[tuple[tuple[str | int, ...], SecretRef]] = []
    for name, service in spec.services.items():
        for var, value in service.environment.items():
            if isinstance(value, SecretRef):
                found.append((("services", name, "environment", var, "secret"), value))
        for i, mount in enumerate(service.secrets):
            ref = SecretRef.model_construct(secret=mount.secret)
            found.append((("services", name, "secrets", i), ref))
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
