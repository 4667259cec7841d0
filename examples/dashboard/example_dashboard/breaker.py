"""A thread-safe circuit breaker with the generated module's settings.

Closed -> open after `failure_threshold` consecutive failures; open -> half-open once
`recovery_timeout` has passed; half-open lets `half_open_requests` trial calls through:
when all of them succeed the breaker closes, the first failure opens it again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal, TypeVar

from example_dashboard.runtime import BreakerSettings

State = Literal["closed", "open", "half_open"]
"""The `state` label values of the breaker-state metric (the runtime's BREAKER_STATES)."""

T = TypeVar("T")


class BreakerOpenError(Exception):
    """The breaker rejected a call without making it."""

    def __init__(self, name: str) -> None:
        super().__init__(f"circuit breaker {name!r} is open")
        self.name = name


class CircuitBreaker:
    """Guards calls to one dependency."""

    def __init__(
        self, settings: BreakerSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._state: State = "closed"
        self._failures = 0  # consecutive, while closed
        self._trials = 0  # admitted, while half-open
        self._successes = 0  # of those trials
        self._opened_at = 0.0
        # A call's outcome counts only in the state that admitted it.
        self._generation = 0

    @property
    def name(self) -> str:
        """The breaker's name in the spec."""
        return self.settings.name

    @property
    def state(self) -> State:
        """The current state; an open breaker whose timeout has passed reads as half-open."""
        with self._lock:
            self._refresh()
            return self._state

    def call(self, func: Callable[[], T]) -> T:
        """Call `func` through the breaker; raise BreakerOpenError when it is not let through."""
        generation = self._admit()
        try:
            result = func()
        except Exception:
            self._record(generation, success=False)
            raise
        self._record(generation, success=True)
        return result

    def _admit(self) -> int:
        with self._lock:
            self._refresh()
            if self._state == "open":
                raise BreakerOpenError(self.name)
            if self._state == "half_open":
                if self._trials >= self.settings.half_open_requests:
                    raise BreakerOpenError(self.name)
                self._trials += 1
            return self._generation

    def _record(self, generation: int, *, success: bool) -> None:
        with self._lock:
            if generation != self._generation:
                return
            if self._state == "half_open":
                self._successes += success
                if not success:
                    self._move("open")
                elif self._successes >= self.settings.half_open_requests:
                    self._move("closed")
            elif success:
                self._failures = 0
            else:
                self._failures += 1
                if self._failures >= self.settings.failure_threshold:
                    self._move("open")

    def _refresh(self) -> None:
        elapsed = self._clock() - self._opened_at
        if self._state == "open" and elapsed >= self.settings.recovery_timeout_seconds:
            self._move("half_open")

    def _move(self, state: State) -> None:
        self._state = state
        self._generation += 1
        self._failures = self._trials = self._successes = 0
        if state == "open":
            self._opened_at = self._clock()
