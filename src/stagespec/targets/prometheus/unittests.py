"""`promtool test rules` unit tests for the generated alerts, written beside the rules.

Each alert gets one test group: its trigger series is healthy for `LEAD_STEPS` evaluations,
then failing for good. The alert must not fire at the last evaluation before its `for:`
has run out, and must fire, with its labels and annotations, at the first one after.
Times come from the spec's durations, so a rule file edited by hand (a longer `for:`, a
wrong matcher) fails its tests.
"""

from __future__ import annotations

from typing import Any

from stagespec.model.values import Duration
from stagespec.plan.alerts import Alert
from stagespec.plan.promql import selector

LEAD_STEPS = 2
"""Healthy evaluations before the trigger turns bad, so `not before` is a real check."""


def unit_tests(alerts: list[Alert], step: Duration, rule_file: str) -> dict[str, Any]:
    """The promtool test document; `rule_file` is relative to the test file's folder."""
    return {
        "rule_files": [rule_file],
        "evaluation_interval": step.render(days=True),
        "tests": [_test_group(alert, step) for alert in alerts],
    }


def _test_group(alert: Alert, step: Duration) -> dict[str, Any]:
    steps_to_fire = -(-alert.hold.ms // step.ms)  # first evaluation with hold elapsed
    fire = Duration((LEAD_STEPS + steps_to_fire) * step.ms)
    before = Duration(fire.ms - step.ms)
    trigger = alert.trigger
    values = f"{trigger.healthy}+0x{LEAD_STEPS - 1} {trigger.failing}+0x{steps_to_fire + 1}"
    firing = {
        "exp_labels": {**trigger.labels, **alert.labels},
        "exp_annotations": dict(alert.annotations),
    }
    cases = [_case(before, alert.name, []), _case(fire, alert.name, [firing])]
    cases += [_case(fire, name, []) for name in alert.silent]
    return {
        "name": f"{alert.name} fires once its condition has held for {alert.hold}",
        "interval": step.render(days=True),
        "input_series": [{"series": selector(trigger.metric, trigger.labels), "values": values}],
        "alert_rule_test": cases,
    }


def _case(at: Duration, name: str, expected: list[dict[str, Any]]) -> dict[str, Any]:
    return {"eval_time": at.render(days=True), "alertname": name, "exp_alerts": expected}
