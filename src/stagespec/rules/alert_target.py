"""Every generated alert links to a breaker or service that runs.

Each alert says what it is about in a label: `breaker` for the breaker alerts, `service`
for the degradation and scrape-target alerts. That label is what routes the alert and
what the person on call looks for. The breakers run inside the service that imports the
runtime module (`runtime.service`), and the degradation alerts name that service. So when
that service is disabled, these alerts query metrics that nothing exports (they can never
fire), and their labels point at something that is not running.

Other links are checked elsewhere or cannot break. A breaker's `service:` that is not
declared is reported by `unresolved-reference` (SS101). One that is disabled is reported
by `breaker-disabled-service` (SS204), or by `production-breaker-service` (SS407) in
production. Scrape-target alerts exist only for enabled services with `metrics:`.

Failing (the service that runs the breakers is paused):

    services:
      dashboard: {build: ., enabled: false, metrics: {port: 8080}}
    monitoring:
      prometheus: {image: prom/prometheus:v2.54.1}
    resilience:
      breakers:
        openai: {weight: 1, failure_threshold: 5, recovery_timeout: 30s}
    runtime: {service: dashboard, module: app_runtime}

Fixed: enable `dashboard`, or point `runtime.service` at the service that imports the
runtime module and runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from stagespec.diagnostics import Severity
from stagespec.model.spec import Prometheus, Spec, runtime_service
from stagespec.rules.base import Context, Finding

if TYPE_CHECKING:
    from stagespec.plan.alerts import Alert

CODE = "SS504"
NAME = "alert-target"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services", "monitoring", "runtime", "resilience")


def check(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    prometheus = spec.monitoring.prometheus if spec.monitoring else None
    host = runtime_service(spec)
    if prometheus is None or host is None or host.enabled:
        # Alerts link to the runtime's service, its breakers, and scraped (so enabled)
        # services: only a disabled runtime service can leave one dangling. This skips deriving
        # the alerts on every validate of a healthy spec;
        # tests/rules/test_alert_target.py pins that premise against the emitters.
        return
    yield from _dangling(spec, prometheus)


def _dangling(spec: Spec, prometheus: Prometheus) -> Iterator[Finding]:
    """The alerts that link to the runtime's service, when it is declared and disabled.

    Alerts are made from the spec's own breakers and scraped (so enabled) services, so no
    other link can be dead; tests/rules/test_alert_target.py holds the emitters to that.
    """
    service = spec.runtime.service if spec.runtime else None
    host = spec.services.get(service) if service is not None else None
    if host is None or host.enabled:
        return
    # Imported here, not at the top: validate's start-up stays as small.
    from stagespec.plan.alerts import alerts

    names = [a.name for a in alerts(spec, prometheus) if _service_of(spec, a) == service]
    if not names:
        return
    subject = f"alerts {', '.join(names)} link" if len(names) > 1 else f"alert {names[0]} links"
    yield Finding(
        ("runtime", "service"),
        f"{subject} to {service!r} (runtime.service, which runs the breakers), and it is "
        "disabled: such an alert never fires, and its label sends whoever is on call to "
        "something that is not running",
    )


def _service_of(spec: Spec, alert: Alert) -> str | None:
    """The service an alert is about: its `service` label, or the one running its breaker."""
    if "breaker" in alert.labels:
        return spec.runtime.service if spec.runtime else None
    return alert.labels.get("service")
