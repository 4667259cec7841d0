"""The rule registry: every rule module, by code. Codes are never reused."""

from __future__ import annotations

from stagespec.rules import (
    breaker_disabled_service,
    breaker_weights,
    dependency_cycle,
    dependency_healthcheck,
    healthcheck_missing,
    image_unpinned,
    port_conflict,
    references,
    secret_plaintext,
    secret_undefined,
    secret_unused,
    tier_features,
    tier_order,
)
from stagespec.rules.base import Rule

_MODULES: tuple[Rule, ...] = (
    references,
    dependency_cycle,
    breaker_weights,
    tier_order,
    tier_features,
    breaker_disabled_service,
    secret_plaintext,
    secret_undefined,
    secret_unused,
    port_conflict,
    image_unpinned,
    healthcheck_missing,
    dependency_healthcheck,
)

RULES: dict[str, Rule] = {rule.CODE: rule for rule in _MODULES}
