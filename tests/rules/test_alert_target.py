"""Tests for alert-target (SS504) beyond its cases: the premise of its fast path.

The rule renders the alerts only when the runtime's service is disabled, because every
other thing an alert can link to runs by construction. These tests hold the emitters to
that, on every spec of the cases that has an alert, and check that the slow path the rule
skips would indeed have found nothing there.
"""

from __future__ import annotations

from stagespec.load.document import load_text
from stagespec.model.spec import Prometheus, Spec, runtime_service
from stagespec.plan.alerts import alerts, scraped_services
from stagespec.rules import alert_target
from stagespec.rules.base import Context


def _server(spec: Spec) -> Prometheus:
    assert spec.monitoring is not None and spec.monitoring.prometheus is not None
    return spec.monitoring.prometheus


def test_alerts_link_only_to_the_runtime_service_its_breakers_and_scraped_services(
    alerting_spec: Spec,
) -> None:
    runtime = alerting_spec.runtime
    scraped = {name for name, _ in scraped_services(alerting_spec)}
    breakers = alerting_spec.resilience.breakers if alerting_spec.resilience else {}
    found = alerts(alerting_spec, _server(alerting_spec))
    assert found
    for alert in found:
        if "breaker" in alert.labels:
            assert runtime is not None and alert.labels["breaker"] in breakers
        elif "service" in alert.labels:
            linked = alert.labels["service"]
            assert linked in scraped or (runtime is not None and linked == runtime.service)
        else:
            raise AssertionError(f"{alert.name} links to nothing: {alert.labels}")


def test_where_the_rule_skips_the_alerts_none_of_them_dangles(alerting_spec: Spec) -> None:
    host = runtime_service(alerting_spec)
    dangling = list(alert_target._dangling(alerting_spec, _server(alerting_spec)))
    if host is None or host.enabled:  # the fast path: the rule yields nothing
        ctx = Context(doc=load_text("{}", "stack.yaml"), spec=alerting_spec)
        assert list(alert_target.check(ctx)) == []
        assert dangling == []
    else:  # the slow path: the disabled runtime service is the one dead link
        assert {f.path for f in dangling} == {("runtime", "service")}


def _paused_runtime(spec: Spec) -> Spec:
    assert spec.runtime is not None
    name = spec.runtime.service
    paused = spec.services[name].model_copy(update={"enabled": False})
    return spec.model_copy(update={"services": {**spec.services, name: paused}})


def test_pausing_the_runtime_service_leaves_its_alerts_dangling(pausable_spec: Spec) -> None:
    paused = _paused_runtime(pausable_spec)
    assert paused.runtime is not None
    found = alerts(paused, _server(paused))
    linked = [
        a.name
        for a in found
        if "breaker" in a.labels or a.labels.get("service") == paused.runtime.service
    ]
    [finding] = alert_target._dangling(paused, _server(paused))
    assert finding.path == ("runtime", "service")
    assert linked and all(name in finding.message for name in linked)
