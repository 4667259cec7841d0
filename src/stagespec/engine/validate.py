"""Run every check on a spec: load, model, rules, then each environment's overlay."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import islice
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from stagespec.capping import DEFAULT_MAX_FINDINGS, Omitted, cap, merge_omitted
from stagespec.diagnostics import Diagnostic, Related, Severity, at, dotted_path
from stagespec.errors import SpecLoadError
from stagespec.load.document import Document, Path, gc_paused, load_path
from stagespec.model.overlay import environment_document
from stagespec.model.parse import Parsed, parse_document
from stagespec.model.spec import Spec
from stagespec.rules import RULES, secret_plaintext
from stagespec.rules.base import Context, Finding, Rule, read_paths
from stagespec.rules.core import NOT_CHECKED

_SUPPRESSION_MARK = re.compile(r"#\s*stagespec:")

if TYPE_CHECKING:
    from stagespec.config.settings import Config


@dataclass(frozen=True)
class Result:
    """The outcome of validating one spec file."""

    file: str
    spec: Spec | None
    diagnostics: list[Diagnostic]
    document: Document | None = None
    suppressed: list[Diagnostic] = field(default_factory=list)
    environment_specs: dict[str, Spec] = field(default_factory=dict)
    """The Spec of each environment that validates, by name (`spec` is the base's)."""

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    @property
    def specs(self) -> dict[str | None, Spec]:
        """Every Spec that validated, by environment: the base spec's under None."""
        base: dict[str | None, Spec] = {} if self.spec is None else {None: self.spec}
        return base | self.environment_specs


def run_rules(
    doc: Document,
    spec: Spec,
    rules: Iterable[Rule] = RULES.values(),
    levels: Mapping[str, Severity] | None = None,
    environment: str | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Diagnostic]:
    """Run rules on a parsed spec; the severity comes from `levels`, else the rule's default."""
    ctx = Context(doc=doc, spec=spec, environment=environment, options=options or {})
    found: list[Diagnostic] = []
    for rule in rules:
        severity = (levels or {}).get(rule.CODE, rule.SEVERITY)
        found += _diagnostics(doc, rule, severity, rule.check(ctx))
    return found


def _diagnostics(
    doc: Document, rule: Rule, severity: Severity, findings: Iterable[Finding]
) -> list[Diagnostic]:
    found = []
    for finding in findings:
        span = doc.key_span(finding.path) if finding.on_key else doc.span(finding.path)
        related = tuple(
            Related(doc.file, doc.span(p).start.line, doc.span(p).start.column, m)
            for p, m in finding.related
        )
        found.append(at(doc.file, span, rule.CODE, rule.NAME, severity, finding.message, related))
    return found


def check_document(
    doc: Document,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    limit: int | None = DEFAULT_MAX_FINDINGS,
) -> tuple[Spec | None, list[Diagnostic]]:
    """Model and rules for the base spec, then for each environment with an overlay."""
    checked = _check(doc, options, limit)
    return checked.spec, cap(checked.diagnostics, limit, checked.omitted)


@dataclass(frozen=True)
class _Checked:
    """The base Spec, every diagnostic, the Spec of each environment that validates, the
    schema findings counted past the limit, and the rules that could not run somewhere."""

    spec: Spec | None
    diagnostics: list[Diagnostic]
    specs: dict[str, Spec]
    omitted: Omitted
    unchecked: set[str]


def _check(
    doc: Document, options: Mapping[str, Mapping[str, Any]] | None, limit: int | None
) -> _Checked:
    """Model and rules for the base spec, then for each environment with an overlay."""
    unchecked: set[str] = set()
    parsed = parse_document(doc, limit=limit)
    diagnostics = parsed.diagnostics + _rule_diagnostics(doc, parsed, options, None, unchecked)
    omitted: Omitted = {}
    merge_omitted(omitted, parsed.omitted)
    seen = {(d.line, d.column, d.code, d.message) for d in diagnostics}
    specs: dict[str, Spec] = {}
    environments = doc.data.get("environments")
    for name, overlay in environments.items() if isinstance(environments, dict) else ():
        if overlay is not None and not isinstance(overlay, dict):
            continue
        env_doc = environment_document(doc, name)
        env = parse_document(env_doc, limit=limit)
        if env.spec is not None:
            specs[name] = env.spec
        merge_omitted(omitted, env.omitted)
        for d in env.diagnostics + _rule_diagnostics(env_doc, env, options, name, unchecked):
            if (d.line, d.column, d.code, d.message) not in seen:
                seen.add((d.line, d.column, d.code, d.message))
                diagnostics.append(replace(d, message=f"in environment {name!r}: {d.message}"))
    return _Checked(parsed.spec, sorted(diagnostics), specs, omitted, unchecked)


def _rule_diagnostics(
    doc: Document,
    parsed: Parsed,
    options: Mapping[str, Mapping[str, Any]] | None,
    environment: str | None,
    unchecked: set[str],
) -> list[Diagnostic]:
    """The rules' findings on the Spec, or, when it has schema errors, those of each rule
    whose inputs all passed on the partial Spec, and a line for each rule that could not
    run (its code added to `unchecked`).
    """
    if parsed.spec is not None:
        return run_rules(doc, parsed.spec, environment=environment, options=options)
    gate = _Gate(doc, parsed.failed)
    blocked = {rule.CODE: gate.blocking(rule) for rule in RULES.values()}
    runnable = [rule for rule in RULES.values() if not blocked[rule.CODE]]
    groups: dict[frozenset[Path], list[Rule]] = {}  # the rules the same parts keep from running
    for rule in RULES.values():
        if blocked[rule.CODE]:
            groups.setdefault(frozenset(blocked[rule.CODE]), []).append(rule)
    found = [gate.not_checked(rules, parts) for parts, rules in groups.items()]
    unchecked.update(code for code, parts in blocked.items() if parts)
    if parsed.partial is not None:
        return found + run_rules(
            doc, parsed.partial, runnable, environment=environment, options=options
        )
    # nothing could be salvaged; a plain-text secret is reported even so
    plaintext = secret_plaintext.check_data(doc, (options or {}).get(secret_plaintext.CODE))
    return found + _diagnostics(doc, secret_plaintext, secret_plaintext.SEVERITY, plaintext)


class _Gate:
    """Which failed parts of a spec keep a rule from running (see `Rule.READS`)."""

    def __init__(self, doc: Document, failed: frozenset[Path]) -> None:
        self.doc = doc
        self.failed = failed
        self.inside: dict[Path, list[Path]] = {}  # a path -> the failed parts under it
        for part in [part for part in failed if len(part) > 1]:  # often many of one key
            for depth in range(1, len(part)):
                self.inside.setdefault(part[:depth], []).append(part)
        self._order: list[Path] | None = None

    def blocking(self, rule: Rule) -> set[Path]:
        """The failed parts that a rule reads, or that hold what it reads."""
        found: set[Path] = set()
        for path, each in read_paths(rule):
            found.update(path[:depth] for depth in range(1, len(path) + 1))
            if not each:  # a rule that reads every entry at once needs every entry
                found.update(self.inside.get(path, ()))
        return found & self.failed

    def not_checked(self, rules: list[Rule], parts: frozenset[Path]) -> Diagnostic:
        """The line that says `rules` did not run: at the first of `parts`, naming a few
        (one line for all the rules that the same parts stopped)."""
        if self._order is None:  # in document order; sorted once, and only when needed
            self._order = sorted(self.failed, key=lambda part: self.doc.key_span(part).start)
        first = list(islice((part for part in self._order if part in parts), 3))
        named = ", ".join(dotted_path(part) for part in first)
        named += f" and {len(parts) - 3:,} more" if len(parts) > 3 else ""
        verb = "has" if len(parts) == 1 else "have"
        if len(rules) == 1:
            which = f"{rules[0].CODE} {rules[0].NAME}"
        else:
            which = ", ".join(r.CODE for r in rules[:-1]) + f" and {rules[-1].CODE}"
        message = f"{which} not checked: {named} {verb} schema errors"
        span = self.doc.key_span(first[0])
        return at(self.doc.file, span, NOT_CHECKED, "not-checked", "info", message)


def validate_file(
    path: FsPath,
    display: str | None = None,
    *,
    config: Config | None = None,
    suppress: bool = True,
    today: date | None = None,
) -> Result:
    """Load and check one spec file; never raises for bad input.

    Suppression comments apply first, then the configured levels, so that a suppression
    of a rule that is off is not reported as unused.
    """
    name = display or str(path)
    limit = config.max_findings if config else DEFAULT_MAX_FINDINGS
    with gc_paused():  # it allocates much and frees little: see gc_paused
        try:
            doc = load_path(path, name)
        except SpecLoadError as e:
            return Result(name, None, cap(e.diagnostics, limit))
        checked = _check(doc, config.options if config else None, limit)
    diagnostics = checked.diagnostics
    if _SUPPRESSION_MARK.search(doc.text):  # only then can there be a suppression comment
        from stagespec.engine import suppressions

        names = {r.CODE: r.NAME for r in RULES.values()}
        found = suppressions.parse(doc.text, doc.file)
        outcome = suppressions.apply(
            diagnostics,
            found,
            names,
            today or date.today(),
            enabled=suppress,
            unchecked=checked.unchecked,
        )
        diagnostics, suppressed = [*outcome.kept, *outcome.problems], outcome.suppressed
    else:
        suppressed = []
    if config is not None:
        diagnostics = config.apply_levels(diagnostics)
    kept = cap(diagnostics, limit, checked.omitted)
    return Result(name, checked.spec, kept, doc, sorted(suppressed), checked.specs)
