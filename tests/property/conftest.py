"""Hypothesis profiles for the property tests: `ci` (default) and `long`.

HYPOTHESIS_PROFILE=long selects the documented long run (fuzz/README.md). The profile is
not loaded globally, so the other suites' hypothesis tests keep their own defaults: each
property here takes it through `specgen.budget`, with its own example count.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

# Derandomized in CI: a red build is then a reproducible one, and the exploring is left to
# the long run, which draws new examples each time and prints a blob to replay a failure.
settings.register_profile(
    "ci", deadline=None, derandomize=True, database=None, suppress_health_check=_SLOW
)
settings.register_profile(
    "long", deadline=None, database=None, print_blob=True, suppress_health_check=_SLOW
)
