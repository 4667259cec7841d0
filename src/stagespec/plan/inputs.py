"""What every part of a build reads: the spec of one environment and where it came from."""

from __future__ import annotations

from dataclasses import dataclass

from stagespec.model.spec import Spec


@dataclass(frozen=True)
class BuildInput:
    """Everything an emitter may read: the spec of one environment and where it came from."""

    spec: Spec
    source: str
    """The spec's path as shown in headers, with forward slashes (never an absolute path)."""
    environment: str = "staging"
    spec_dir: str = "."
    """The spec's folder relative to the folder the files are written to, with `/`."""
