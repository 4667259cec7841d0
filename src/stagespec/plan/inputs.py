"""What every part of a build reads: the spec of one environment and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

from stagespec.load.document import Document
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
    document: Document | None = field(default=None, compare=False, repr=False)
    """The environment's document (merged data, each key's position in the spec file), for
    a file that names the spec line it comes from; None when built from a Spec alone."""

    def line(self, *path: str | int) -> int | None:
        """The spec line of the key at `path` (or of its nearest written ancestor)."""
        if self.document is None:
            return None
        return self.document.key_span(path).start.line
