"""`x-kubernetes`: a service's patches of its generated objects, and the stack's own objects.

- Per service, `x-kubernetes` maps a kind (`Deployment` or `StatefulSet`, `Service`,
  `NetworkPolicy`, `ConfigMap`) to a patch of the service's object of that kind, merged
  last: mappings merge key by key, anything else (lists, scalars) replaces, null removes
  the key. A kind the target knows but did not generate for the service (a `StatefulSet`
  patch of a Deployment) is an error, as is one it does not know: a patch never goes
  silently nowhere.
- At the top level, `x-kubernetes` is a list of objects written as they are, in
  `EXTRA_FILE`, after the generated ones.
Every object, patched or extra, must stay a mapping with an `apiVersion` and a `kind`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stagespec.model.spec import Spec
from stagespec.targets.k8s.names import COMPONENT_LABEL, K8sError

KINDS = ("Deployment", "StatefulSet", "Service", "NetworkPolicy", "ConfigMap")
EXTRA_FILE = "x-kubernetes.yaml"


def merged(base: Any, patch: Any) -> Any:
    """`patch` over `base`: mappings merge, others replace, null removes; neither changes."""
    if not isinstance(patch, dict):
        return patch
    found = dict(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            found.pop(key, None)
        else:
            found[key] = merged(found.get(key), value)
    return found


def check_object(item: Any, where: str) -> None:
    """K8sError unless `item` is a mapping with a non-empty `apiVersion` and `kind`."""
    if not isinstance(item, dict):
        raise K8sError(f"{where} is not a mapping, so it is no Kubernetes object")
    for key in ("apiVersion", "kind"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise K8sError(f"{where} has no `{key}` (a Kubernetes object needs one)")


def apply_patches(
    spec: Spec, names: Mapping[str, str], documents: dict[str, list[dict[str, Any]]]
) -> None:
    """Merge each enabled service's `x-kubernetes` patches into its objects, in place."""
    patches = {name: s.x_kubernetes for name, s in spec.services.items() if s.x_kubernetes}
    for name, by_kind in patches.items():
        for kind, patch in by_kind.items():
            if kind not in KINDS:
                raise K8sError(
                    f"services.{name}.x-kubernetes: unknown kind {kind!r}; a service's "
                    f"objects are of the kinds {', '.join(KINDS)}"
                )
            if not isinstance(patch, dict):
                raise K8sError(f"services.{name}.x-kubernetes.{kind} is not a mapping")
    owned = _owned(documents, {names[n] for n in patches if n in names})
    for name, by_kind in patches.items():
        if name in names:
            _patch(name, names[name], by_kind, owned, documents)


def _owned(
    documents: Mapping[str, list[dict[str, Any]]], components: set[str]
) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """(component, kind) -> where its objects are: (file, index)."""
    found: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for path, items in documents.items():
        for index, item in enumerate(items):
            component = item.get("metadata", {}).get("labels", {}).get(COMPONENT_LABEL)
            if component in components:
                found.setdefault((component, item["kind"]), []).append((path, index))
    return found


def _patch(
    name: str,
    component: str,
    by_kind: Mapping[str, Any],
    owned: Mapping[tuple[str, str], list[tuple[str, int]]],
    documents: dict[str, list[dict[str, Any]]],
) -> None:
    for kind, patch in by_kind.items():
        places = owned.get((component, kind), [])
        if not places:
            kinds = [k for k in KINDS if (component, k) in owned]
            raise K8sError(
                f"services.{name}.x-kubernetes patches a {kind}, which {name} does not have "
                f"(it has: {', '.join(kinds) or 'none'})"
            )
        for path, index in places:
            item = merged(documents[path][index], patch)
            check_object(item, f"services.{name}.x-kubernetes.{kind}, once merged,")
            documents[path][index] = item


def extra_objects(spec: Spec) -> list[dict[str, Any]]:
    """The top level's `x-kubernetes` objects, checked."""
    for index, item in enumerate(spec.x_kubernetes):
        check_object(item, f"x-kubernetes.{index}")
    return [dict(item) for item in spec.x_kubernetes]
