"""Tests for alert-target (SS504) beyond its cases: the premise of its fast path.

The rule renders the alerts only when the runtime's service is disabled, because every
other thing an alert can link to runs by construction. These tests hold the emitters to
that, on every spec of the cases.
"""

from __future__ import annotations

from stagespec.emitters.prometheus_alerts import alerts, scraped_services
from stagespec.model.spec import Spec


def test_alerts_link_only_to_the_runtime_service_its_breakers_and_scraped_services(
    corpus_spec: Spec,
) -> None:
    server = corpus_spec.monitoring.prometheus if corpus_spec.monitoring else None
    if server is None:
        return
    runtime = corpus_spec.runtime
    scraped = {name for name, _ in scraped_services(corpus_spec)}
    breakers = corpus_spec.resilience.breakers if corpus_spec.resilience else {}
    for alert in alerts(corpus_spec, server):
        if "breaker" in alert.labels:
            assert runtime is not None and alert.labels["breaker"] in breakers
        elif "service" in alert.labels:
            linked = alert.labels["service"]
            assert linked in scraped or (runtime is not None and linked == runtime.service)
        else:
            raise AssertionError(f"{alert.name} links to nothing: {alert.labels}")
