"""Load the runtime module that `stagespec build` generates, and type what the app uses of it.

The module is found one of two ways:
- by its file, as on a developer's machine, where its name and folder come from the spec
  (`runtime.module`, `generated/<project>/<environment>/`);
- by its name, on the import path, as in the container, where delivery mounts the
  generated file into the spec's `runtime.path` (`/app` by default), which the image puts
  on `PYTHONPATH`.

The protocols below list only what this app reads, so mypy checks the app against the
generated module's interface.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Protocol, cast


class BreakerSettings(Protocol):
    """One breaker of the generated module's BREAKERS (a frozen dataclass there)."""

    @property
    def name(self) -> str: ...
    @property
    def weight(self) -> Decimal: ...
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
    def min_score(self) -> int: ...
    @property
    def features(self) -> frozenset[str]: ...
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
    API_KEY_ENV: str | None
    RATE_LIMIT_REQUESTS: int | None
    RATE_LIMIT_WINDOW_SECONDS: float | None
    HSTS: bool
    FORCE_HTTPS: bool
    CSP: str | None
    LOG_FORMAT: str
    LOG_LEVEL: str
    REQUEST_ID_HEADER: str | None
    SCRAPE_AUTH_HEADER: str | None
    SCRAPE_AUTH_SCHEME: str | None
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
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class RuntimeLoadError(Exception):
    """The file or name is not a runtime module that `stagespec build` generated."""


def is_module_name(where: str) -> bool:
    """Whether `--runtime` names a module on the import path rather than a file."""
    return not where.endswith(".py") and _MODULE_NAME.match(where) is not None


def load_runtime(where: str | Path) -> RuntimeModule:
    """The generated runtime module: from its file, or by its name from the import path."""
    if isinstance(where, str) and is_module_name(where):
        return _checked(_import_by_name(where), where)
    path = Path(where)
    return _checked(_import_file(path), str(path))


def _import_by_name(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name.partition(".")[0] and error.name != name:
            raise RuntimeLoadError(f"{name}: imports {error.name!r}, which is missing") from error
        raise RuntimeLoadError(
            f"{name}: no such module on the import path (the folder the spec's runtime.path"
            " names, /app by default, must be on PYTHONPATH and hold the generated file)"
        ) from error


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise RuntimeLoadError(f"{path}: no such file (run `stagespec build` first)")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise RuntimeLoadError(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolve the module's string annotations through sys.modules
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _checked(module: ModuleType, where: str) -> RuntimeModule:
    missing = [name for name in _REQUIRED if not hasattr(module, name)]
    if missing:
        raise RuntimeLoadError(
            f"{where}: not a runtime module of this stagespec (no {', '.join(missing)});"
            " rebuild it with `stagespec build`"
        )
    return cast(RuntimeModule, module)
