"""The rule registry: every rule module, by code. Codes are never reused.

One module per rule. May import plan, secretscan, model, load and the bottom modules;
never targets, engine or anything above.
"""

from __future__ import annotations

from dataclasses import dataclass

from stagespec.diagnostics import Severity
from stagespec.rules import (
    alert_target,
    breaker_disabled_service,
    breaker_weights,
    compose_key_typed,
    compose_key_unknown,
    dependency_completes,
    dependency_cycle,
    dependency_healthcheck,
    duplicate_mount,
    env_value,
    environment_names,
    file_mounted,
    healthcheck_missing,
    healthcheck_tool,
    image_reference,
    image_unpinned,
    memory_limit,
    metric_exported,
    monitoring_name,
    no_enabled_service,
    port_conflict,
    production_breaker_service,
    production_https,
    production_ports,
    references,
    scrape_auth,
    scrape_auth_release,
    scrape_port,
    secret_plaintext,
    secret_undefined,
    secret_unused,
    tier_features,
    tier_order,
    variable_default,
    variable_secret,
    variable_undefined,
    variable_unused,
)
from stagespec.rules.base import Rule
from stagespec.rules.core import CORE_CHECKS

_MODULES: tuple[Rule, ...] = (
    references,
    dependency_cycle,
    no_enabled_service,
    monitoring_name,
    env_value,
    duplicate_mount,
    variable_undefined,
    variable_unused,
    variable_default,
    variable_secret,
    compose_key_unknown,
    compose_key_typed,
    breaker_weights,
    tier_order,
    tier_features,
    breaker_disabled_service,
    secret_plaintext,
    secret_undefined,
    secret_unused,
    port_conflict,
    image_reference,
    image_unpinned,
    healthcheck_missing,
    dependency_healthcheck,
    production_ports,
    production_https,
    production_breaker_service,
    dependency_completes,
    memory_limit,
    environment_names,
    metric_exported,
    scrape_port,
    healthcheck_tool,
    alert_target,
    file_mounted,
    scrape_auth,
    scrape_auth_release,
)

RULES: dict[str, Rule] = {rule.CODE: rule for rule in _MODULES}


@dataclass(frozen=True)
class RuleInfo:
    """What the user sees of a rule or core check: code, name, level and documentation."""

    code: str
    name: str
    severity: Severity
    doc: str

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""


def all_rules() -> list[RuleInfo]:
    """Core checks and rules, in code order."""
    infos = [RuleInfo(c.CODE, c.NAME, c.SEVERITY, c.DOC) for c in CORE_CHECKS.values()]
    infos += [RuleInfo(r.CODE, r.NAME, r.SEVERITY, r.__doc__ or "") for r in RULES.values()]
    return sorted(infos, key=lambda info: info.code)
