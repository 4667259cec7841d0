"""The emitter registry: one module per output kind, grouped by build target."""

from __future__ import annotations

from stagespec.emitters import compose, envfile, grafana, k8s, prometheus, runtime
from stagespec.emitters.base import Emitter

__all__ = ["EMITTERS", "TARGETS", "compose", "envfile", "grafana", "k8s", "prometheus", "runtime"]

EMITTERS: tuple[Emitter, ...] = (compose, envfile, prometheus, grafana, runtime)
"""The default target: docker compose and the files it mounts, plus the runtime module."""

TARGETS: dict[str, tuple[Emitter, ...]] = {"compose": EMITTERS, "k8s": (k8s,)}
"""What `stagespec build --target NAME` runs."""
