"""The output targets: one package per kind of generated file, and the registry of what
`stagespec build --target NAME` runs.

An emitter is a pure function of `plan.inputs.BuildInput`, `render(build) -> {path: bytes}`:
no I/O. A target (`TARGET` below) names the emitters of one build and what that build
leaves out of the spec. May import: plan, model, load, diagnostics, errors, and the other
target packages (k8s mounts what compose mounts); never rules, engine, report or cli.

A new target is one package with a `target` module (`base.Target`) and one line in
`TARGETS`; `build --target` offers every name here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple, cast

if TYPE_CHECKING:
    from stagespec.targets.base import Target


class Registered(NamedTuple):
    """Where a target's module is (imported only when it builds) and its --help line."""

    module: str
    help: str


TARGETS: dict[str, Registered] = {
    "compose": Registered("stagespec.targets.compose.target", "docker compose and its files"),
    "k8s": Registered("stagespec.targets.k8s.target", "Kubernetes manifests"),
}
"""What `stagespec build --target NAME` runs; the first is the default."""


def load(name: str) -> Target:
    """The target module registered as `name`."""
    return cast("Target", importlib.import_module(TARGETS[name].module))
