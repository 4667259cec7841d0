"""NetworkPolicies: each component's pods take in only the traffic the spec provides for.

Compose puts every service on one network where anything reaches anything; Kubernetes
has one flat pod network. So each component gets a NetworkPolicy that selects its pods
and allows ingress only:

1. from anywhere, on the container ports that the spec publishes on a host port
   (`ports: ["HOST:CONTAINER"]`, and Grafana's port): what compose opens beyond the
   stack's own network. A port bound to a loopback address (`127.0.0.1:HOST:CONTAINER`)
   reaches only the host itself, so it opens nothing here;
2. from the project's pods (`app.kubernetes.io/instance`), on all its ports, when another
   enabled service `depends_on` it;
3. from the Prometheus pods, on its metrics port, when Prometheus scrapes it;
4. from the Grafana pods, on Prometheus's port (its datasource) and on the ports of the
   service its Redis datasource queries.

With `networks:` (several networks, each service joining some; none joined: `default`),
each network gets a policy of its own that admits traffic between its members on every
port, as compose's network does; rule 2 is then left out, as a dependent that shares no
network with a service cannot reach it in compose either. Each member's pods carry the
label `network.stagespec/<network>`. An `internal` network's policy limits its members'
egress to the other members and the cluster's DNS; when there is one, every other
network's policy allows all egress, so a pod that is also on one of those still reaches
the world (policies add up). The single `network:` of the old form changes nothing here.

A port already open to a wider peer (anywhere, then the project) is not repeated for a
narrower one. A component with
no rule gets a policy without `ingress`: all ingress to it is denied. Egress is not
restricted (compose does not restrict it either). Probes need no rule: `exec` probes
use no network, and traffic from the pod's own node (the kubelet's `httpGet`) is always
allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from stagespec.model.spec import Spec
from stagespec.targets.compose.monitoring import GRAFANA, GRAFANA_PORT, PROMETHEUS
from stagespec.targets.grafana import REDIS_PLUGIN, redis_service
from stagespec.targets.k8s.names import (
    INSTANCE_LABEL,
    MANAGED_BY,
    MANAGED_BY_LABEL,
    PART_OF_LABEL,
    ContainerPort,
    K8sError,
    labels,
    metadata,
    selector,
)
from stagespec.targets.k8s.workload import Workload

Peer = str | None
"""Where traffic may come from: None for anywhere, `PROJECT`, or a component's name."""
PROJECT = "*project*"  # not a valid component name, so it cannot clash with one

Reach = dict[str, dict[Peer, list[ContainerPort]]]


def _published(spec: Spec, names: Mapping[str, str]) -> Reach:
    reach: Reach = {}
    for name, component in names.items():
        service = spec.services[name]
        ports = [
            ContainerPort(p.container, p.protocol.upper())
            for p in service.ports
            if p.host is not None and not _loopback(p.host_ip)
        ]
        if ports:
            reach.setdefault(component, {})[None] = ports
    if spec.monitoring and spec.monitoring.grafana:
        reach.setdefault(GRAFANA, {})[None] = [ContainerPort(GRAFANA_PORT)]
    return reach


def _loopback(host_ip: str) -> bool:
    return host_ip.startswith("127.") or host_ip == "[::1]"


def _allow(reach: Reach, component: str, peer: Peer, ports: list[ContainerPort]) -> None:
    listed = reach.setdefault(component, {}).setdefault(peer, [])
    listed.extend(port for port in ports if port not in listed)


def _reach(spec: Spec, names: Mapping[str, str], ports: Mapping[str, list[ContainerPort]]) -> Reach:
    """Who may reach each component, on which ports, before duplicates are removed."""
    reach = _published(spec, names)
    for name in names if not spec.networks else ():  # networks decide who reaches whom
        for dep in spec.services[name].depends_on:
            if dep in names:
                _allow(reach, names[dep], PROJECT, ports[names[dep]])
    monitoring = spec.monitoring
    if monitoring and monitoring.prometheus:
        for name, component in names.items():
            metrics = spec.services[name].metrics
            if metrics is not None:
                _allow(reach, component, PROMETHEUS, [ContainerPort(metrics.port)])
    if monitoring and monitoring.grafana:
        if monitoring.prometheus:
            _allow(reach, PROMETHEUS, GRAFANA, ports[PROMETHEUS])
        redis = redis_service(spec)
        if REDIS_PLUGIN in monitoring.grafana.plugins and redis is not None:
            _allow(reach, names[redis], GRAFANA, ports[names[redis]])
    return reach


