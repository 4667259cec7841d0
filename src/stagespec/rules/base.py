"""What a rule is: a module with a code, a name, a default severity and a `check()`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from stagespec.diagnostics import Severity
from stagespec.loader import Document, Path
from stagespec.model.spec import Spec


@dataclass(frozen=True)
class Finding:
    """What a rule reports: a path in the spec and a message; the engine adds the rest."""

    path: Path
    message: str
    on_key: bool = False
    related: tuple[tuple[Path, str], ...] = ()


PRODUCTION_NAMES = frozenset({"production", "prod"})


@dataclass(frozen=True)
class Context:
    """What a rule may look at: the document (for positions and raw text) and the model."""

    doc: Document
    spec: Spec
    environment: str | None = None
    """The environment being checked; None for the base spec."""
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Rule options from the configuration, by rule code."""

    def options_for(self, code: str) -> Mapping[str, Any]:
        return self.options.get(code, {})

    @property
    def is_production(self) -> bool:
        return self.environment in PRODUCTION_NAMES


class Rule(Protocol):
    """A rule module. Its docstring is its user documentation."""

    CODE: str
    NAME: str
    SEVERITY: Severity
    __doc__: str | None

    def check(self, ctx: Context) -> Iterator[Finding]: ...
