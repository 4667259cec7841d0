"""What the Kubernetes target cannot express, as sentences for the CLI and the README."""

from __future__ import annotations

from collections.abc import Iterator

from stagespec.model.spec import Build, Service, Spec
from stagespec.model.values import PortMapping
from stagespec.targets.compose.monitoring import GRAFANA, GRAFANA_PORT
from stagespec.targets.k8s import container
from stagespec.targets.k8s.names import (
    COMPONENT_LABEL,
    INSTANCE_LABEL,
    MANAGED_BY_LABEL,
    MAX_RANGE,
    NAME_LABEL,
    PART_OF_LABEL,
    exposed,
    inferred_port,
    object_name,
    service_ports,
)
from stagespec.targets.k8s.workload import PLACEHOLDER_TAG, build_image


def unsupported(spec: Spec) -> list[str]:
    """Everything in `spec` the Kubernetes manifests leave out or change, one sentence each."""
    notes: list[str] = []
    dependents = _dependents(spec)
    for name, service in spec.services.items():
        if service.enabled:
            notes += _service_notes(spec, name, service, dependents.get(name, []))
    notes += _volume_notes(spec)
    grafana = spec.monitoring.grafana if spec.monitoring else None
    if grafana is not None:
        notes.append(_host_port(GRAFANA, PortMapping(GRAFANA_PORT, grafana.port)))
    notes += list(_network_notes(spec))
    if spec.network is not None:
        notes.append(
            f"network {spec.network.name!r}: Kubernetes has one flat pod network; the "
            "NetworkPolicies (networkpolicy-*.yaml) limit what reaches each pod instead"
        )
    return notes


def _dependents(spec: Spec) -> dict[str, list[str]]:
    """Service -> the enabled services that depend on it, in spec order.

    Built once for the whole spec: asking each service's question of every other one
    made the notes of N services take N * N steps.
    """
    found: dict[str, list[str]] = {}
    for other, service in spec.services.items():
        if service.enabled:
            for dependency in dict.fromkeys(service.depends_on):
                found.setdefault(dependency, []).append(other)
    return found


def _service_notes(spec: Spec, name: str, service: Service, dependents: list[str]) -> list[str]:
    component = object_name(name, "service")
    notes = []
    if component != name:
        notes.append(
            f"service {name!r} is {component!r} in Kubernetes, which allows no `_` in names: "
            f"addresses that use {name!r} as a host name must use {component!r}"
        )
    notes += _start_order(spec, name, service)
    if service.restart == "no" or service.restart.startswith("on-failure"):
        notes.append(
            f"{name}: `restart: {service.restart}` has no equivalent; a Deployment or "
            "StatefulSet always restarts its pods (run it as a Job if it should stop)"
        )
    notes += [_host_port(component, port) for port in service.ports if port.host is not None]
    notes += _port_notes(name, service, dependents)
    notes += _build_note(spec.project, name, component, service.build, service.image)
    notes += list(_probe_notes(name, service))
    for mount in service.volumes:
        if not mount.is_named and not mount.is_anonymous:
            notes.append(
                f"{name}: the bind mount {mount.source!r} at {mount.target} has no equivalent "
                "in a cluster and is left out (use a ConfigMap or a volume in an overlay)"
            )
    for var, value in service.environment.items():
        if value is None:
            notes.append(
                f"{name}: variable {var} is null, which compose takes from the host's "
                "environment; it is left out"
            )
    notes += _more_service_notes(name, service)
    notes += container.notes(name, service, TAKEN_LABELS)
    return notes


TAKEN_LABELS = {NAME_LABEL, INSTANCE_LABEL, COMPONENT_LABEL, PART_OF_LABEL, MANAGED_BY_LABEL}


def _more_service_notes(name: str, service: Service) -> Iterator[str]:
    for _, dependency, wait in service.dependencies():
        if wait.condition == "completed":
            yield (
                f"{name} waits for {dependency} to complete; a Deployment or StatefulSet "
                f"runs {dependency} for good: run it as a Job, and wait for it in an init "
                "container"
            )
    if service.healthcheck is not None and service.healthcheck.start_interval is not None:
        yield (
            f"{name}: healthcheck start_interval has no equivalent; probes keep one period "
            "(a startupProbe could check more often while the container starts)"
        )
    for entry in service.expose:
        if not exposed(entry):
            yield (
                f"{name}: expose {entry!r} is more than {MAX_RANGE} ports, which a Service "
                "lists one by one; it is left out"
            )
    if isinstance(service.networks, dict):
        for network, joined in service.networks.items():
            if joined is not None and (
                joined.aliases or joined.ipv4_address or joined.ipv6_address
            ):
                yield (
                    f"{name}: on network {network!r}, aliases and fixed addresses have no "
                    "equivalent: pods get addresses of the cluster's choosing, and are reached "
                    "by their Service name"
                )


def _start_order(spec: Spec, name: str, service: Service) -> list[str]:
    deps = [d for d in service.depends_on if d in spec.services and spec.services[d].enabled]
    if not deps:
        return []
    listed = ", ".join(deps)
    return [
        f"{name}: `depends_on` ({listed}) has no equivalent; Kubernetes starts pods in any "
        f"order, so {name} must retry its connections until the readiness probes of "
        f"{listed} pass (or wait for them in an init container)"
    ]