def _peer(project: str, peer: Peer) -> list[dict[str, Any]]:
    if peer is None:
        return []
    match = {INSTANCE_LABEL: project} if peer == PROJECT else selector(project, peer)
    return [{"podSelector": {"matchLabels": match}}]


def _rules(project: str, allowed: Mapping[Peer, list[ContainerPort]]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    opened: set[ContainerPort] = set()
    for peer in sorted(allowed, key=_peer_order):
        ports = [port for port in allowed[peer] if port not in opened]
        if not ports:
            continue
        if peer is None or peer == PROJECT:  # they include every later peer
            opened.update(ports)
        rule: dict[str, Any] = {}
        if peer is not None:
            rule["from"] = _peer(project, peer)
        rule["ports"] = [{"protocol": p.protocol, "port": p.number} for p in ports]
        rules.append(rule)
    return rules


def _peer_order(peer: Peer) -> tuple[int, str]:
    return (0, "") if peer is None else (1, "") if peer == PROJECT else (2, peer)


def network_policies(
    project: str, spec: Spec, names: Mapping[str, str], workloads: list[Workload]
) -> list[dict[str, Any]]:
    """One NetworkPolicy per workload, in workload order."""
    ports = {w.component: list(w.ports) for w in workloads}
    reach = _reach(spec, names, ports)
    policies = []
    for workload in workloads:
        policy_spec: dict[str, Any] = {
            "podSelector": {"matchLabels": selector(project, workload.component)},
            "policyTypes": ["Ingress"],
        }
        if rules := _rules(project, reach.get(workload.component, {})):
            policy_spec["ingress"] = rules
        object_labels = labels(project, workload.component, workload.app)
        policies.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": metadata(workload.component, object_labels),
                "spec": policy_spec,
            }
        )
    return policies


DEFAULT_NETWORK = "default"
"""The network compose puts a service on that lists none."""
NETWORK_LABEL_PREFIX = "network.stagespec/"
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_DNS = {"k8s-app": "kube-dns"}


def memberships(spec: Spec, name: str) -> list[str]:
    """The networks of `networks:` service `name` joins; none without that form."""
    service = spec.services[name]
    if not spec.networks or service.network_mode is not None:
        return []
    return service.network_names() or [DEFAULT_NETWORK]


def network_label(network: str) -> str:
    """The pod label that marks a member of `network`."""
    if not _LABEL_NAME.match(network):
        raise K8sError(
            f"network {network!r} cannot be a Kubernetes label name (at most 63 characters, "
            "starting and ending with a letter or digit); rename it"
        )
    return NETWORK_LABEL_PREFIX + network


def membership_labels(spec: Spec, name: str) -> dict[str, str]:
    """The labels of service `name`'s pods that mark its networks."""
    return {network_label(network): "true" for network in memberships(spec, name)}


def member_policies(project: str, spec: Spec, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """One NetworkPolicy per network with members, in the order networks are first joined."""
    members: dict[str, list[str]] = {}
    for name in names:
        for network in memberships(spec, name):
            members.setdefault(network, []).append(name)
    internal = {n for n in members if (d := spec.networks.get(n)) is not None and d.internal}
    object_labels = {INSTANCE_LABEL: project, PART_OF_LABEL: project, MANAGED_BY_LABEL: MANAGED_BY}
    found = []
    for network in members:
        own = {
            "podSelector": {
                "matchLabels": {INSTANCE_LABEL: project, network_label(network): "true"}
            }
        }
        policy: dict[str, Any] = {"podSelector": own["podSelector"], "policyTypes": ["Ingress"]}
        policy["ingress"] = [{"from": [own]}]
        if internal:
            policy["policyTypes"].append("Egress")
            policy["egress"] = _egress(own) if network in internal else [{}]
        found.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": metadata(policy_name(network), object_labels),
                "spec": policy,
            }
        )
    return found


def policy_name(network: str) -> str:
    """The NetworkPolicy of a network: `network-<name>`, lower case, other signs as `-`."""
    name = re.sub(r"[^a-z0-9]+", "-", network.lower()).strip("-")
    return "network-" + name[:54].rstrip("-")


def _egress(own: dict[str, Any]) -> list[dict[str, Any]]:
    dns = {"namespaceSelector": {}, "podSelector": {"matchLabels": dict(_DNS)}}
    ports = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    return [{"to": [own]}, {"to": [dns], "ports": ports}]
