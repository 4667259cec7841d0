"""`build --target k8s`: Kubernetes manifests."""

from __future__ import annotations

from collections.abc import Mapping

from stagespec.model.spec import Spec
from stagespec.targets import k8s
from stagespec.targets.base import Emitter
from stagespec.targets.k8s.notes import unsupported

EMITTERS: tuple[Emitter, ...] = (k8s,)


def notes(specs: Mapping[str | None, Spec]) -> list[str]:
    """What the manifests leave out of or change in the spec, as sentences.

    A note that holds for every environment is given once; the others name their
    environment.
    """
    per_env = {name: unsupported(spec) for name, spec in specs.items()}
    first = next(iter(per_env.values()))
    common = [n for n in first if all(n in found for found in per_env.values())]
    found = list(common)
    for name, env_notes in per_env.items():
        found += [f"in environment {name!r}: {n}" for n in env_notes if n not in common]
    return found


SUBSTITUTES_VARIABLES = True
"""Kubernetes has no interpolation of its own: each `${NAME}` is replaced at build time."""
