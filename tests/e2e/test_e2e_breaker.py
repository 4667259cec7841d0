"""The example dashboard's circuit breakers, in process, on a clock the test moves.

Each breaker takes its settings from the generated runtime module; the timeline is the
one the domain notes give: closed -> open after `failure_threshold` consecutive failures,
open -> half-open after `recovery_timeout`, `half_open_requests` trials, then closed or open.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e]


class Clock:
    """A monotonic clock that only moves when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dependencies(dashboard_package: SimpleNamespace, runtime: ModuleType, clock: Clock) -> Any:
    return dashboard_package.dependencies.Dependencies(runtime.BREAKERS.values(), clock)


def fail_times(dependencies: Any, name: str, times: int) -> None:
    """Make `times` calls that the breaker lets through and the dependency fails."""
    for _ in range(times):
        with pytest.raises(Exception, match="is failing"):
            dependencies.call(name)


@pytest.mark.parametrize("name", ["openai", "database", "redis", "s3"])
def test_the_breaker_opens_at_its_failure_threshold(
    dependencies: Any, runtime: ModuleType, name: str
) -> None:
    threshold = runtime.BREAKERS[name].failure_threshold
    dependencies.set_failing(name, True)
    fail_times(dependencies, name, threshold - 1)
    assert dependencies.states()[name] == "closed"
    fail_times(dependencies, name, 1)
    assert dependencies.states()[name] == "open"


def test_a_success_resets_the_count_of_consecutive_failures(
    dependencies: Any, runtime: ModuleType
) -> None:
    threshold = runtime.BREAKERS["database"].failure_threshold
    dependencies.set_failing("database", True)
    fail_times(dependencies, "database", threshold - 1)
    dependencies.set_failing("database", False)
    dependencies.call("database")
    dependencies.set_failing("database", True)
    fail_times(dependencies, "database", threshold - 1)
    assert dependencies.states()["database"] == "closed"


def test_an_open_breaker_refuses_calls_until_its_recovery_timeout(
    dashboard_package: SimpleNamespace, dependencies: Any, runtime: ModuleType, clock: Clock
) -> None:
    settings = runtime.BREAKERS["openai"]
    dependencies.set_failing("openai", True)
    fail_times(dependencies, "openai", settings.failure_threshold)
    dependencies.set_failing("openai", False)
    clock.now += settings.recovery_timeout_seconds - 0.001
    with pytest.raises(dashboard_package.breaker.BreakerOpenError):
        dependencies.call("openai")
    clock.now += 0.001
    assert dependencies.states()["openai"] == "half_open"


@pytest.mark.parametrize("name", ["openai", "database"])
def test_half_open_closes_after_its_trials_succeed(
    dashboard_package: SimpleNamespace,
    dependencies: Any,
    runtime: ModuleType,
    clock: Clock,
    name: str,
) -> None:
    settings = runtime.BREAKERS[name]
    dependencies.set_failing(name, True)
    fail_times(dependencies, name, settings.failure_threshold)
    dependencies.set_failing(name, False)
    clock.now += settings.recovery_timeout_seconds
    for _ in range(settings.half_open_requests - 1):
        dependencies.call(name)
        assert dependencies.states()[name] == "half_open"
    dependencies.call(name)
    assert dependencies.states()[name] == "closed"


def test_a_failed_trial_opens_the_breaker_again_for_a_whole_timeout(
    dashboard_package: SimpleNamespace, dependencies: Any, runtime: ModuleType, clock: Clock
) -> None:
    settings = runtime.BREAKERS["redis"]
    dependencies.set_failing("redis", True)
    fail_times(dependencies, "redis", settings.failure_threshold)
    clock.now += settings.recovery_timeout_seconds
    fail_times(dependencies, "redis", 1)
    assert dependencies.states()["redis"] == "open"
    clock.now += settings.recovery_timeout_seconds - 0.001
    assert dependencies.states()["redis"] == "open"


def test_half_open_lets_only_its_trial_calls_through(
    dashboard_package: SimpleNamespace, runtime: ModuleType, clock: Clock
) -> None:
    settings = runtime.BREAKERS["openai"]
    breaker = dashboard_package.breaker.CircuitBreaker(settings, clock)
    for _ in range(settings.failure_threshold):
        with pytest.raises(ZeroDivisionError):
            breaker.call(lambda: 1 / 0)
    clock.now += settings.recovery_timeout_seconds
    admitted: list[str] = []

    def trial_that_starts_another() -> None:
        # Trials still running hold their slots: one more than allowed is refused.
        admitted.append("trial")
        if len(admitted) < settings.half_open_requests:
            breaker.call(trial_that_starts_another)
        else:
            with pytest.raises(dashboard_package.breaker.BreakerOpenError):
                breaker.call(trial_that_starts_another)

    breaker.call(trial_that_starts_another)
    assert len(admitted) == settings.half_open_requests
    assert breaker.state == "closed"


def test_health_follows_the_breakers(
    dashboard_package: SimpleNamespace, dependencies: Any, runtime: ModuleType
) -> None:
    for name in runtime.BREAKERS:
        dependencies.set_failing(name, True)
        fail_times(dependencies, name, runtime.BREAKERS[name].failure_threshold)
    health = dashboard_package.health.snapshot(runtime, dependencies.states()).as_json(runtime)
    assert (health["score"], health["tier"], health["features"]) == (0, "emergency", [])
    assert health["status_page_only"] is True
