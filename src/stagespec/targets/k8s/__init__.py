"""Kubernetes manifests for one environment: plain objects and a `kustomization.yaml`.

The files, all in one folder:
- `configmap-<name>.yaml`: the runtime service's settings and its runtime module (mounted
  by `subPath` at `<runtime.path>/<module>.py`, the same bytes as the compose target's
  file), and the Prometheus and Grafana files (`config`);
- `<component>.yaml`: the Service and the Deployment or StatefulSet of each enabled
  service, in spec order, then of Prometheus and Grafana (`workload`,
  `monitoring`);
- `networkpolicy-<component>.yaml`: what may reach each component, and with `networks:`
  `networkpolicy-network-<network>.yaml`: traffic between a network's members (`network`);
- `x-kubernetes.yaml`: the spec's own objects (top-level `x-kubernetes`), after each
  service's `x-kubernetes` patches are merged into its objects (`patch`);
- `kustomization.yaml`: every file above, in that order, and one `images:` entry per
  service built from source;
- `README.md`: the Secrets to create, the images to set, and what the spec says that
  Kubernetes cannot (`readme`, `notes`; the CLI prints `unsupported(spec)`).

A service with `build:` runs `<project>-<service>:unset`: Kubernetes cannot build, an
unpinned `:latest` would run whatever was pushed last, and a tag that does not exist
fails loudly until an overlay sets the real image (kustomize `images:`).
Objects are data, dumped by libyaml's safe emitter; text with line breaks (the files in
ConfigMaps) is written as literal blocks, which the emitter indents, so no value can
add a key. Not PyYAML's pure-Python emitter: it writes U+0085 unescaped in quoted and
block scalars, where every YAML 1.1 reader takes it for a line break, so the value would
not read back as written.

`target` is what `build --target k8s` runs. May import plan, model, the other targets
and the bottom modules; never rules, engine or cli.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from stagespec.model.spec import Spec
from stagespec.plan import secretvars
from stagespec.plan.inputs import BuildInput
from stagespec.targets import grafana, prometheus, runtime
from stagespec.targets.base import YamlWriter, header
from stagespec.targets.compose.monitoring import GRAFANA, PROMETHEUS
from stagespec.targets.k8s.config import (
    GRAFANA_FOLDERS,
    PROMETHEUS_FOLDERS,
    ConfigMap,
    config_map_object,
    file_maps,
    module_map,
    settings_map,
)
from stagespec.targets.k8s.monitoring import grafana_workload, prometheus_workload
from stagespec.targets.k8s.names import (
    CHECKSUM_ANNOTATION,
    K8sError,
    checksum,
    object_name,
    service_ports,
    unique_names,
    variable_secrets,
)
from stagespec.targets.k8s.network import member_policies, membership_labels, network_policies
from stagespec.targets.k8s.notes import unsupported
from stagespec.targets.k8s.patch import EXTRA_FILE, apply_patches, extra_objects
from stagespec.targets.k8s.readme import readme
from stagespec.targets.k8s.workload import (
    PLACEHOLDER_TAG,
    Workload,
    build_image,
    objects,
    service_workload,
)
from stagespec.targets.source_path import with_printable_source

__all__ = ["KUSTOMIZATION", "NAME", "README", "K8sError", "render", "unsupported"]

NAME = "k8s"
KUSTOMIZATION = "kustomization.yaml"
README = "README.md"


def render(build: BuildInput) -> dict[str, bytes]:
    """The manifests, `kustomization.yaml` and README.md of one environment."""
    module = runtime.render(build)  # as the compose target writes it, byte for byte
    build = with_printable_source(build)
    spec = build.spec
    project = object_name(spec.project, "project")
    names = component_names(spec)
    variables = variable_secrets(spec)  # before any object: a name clash is the spec's
    configs = _configs(build, names, module)
    workloads = _workloads(spec, names, configs)
    apps = {workload.component: workload.app for workload in workloads}
    documents: dict[str, list[dict[str, Any]]] = {}
    for component, maps in configs.items():
        for config in maps:
            document = config_map_object(project, config, apps[component])
            _put(documents, f"configmap-{config.name}.yaml", [document])
    for workload in workloads:
        _put(documents, f"{workload.component}.yaml", objects(project, workload))
    policies = network_policies(project, spec, names, workloads)
    for policy in policies + member_policies(project, spec, names):
        _put(documents, f"networkpolicy-{policy['metadata']['name']}.yaml", [policy])
    apply_patches(spec, names, documents)
    if spec.x_kubernetes:
        _put(documents, EXTRA_FILE, extra_objects(spec))
    images = _images(spec, names)
    no_markers(documents)
    files = {path: _yaml(build, docs) for path, docs in documents.items()}
    files[KUSTOMIZATION] = _yaml(build, [kustomization(list(documents), images)])
    everything = [document for docs in documents.values() for document in docs]
    files[README] = readme(build, everything, images, variables).encode("utf-8")
    return files


def no_markers(documents: Mapping[str, list[Any]]) -> None:
    """K8sError when a secret variable reached a manifest where nothing resolves it.

    The substitution lets one only where a container reads it (`secretvars.usable_at`),
    and the workloads turn each into a reference: this guards that no other emitter
    ever copies one of those strings, which would write a broken value."""
    for path, docs in documents.items():
        for text in _strings(docs):
            if found := secretvars.names(text):
                raise K8sError(
                    f"secret variable {found[0]} would be written into {path}, where "
                    "Kubernetes cannot read it from a Secret; use it only in a service's "
                    "command, entrypoint, environment or healthcheck test"
                )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def component_names(spec: Spec) -> dict[str, str]:
    """Enabled spec service -> its component (object) name, in spec order."""
    enabled = [name for name, service in spec.services.items() if service.enabled]
    monitoring = spec.monitoring
    servers = {
        PROMETHEUS: monitoring.prometheus if monitoring else None,
        GRAFANA: monitoring.grafana if monitoring else None,
    }
    roles = [role for role, server in servers.items() if server is not None]
    for role in roles:
        if role in spec.services:
            raise K8sError(
                f"service {role!r} clashes with the {role} of `monitoring`; rename the service"
            )
    converted = unique_names([*enabled, *roles], "service")
    named = [m.source for n in enabled for m in spec.services[n].volumes if m.is_named]
    unique_names(dict.fromkeys([*spec.volumes, *named]), "volume")  # no two claims as one
    return {name: converted[name] for name in enabled}


def _configs(
    build: BuildInput, names: dict[str, str], module: dict[str, bytes]
) -> dict[str, list[ConfigMap]]:
    """Each component's ConfigMaps, in the order they are written."""
    spec = build.spec
    found: dict[str, list[ConfigMap]] = {}
    settings = spec.runtime
    if settings is not None and settings.service in names:
        component = names[settings.service]
        found[component] = [settings_map(spec, component), *module_map(spec, component, module)]
    monitoring = spec.monitoring
    if monitoring and monitoring.prometheus:
        found[PROMETHEUS] = file_maps(prometheus.render(build), PROMETHEUS_FOLDERS, PROMETHEUS)
    if monitoring and monitoring.grafana:
        found[GRAFANA] = file_maps(grafana.render(build), GRAFANA_FOLDERS, GRAFANA)
    return found


