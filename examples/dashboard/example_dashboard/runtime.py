"""Load the runtime module that `stagespec build` generates, and type what the app uses of it.

The module is loaded from a file path because its name and folder come from the spec
(`runtime.module`, `generated/<project>/<environment>/`). The protocols below list only
what this app reads, so mypy checks the app against the generated module's interface.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol, cast


class BreakerSettings(Protocol):
    """One breaker of the generated module's BREAKERS (a frozen dataclass there)."""

    @property
    def name(self) -> str: ...
    @property
    def failure_threshold(self) -> int: ...
    @property
    def recovery_timeout_seconds(self) -> float: ...
    @property
    def half_open_requests(self) -> int: ...


class TierSettings(Protocol):
    """One degradation tier of the generated module's TIERS."""

    @property
    def name(self) -> str: ...
    @property
    def cache(self) -> str: ...
    @property
    def read_only(self) -> bool: ...
    @property
    def status_page_only(self) -> bool: ...


class RuntimeModule(Protocol):
    """What the dashboard uses of the generated runtime module."""

    PROJECT: str
    ENVIRONMENT: str
    SERVICE: str
    API_KEY_SECRET_FILE: str | None
    CSP: str | None
    LOG_FORMAT: str
    REQUEST_ID_HEADER: str | None
    METRIC_HEALTH_SCORE: str
    METRIC_BREAKER_STATE: str
    METRIC_DEGRADATION_TIER: str
    METRIC_DEGRADATION_LEVEL: str
    BREAKER_STATES: tuple[str, ...]
    FEATURES: tuple[str, ...]

    @property
    def BREAKERS(self) -> Mapping[str, BreakerSettings]: ...
    @property
    def TIERS(self) -> Sequence[TierSettings]: ...

    def health_score(self, states: Mapping[str, str]) -> float: ...
    def tier_for(self, score: float) -> TierSettings: ...
    def degradation_level(self, score: float) -> int: ...
    def is_enabled(self, feature: str, score: float) -> bool: ...


_REQUIRED = (
    *(name for name in RuntimeModule.__annotations__),
    "BREAKERS",
    "TIERS",
    "health_score",
    "tier_for",
    "degradation_level",
    "is_enabled",
)


class RuntimeLoadError(Exception):
    """The file is not a runtime module that `stagespec build` generated."""


def load_runtime(path: Path) -> RuntimeModule:
    """Import the generated runtime module from its file."""
    if not path.is_file():
        raise RuntimeLoadError(f"{path}: no such file (run `stagespec build` first)")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise RuntimeLoadError(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve the module's string annotations through sys.modules
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    missing = [name for name in _REQUIRED if not hasattr(module, name)]
    if missing:
        raise RuntimeLoadError(f"{path}: not a stagespec runtime module (no {', '.join(missing)})")
    return cast(RuntimeModule, module)
