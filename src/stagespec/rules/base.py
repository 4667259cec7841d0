"""What a rule is: a module with a code, a name, a default severity and a `check()`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from stagespec.diagnostics import Severity
from stagespec.load.document import Document, Path
from stagespec.model.spec import Spec


@dataclass(frozen=True)
class Finding:
    """What a rule reports: a path in the spec and a message; the engine adds the rest."""

    path: Path
    message: str
    on_key: bool = False
    related: tuple[tuple[Path, str], ...] = ()


PRODUCTION_NAMES = frozenset({"production", "prod"})


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`; did you mean 'x'?` with the closest of `known` to a mistyped `name`, or ""."""
    import difflib  # only for a mistake: not on every start

    hint = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


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
    """A rule module. Its docstring is its user documentation.

    `READS` names the parts of the spec `check()` looks at, as dotted paths of the model
    (`services`, `runtime.security`); `x.*` when it looks at each entry of `x` on its own,
    so that an entry with schema errors leaves the others checkable. A spec with schema
    errors is checked without its failed parts, by the rules that read none of them; a
    rule that compares entries or follows a reference (`depends_on`) reads the whole
    section, so that an entry left out is never reported as missing. `()`: the raw
    document only.
    """

    CODE: str
    NAME: str
    SEVERITY: Severity
    READS: tuple[str, ...]
    __doc__: str | None

    def check(self, ctx: Context) -> Iterator[Finding]: ...


def read_paths(rule: Rule) -> list[tuple[Path, bool]]:
    """A rule's `READS` as paths, each with whether it reads every entry on its own."""
    found: list[tuple[Path, bool]] = []
    for read in rule.READS:
        each = read.endswith(".*")
        found.append((tuple(read.removesuffix(".*").split(".")), each))
    return found
