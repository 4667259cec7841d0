"""README.md of the Kubernetes target: the Secrets to create, the images to set, the limits.

The Secrets are read off the generated objects (every `secretKeyRef`, projected Secret
and Secret volume), so the list is exactly what the manifests need. Commands show where
each value comes from (the spec's variable or file, or the secret variable a Secret holds),
never a value.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Mapping
from typing import Any

from stagespec.plan.inputs import BuildInput
from stagespec.targets.base import header
from stagespec.targets.k8s.names import SECRET_KEY, secret_name
from stagespec.targets.k8s.notes import unsupported
from stagespec.targets.k8s.workload import STORAGE_REQUEST

_WORKLOADS = ("Deployment", "StatefulSet")


def _secret_names(value: Any) -> Iterator[str]:
    """Names of the Secrets an object refers to, in document order."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("secretKeyRef", "secret") and isinstance(item, dict) and "name" in item:
                yield str(item["name"])
            elif key == "secret" and isinstance(item, dict) and "secretName" in item:
                yield str(item["secretName"])  # a Secret volume
            else:
                yield from _secret_names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _secret_names(item)


def secret_users(objects: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Secret name -> the workloads that read it, in first-use order."""
    users: dict[str, dict[str, None]] = {}  # ordered sets: a list's `in` made this N * N
    for item in objects:
        if item.get("kind") not in _WORKLOADS:
            continue
        for name in _secret_names(item["spec"]["template"]):
            users.setdefault(name, {})[item["metadata"]["name"]] = None
    return {name: list(readers) for name, readers in users.items()}


def _create_command(build: BuildInput, name: str, variables: Mapping[str, str]) -> str:
    declared = {secret_name(s): (s, source) for s, source in build.spec.secrets.items()}
    secret, source = declared.get(name, (name, None))
    command = f"kubectl create secret generic {name}"
    if source is None and name in variables:
        return f'{command} --from-literal={SECRET_KEY}="${variables[name]}"'
    if source is not None and source.file is not None:
        if not source.file.isprintable():
            # A line break would end the command (and could end the code block): the
            # reader takes the path from the spec instead.
            return f"{command} --from-file={SECRET_KEY}=FILE  # FILE: secrets.{secret}.file"
        return f"{command} --from-file={SECRET_KEY}={shlex.quote(source.file)}"
    variable = source.env if source is not None else name.upper().replace("-", "_")
    return f'{command} --from-literal={SECRET_KEY}="${variable}"'


def _secrets(
    build: BuildInput, users: Mapping[str, list[str]], variables: Mapping[str, str]
) -> list[str]:
    if not users:
        return ["## Secrets", "", "The manifests read no Secret."]
    lines = [
        "## Secrets to create",
        "",
        f"Each Secret holds its value under the key `{SECRET_KEY}`; stagespec never writes a",
        "value. Create them in the namespace before applying (file paths are relative to",
        "the spec's folder):",
        "",
        *(f"- `{name}`, read by {', '.join(readers)}" for name, readers in users.items()),
        "",
        "```sh",
        *(_create_command(build, name, variables) for name in users),
        "```",
    ]
    return lines


def _images(images: Mapping[str, str]) -> list[str]:
    if not images:
        return []
    return [
        "## Images to set",
        "",
        "Services built from source run images Kubernetes cannot build. Build and push each,",
        "then set it in an overlay that uses this folder as a resource:",
        "",
        "```sh",
        *(
            f"kustomize edit set image {image}=REGISTRY/IMAGE:TAG  # service {service}"
            for image, service in images.items()
        ),
        "```",
        "",
    ]


def readme(
    build: BuildInput,
    objects: list[dict[str, Any]],
    images: Mapping[str, str],
    variables: Mapping[str, str],
) -> str:
    """The README text; `images` maps each placeholder image name to its service, and
    `variables` each Secret of a secret variable to the variable (`variable_secrets`)."""
    title = f"# {build.spec.project}: Kubernetes manifests ({build.environment})"
    lines = [
        title,
        "",
        "Plain manifests and a `kustomization.yaml`: `kubectl apply -k .` applies them to the",
        "current namespace (an overlay's `namespace:` picks another) once the Secrets exist.",
        "",
        *_secrets(build, secret_users(objects), variables),
        "",
        *_images(images),
        "## Defaults",
        "",
        "- One replica per workload.",
        f"- Each named volume is a claim of {STORAGE_REQUEST}, ReadWriteOnce, on the cluster's",
        "  default StorageClass (the spec has no size): patch `volumeClaimTemplates` to change.",
        "",
        "## Not expressed in Kubernetes",
        "",
        *([f"- {note}" for note in unsupported(build.spec)] or ["Nothing: every key maps."]),
    ]
    comment = "".join(f"<!-- {line.strip()} -->\n" for line in header(build, "").splitlines())
    return comment + "\n" + "\n".join(lines) + "\n"
