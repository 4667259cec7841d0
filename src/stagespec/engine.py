"""Run every check on a spec: load, model, rules, then each environment's overlay."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from stagespec.diagnostics import Diagnostic, Related, Severity, at
from stagespec.errors import SpecLoadError
from stagespec.loader import Document, gc_paused, load_path
from stagespec.model.overlay import environment_document
from stagespec.model.parse import parse_spec
from stagespec.model.spec import Spec
from stagespec.rules import RULES, secret_plaintext
from stagespec.rules.base import Context, Finding, Rule

_SUPPRESSION_MARK = re.compile(r"#\s*stagespec:")

if TYPE_CHECKING:
    from stagespec.config import Config


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
    doc: Document, options: Mapping[str, Mapping[str, Any]] | None = None
) -> tuple[Spec | None, list[Diagnostic]]:
    """Model and rules for the base spec, then for each environment with an overlay."""
    spec, diagnostics, _ = _check(doc, options)
    return spec, diagnostics


def _check(
    doc: Document, options: Mapping[str, Mapping[str, Any]] | None
) -> tuple[Spec | None, list[Diagnostic], dict[str, Spec]]:
    """The base Spec, every diagnostic, and the Spec of each environment that validates."""
    spec, diagnostics = parse_spec(doc)
    if spec is not None:
        diagnostics += run_rules(doc, spec, options=options)
    else:  # a plain-text secret is reported even in a spec that does not parse
        plaintext = secret_plaintext.check_data(doc, (options or {}).get(secret_plaintext.CODE))
        diagnostics += _diagnostics(doc, secret_plaintext, secret_plaintext.SEVERITY, plaintext)
    seen = {(d.line, d.column, d.code, d.message) for d in diagnostics}
    specs: dict[str, Spec] = {}
    environments = doc.data.get("environments")
    for name, overlay in environments.items() if isinstance(environments, dict) else ():
        if overlay is not None and not isinstance(overlay, dict):
            continue
        env_doc = environment_document(doc, name)
        env_spec, env_diagnostics = parse_spec(env_doc)
        if env_spec is not None:
            specs[name] = env_spec
            env_diagnostics += run_rules(env_doc, env_spec, environment=name, options=options)
        for d in env_diagnostics:
            if (d.line, d.column, d.code, d.message) not in seen:
                seen.add((d.line, d.column, d.code, d.message))
                diagnostics.append(replace(d, message=f"in environment {name!r}: {d.message}"))
    return spec, sorted(diagnostics), specs


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
    with gc_paused():  # it allocates much and frees little: see gc_paused
        try:
            doc = load_path(path, name)
        except SpecLoadError as e:
            return Result(name, None, sorted(e.diagnostics))
        spec, diagnostics, specs = _check(doc, config.options if config else None)
    if _SUPPRESSION_MARK.search(doc.text):  # only then can there be a suppression comment
        from stagespec import suppressions

        names = {r.CODE: r.NAME for r in RULES.values()}
        found = suppressions.parse(doc.text, doc.file)
        outcome = suppressions.apply(
            diagnostics, found, names, today or date.today(), enabled=suppress
        )
        diagnostics, suppressed = [*outcome.kept, *outcome.problems], outcome.suppressed
    else:
        suppressed = []
    if config is not None:
        diagnostics = config.apply_levels(diagnostics)
    return Result(name, spec, sorted(diagnostics), doc, sorted(suppressed), specs)
