"""The dashboard's dependencies, one per breaker of the spec, each behind its breaker.

The dependencies are simulated: a call succeeds, or raises while the dependency's fail
switch is on. What this example shows is the breaker, tier and metrics logic around
them; a real service would call its database, cache or API inside `call`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping

from example_dashboard.breaker import BreakerOpenError, CircuitBreaker, State
from example_dashboard.runtime import BreakerSettings


class DependencyError(Exception):
    """A call to a dependency failed."""


class SimulatedDependency:
    """A dependency whose calls succeed until its fail switch is turned on."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._failing = threading.Event()

    @property
    def failing(self) -> bool:
        """Whether the fail switch is on."""
        return self._failing.is_set()

    def set_failing(self, failing: bool) -> None:
        """Turn the fail switch on or off."""
        if failing:
            self._failing.set()
        else:
            self._failing.clear()

    def call(self) -> str:
        """One request to the dependency."""
        if self.failing:
            raise DependencyError(f"{self.name} is failing (its fail switch is on)")
        return f"{self.name} answered"


class Dependencies:
    """Every dependency with its breaker, by breaker name."""

    def __init__(
        self, breakers: Iterable[BreakerSettings], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._guarded: dict[str, tuple[SimulatedDependency, CircuitBreaker]] = {}
        for settings in breakers:
            breaker = CircuitBreaker(settings, clock)
            self._guarded[settings.name] = (SimulatedDependency(settings.name), breaker)

    def __contains__(self, name: object) -> bool:
        return name in self._guarded

    def states(self) -> Mapping[str, State]:
        """Each breaker's current state."""
        return {name: breaker.state for name, (_, breaker) in self._guarded.items()}

    def set_failing(self, name: str, failing: bool) -> None:
        """Turn one dependency's fail switch on or off."""
        self._guarded[name][0].set_failing(failing)

    def call(self, name: str) -> str:
        """Call one dependency through its breaker (BreakerOpenError, DependencyError)."""
        dependency, breaker = self._guarded[name]
        return breaker.call(dependency.call)

    def probe(self) -> None:
        """Call every dependency once, as a background health check does."""
        for name in self._guarded:
            # A failure is the breaker's to count and the metrics' to show.
            with contextlib.suppress(BreakerOpenError, DependencyError):
                self.call(name)
