"""Names, labels, ports and quantities of the Kubernetes target.

Spec names may hold `_`, which Kubernetes object names (RFC 1123/1035 labels) may not:
every name goes through `object_name`, which turns `_` into `-` and refuses what still
is not a valid name, so two spec names can never silently become one object.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from stagespec.errors import StagespecError
from stagespec.model.spec import Service, Spec
from stagespec.model.values import Duration, Size
from stagespec.targets.compose.secrets import image_repository

MANAGED_BY = "stagespec"
NAME_LABEL = "app.kubernetes.io/name"
INSTANCE_LABEL = "app.kubernetes.io/instance"
COMPONENT_LABEL = "app.kubernetes.io/component"
PART_OF_LABEL = "app.kubernetes.io/part-of"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
CHECKSUM_ANNOTATION = "checksum/config"
"""Pod-template annotation that changes with the ConfigMaps a pod reads, to roll it."""

SECRET_KEY = "value"
"""The one key of every Secret the target refers to."""

_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")

# Ports the official images listen on (their Dockerfile `EXPOSE`), for services that
# declare none: compose reaches them over its network anyway, a Kubernetes Service
# needs the number. Keyed like compose_secrets' table, by repository without tag.
WELL_KNOWN_PORTS: dict[str, int] = {
    "postgres": 5432,
    "redis": 6379,
    "mysql": 3306,
    "mariadb": 3306,
    "mongo": 27017,
    "memcached": 11211,
    "rabbitmq": 5672,
    "localstack/localstack": 4566,
}


class K8sError(StagespecError):
    """The spec cannot be written as Kubernetes manifests."""


def object_name(name: str, what: str) -> str:
    """A spec name as a Kubernetes object name: `_` and `.` become `-`, capitals small
    letters (`vhost.d` is `vhost-d`); K8sError if still invalid."""
    converted = name.replace("_", "-").replace(".", "-").lower()
    if not _DNS_LABEL.match(converted):
        raise K8sError(
            f"{what} {name!r} cannot name a Kubernetes object: {converted!r} must be at most "
            "63 characters, start with a letter and end with a letter or digit; rename it"
        )
    return converted


def unique_names(names: Iterable[str], what: str) -> dict[str, str]:
    """Spec name -> object name for each of `names`; K8sError when two become one."""
    found: dict[str, str] = {}
    owners: dict[str, str] = {}  # object name -> the spec name that took it
    for name in names:
        converted = object_name(name, what)
        if converted in owners:
            raise K8sError(
                f"{what}s {owners[converted]!r} and {name!r} both become {converted!r} in "
                "Kubernetes, where `_`, `.` and capitals are not allowed; rename one"
            )
        owners[converted] = name
        found[name] = converted
    return found


def secret_name(secret: str) -> str:
    """The Kubernetes Secret that holds spec secret `secret` under key `SECRET_KEY`."""
    return object_name(secret, "secret")


def variable_secret_name(variable: str) -> str:
    """The Kubernetes Secret that holds secret variable `variable` under `SECRET_KEY`."""
    return object_name(variable, "secret variable")


def variable_secrets(spec: Spec) -> dict[str, str]:
    """Secret name -> the secret variable it holds; K8sError when a spec secret with
    another source becomes the same Secret."""
    found = {}
    for variable, entry in spec.variables.items():
        if entry is None or not entry.secret:
            continue
        name = variable_secret_name(variable)
        for secret, source in spec.secrets.items():
            if secret_name(secret) == name and source.env != variable:
                raise K8sError(
                    f"secret {secret!r} and secret variable {variable} both become the "
                    f"Kubernetes Secret {name!r}; rename one"
                )
        found[name] = variable
    return found


def app_name(image: str | None, component: str) -> str:
    """`app.kubernetes.io/name`: the software (image repository's last part) or the component."""
    if image is None:
        return component
    last = image_repository(image).rsplit("/", 1)[-1]
    return last if _LABEL_VALUE.match(last) else component


def labels(project: str, component: str, app: str) -> dict[str, str]:
    """The recommended labels of every object of one component."""
    return {
        NAME_LABEL: app,
        INSTANCE_LABEL: project,
        COMPONENT_LABEL: component,
        PART_OF_LABEL: project,
        MANAGED_BY_LABEL: MANAGED_BY,
    }


def selector(project: str, component: str) -> dict[str, str]:
    """Labels that select a component's pods: only those that never change with the image."""
    return {INSTANCE_LABEL: project, COMPONENT_LABEL: component}


def metadata(name: str, object_labels: Mapping[str, str]) -> dict[str, object]:
    """`metadata` of a namespaced object; the namespace is left to kubectl or kustomize."""
    return {"name": name, "labels": dict(object_labels)}


@dataclass(frozen=True, order=True)
class ContainerPort:
    """A port a container listens on, named for Services and NetworkPolicies."""

    number: int
    protocol: str = "TCP"

    @property
    def name(self) -> str:
        """An IANA service name (at most 15 characters): `tcp-5432`."""
        return f"{self.protocol.lower()}-{self.number}"

    def container(self) -> dict[str, object]:
        """The entry of a container's `ports`."""
        return {"name": self.name, "containerPort": self.number, "protocol": self.protocol}

    def service(self) -> dict[str, object]:
        """The entry of a Service's `ports`: the same number, so `host:port` works as in compose."""
        return {
            "name": self.name,
            "port": self.number,
            "targetPort": self.name,
            "protocol": self.protocol,
        }


MAX_RANGE = 100
"""The most ports one `expose` range becomes: a Service lists its ports one by one."""


def exposed(entry: str) -> list[ContainerPort]:
    """The ports of an `expose` entry (`3000`, `3000/udp`, `8000-8010`); none for a range
    of more than `MAX_RANGE` ports or out of 1-65535 (see notes)."""
    ports, _, protocol = entry.partition("/")
    first, _, last = ports.partition("-")
    low, high = int(first), int(last or first)
    if not 1 <= low <= high <= 65535 or high - low >= MAX_RANGE:
        return []
    return [ContainerPort(n, (protocol or "tcp").upper()) for n in range(low, high + 1)]


def declared_ports(service: Service) -> list[ContainerPort]:
    """The container side of `ports`, then `expose`, then the metrics port, each once, in
    spec order."""
    found = [ContainerPort(p.container, p.protocol.upper()) for p in service.ports]
    for entry in service.expose:
        found += exposed(entry)
    if service.metrics is not None:
        found.append(ContainerPort(service.metrics.port))
    return list(dict.fromkeys(found))


def inferred_port(service: Service) -> ContainerPort | None:
    """The image's well-known port, for a service that declares none."""
    if declared_ports(service) or service.image is None:
        return None
    number = WELL_KNOWN_PORTS.get(image_repository(service.image))
    return ContainerPort(number) if number is not None else None


def service_ports(service: Service) -> list[ContainerPort]:
    """Every port the service's pods listen on, as far as the spec (or its image) says."""
    inferred = inferred_port(service)
    return [inferred] if inferred is not None else declared_ports(service)


def memory_quantity(size: Size) -> str:
    """Bytes as a Kubernetes quantity: compose's `512m` (MiB) is `512Mi`, never `512m`."""
    for suffix, factor in (("Gi", 1024**3), ("Mi", 1024**2), ("Ki", 1024)):
        if size.bytes and size.bytes % factor == 0:
            return f"{size.bytes // factor}{suffix}"
    return str(size.bytes)


def whole_seconds(duration: Duration, minimum: int = 1) -> int:
    """A duration in whole seconds, rounded up: probe fields take integers."""
    return max(minimum, math.ceil(duration.ms / 1000))


def checksum(config_maps: Iterable[Mapping[str, str]]) -> str:
    """A digest of ConfigMap data, so a pod template changes when its config does."""
    text = json.dumps(list(config_maps), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