def _host_port(component: str, port: PortMapping) -> str:
    bound = f" on {port.host_ip}" if port.host_ip else ""
    # kubectl port-forward carries TCP only.
    forward = (
        f"reach it with `kubectl port-forward service/{component} {port.host}:{port.container}`"
        ", or expose it"
        if port.protocol == "tcp"
        else "expose it"
    )
    return (
        f"{component}: host port {port.host}{bound} (container port {port.container}/"
        f"{port.protocol}) is not published, as Services bind no host ports; the ClusterIP "
        f"Service {component!r} has port {port.container}: {forward} with a NodePort or "
        "LoadBalancer Service or an Ingress"
    )


def _port_notes(name: str, service: Service, dependents: list[str]) -> list[str]:
    inferred = inferred_port(service)
    if inferred is not None:
        return [
            f"{name} declares no port: its Service uses {inferred.number}, the default port "
            f"of its image {service.image!r}"
        ]
    if service_ports(service) or not dependents:
        return []
    return [
        f"{name} declares no port, and its image's is not known: {', '.join(dependents)} "
        f"depend on it, but no Service port or NetworkPolicy rule lets them in; add "
        f"`ports: [PORT]` (a container port alone publishes nothing on the host)"
    ]


def _build_note(
    project: str, name: str, component: str, build: str | Build | None, tag: str | None
) -> list[str]:
    if build is None:
        return []
    context = build if isinstance(build, str) else build.context
    if tag is not None:
        return [
            f"{name} is built from {context!r}, and Kubernetes cannot build images: build it "
            f"and push it as {tag!r}, the image the manifests run"
        ]
    image = build_image(project, component)
    return [
        f"{name} is built from {context!r}, and Kubernetes cannot build images: build and "
        f"push it, then set its image in an overlay with `kustomize edit set image "
        f"{image}=REGISTRY/IMAGE:TAG` (the manifests name {image}:{PLACEHOLDER_TAG} until then)"
    ]


def _probe_notes(name: str, service: Service) -> Iterator[str]:
    check = service.healthcheck
    if check is None:
        return
    for key in ("interval", "timeout", "start_period"):
        value = getattr(check, key)
        if value is not None and value.ms % 1000:
            yield (
                f"{name}: healthcheck {key} {value} is rounded up to whole seconds, "
                "which is all a probe can count"
            )


def _volume_notes(spec: Spec) -> list[str]:
    users: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()  # (volume, service): a list's `in` made this N * N
    for name, service in spec.services.items():
        for mount in service.volumes if service.enabled else ():
            if mount.is_named and (mount.source, name) not in seen:
                seen.add((mount.source, name))
                users.setdefault(mount.source, []).append(name)
    for role, server in _monitoring_volumes(spec):
        users.setdefault(server, []).append(role)
    notes = [
        f"volume {volume!r} is mounted by {', '.join(names)}: each StatefulSet gets its own "
        "claim, so they do not share data as compose's services do"
        for volume, names in users.items()
        if len(names) > 1
    ]
    for volume, definition in spec.volumes.items():
        if definition is not None and definition.driver and volume in users:
            notes.append(
                f"volume {volume!r} uses driver {definition.driver!r}: claims use the "
                "cluster's default StorageClass; set `storageClassName` in an overlay"
            )
        if definition is not None and volume in users and definition.external:
            notes.append(
                f"volume {volume!r} is external: each StatefulSet gets a claim of its own; "
                "bind an existing PersistentVolume to it in an overlay (`volumeName`)"
            )
        if (
            definition is not None
            and volume in users
            and (definition.driver_opts or definition.name)
        ):
            notes.append(
                f"volume {volume!r}: its `driver_opts` and `name` have no equivalent in a claim"
            )
    return notes


_NETWORK_KEYS = ("name", "driver", "driver_opts", "attachable", "enable_ipv6", "ipam", "labels")


def _network_notes(spec: Spec) -> Iterator[str]:
    if not spec.networks:
        return
    yield (
        f"networks ({', '.join(spec.networks)}): Kubernetes has one flat pod network; a "
        "NetworkPolicy per network (networkpolicy-network-*.yaml) admits traffic between "
        "its members only"
    )
    for network, definition in spec.networks.items():
        if definition is None:
            continue
        if definition.external:
            yield (
                f"network {network!r} is external: what else is on it is not in the cluster; "
                "its policy admits this stack's members only"
            )
        if definition.internal:
            yield (
                f"network {network!r} is internal: its members' egress is limited to its "
                "members and the cluster's DNS, unless they are on another network too"
            )
        unmapped = [key for key in _NETWORK_KEYS if getattr(definition, key)]
        if unmapped:
            keys = ", ".join(f"`{key}`" for key in unmapped)
            yield f"network {network!r}: no equivalent of {keys}; left out"


def _monitoring_volumes(spec: Spec) -> list[tuple[str, str]]:
    if spec.monitoring is None:
        return []
    servers = [("prometheus", spec.monitoring.prometheus), (GRAFANA, spec.monitoring.grafana)]
    return [(role, s.volume) for role, s in servers if s is not None and s.volume]
