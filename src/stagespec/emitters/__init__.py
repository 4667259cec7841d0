"""The emitter registry: one module per output kind."""

from __future__ import annotations

from stagespec.emitters import compose, envfile, grafana, prometheus, runtime
from stagespec.emitters.base import Emitter

__all__ = ["EMITTERS", "compose", "envfile", "grafana", "prometheus", "runtime"]

EMITTERS: tuple[Emitter, ...] = (compose, envfile, prometheus, grafana, runtime)