def _workloads(
    spec: Spec, names: dict[str, str], configs: dict[str, list[ConfigMap]]
) -> list[Workload]:
    found = []
    for name, component in names.items():
        settings = configs.get(component, [])
        ports = service_ports(spec.services[name])
        setting_name = settings[0].name if settings else None
        workload = service_workload(spec, name, component, ports, setting_name, settings)
        if spec.networks:
            networks = membership_labels(spec, name)
            workload = replace(workload, labels={**workload.labels, **networks})
        if settings:
            digest = checksum(config.data for config in settings)
            workload = replace(workload, annotations={CHECKSUM_ANNOTATION: digest})
        found.append(workload)
    monitoring = spec.monitoring
    if monitoring and monitoring.prometheus:
        found.append(prometheus_workload(spec, monitoring.prometheus, configs[PROMETHEUS]))
    if monitoring and monitoring.grafana:
        found.append(grafana_workload(monitoring.grafana, configs[GRAFANA]))
    return found


def _images(spec: Spec, names: dict[str, str]) -> dict[str, str]:
    """Placeholder image name -> spec service, for each service built from source that
    names no image (one that does runs the image it names: the tag of the build)."""
    return {
        build_image(spec.project, component): name
        for name, component in names.items()
        if spec.services[name].build is not None and spec.services[name].image is None
    }


def kustomization(resources: list[str], images: dict[str, str]) -> dict[str, Any]:
    """`kustomization.yaml`: the resources in order, and the images an overlay must set."""
    data: dict[str, Any] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    }
    if images:
        data["images"] = [{"name": image, "newTag": PLACEHOLDER_TAG} for image in images]
    return data


def _put(
    documents: dict[str, list[dict[str, Any]]], path: str, found: list[dict[str, Any]]
) -> None:
    if path in documents or path in (KUSTOMIZATION, README):
        raise K8sError(f"two Kubernetes files would both be {path!r}; rename a service")
    documents[path] = found


class _Writer(YamlWriter):
    def string(self, value: str) -> tuple[str, str | None]:
        # Literal blocks keep generated files readable; the emitter falls back to quoting
        # whatever a block cannot hold (trailing spaces, some control characters).
        return value, "|" if "\n" in value else None


def _yaml(build: BuildInput, documents: list[dict[str, Any]]) -> bytes:
    text = _Writer().dump_all(documents)
    return (header(build) + text).encode("utf-8")
