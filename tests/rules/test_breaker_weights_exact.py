"""SS201 sums weights exactly, past any decimal context; the runtime module agrees with it."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal, getcontext
from pathlib import Path
from types import ModuleType

import pytest

from stagespec.diagnostics import dotted_path
from stagespec.load.document import load_text
from stagespec.model.parse import parse_spec
from stagespec.model.spec import Spec
from stagespec.plan.inputs import BuildInput
from stagespec.rules import breaker_weights
from stagespec.rules.base import Context
from stagespec.targets import runtime

PAST_28_DIGITS = "0.50000000000000000000000000004"


def _text(*weights: str) -> str:
    rows = "".join(
        f"    b{i}: {{weight: {w}, failure_threshold: 3, recovery_timeout: 20s}}\n"
        for i, w in enumerate(weights)
    )
    return (
        "stagespec: 1\nproject: demo\nservices:\n  api: {image: 'api:1.0'}\n"
        f"resilience:\n  breakers:\n{rows}"
        "  degradation:\n    features: [search]\n    tiers:\n"
        "      - {name: full, min_score: 50, features: all}\n"
        "      - {name: down, min_score: 0, features: []}\n"
        "runtime: {service: api, module: stack_runtime}\n"
    )


def _spec(*weights: str) -> Spec:
    """The spec with these weights, set past the model (which refuses over 6 places), so
    that the rule is tested on its own."""
    spec, problems = parse_spec(load_text(_text(*["0.5"] * len(weights)), "stack.yaml"))
    assert spec is not None and spec.resilience is not None, problems
    breakers = {
        name: breaker.model_copy(update={"weight": Decimal(weight)})
        for (name, breaker), weight in zip(spec.resilience.breakers.items(), weights, strict=True)
    }
    resilience = spec.resilience.model_copy(update={"breakers": breakers})
    return spec.model_copy(update={"resilience": resilience})


def _findings(spec: Spec) -> list[tuple[str, str]]:
    ctx = Context(doc=load_text(_text("1"), "stack.yaml"), spec=spec)
    return [(dotted_path(f.path), f.message) for f in breaker_weights.check(ctx)]


def test_a_sum_one_part_in_10_to_29_over_1_is_reported() -> None:
    assert sum([Decimal("0.5"), Decimal(PAST_28_DIGITS)]) == 1  # what the context makes of it
    assert _findings(_spec("0.5", PAST_28_DIGITS)) == [
        (
            "resilience.breakers",
            "weights of resilience.breakers sum to 1.00000000000000000000000000004, not 1 "
            f"(b0 0.5, b1 {PAST_28_DIGITS})",
        )
    ]


@pytest.mark.parametrize(
    "weights",
    [
        ("0.5", PAST_28_DIGITS, "-0.00000000000000000000000000004"),  # out of range, sum 1
        ("0.3", "0.3", "0.3", "0.1"),
        ("0." + "3" * 399, "0." + "6" * 398 + "7"),
    ],
)
def test_an_exact_sum_of_1_passes_the_sum(weights: tuple[str, ...]) -> None:
    found = _findings(_spec(*weights))
    assert [message for path, message in found if path == "resilience.breakers"] == []


def test_the_sum_leaves_the_callers_context_alone() -> None:
    precision = getcontext().prec
    breaker_weights.exact_sum([Decimal("1E+300"), Decimal("1E-300")])
    assert getcontext().prec == precision
    assert breaker_weights.exact_sum([]) == 0


# -- the runtime module: every breaker open is a score of exactly 0 -----------------------


def _module(spec: Spec, folder: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    files = runtime.render(BuildInput(spec=spec, source="stack.yaml", environment="default"))
    path = folder / "stack_runtime.py"
    path.write_bytes(files["stack_runtime.py"])
    loaded = importlib.util.spec_from_file_location("stack_runtime_under_test", path)
    assert loaded is not None and loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    monkeypatch.setitem(sys.modules, loaded.name, module)  # its dataclasses look it up
    loaded.loader.exec_module(module)
    return module


def test_every_breaker_open_scores_0_when_the_weights_sum_to_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, problems = parse_spec(load_text(_text("0.333333", "0.333333", "0.333334"), "s.yaml"))
    assert spec is not None, problems
    assert _findings(spec) == []
    module = _module(spec, tmp_path, monkeypatch)
    score = module.health_score({name: "open" for name in module.BREAKERS})
    assert score == 0
    assert module.tier_for(score).name == "down"
    assert module.health_score({}) == 100
    assert module.health_score({"b0": "half_open"}) == 100 - 100 * 0.333333 / 2


def test_a_sum_over_1_would_make_the_runtime_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Why the sum must be exact: the module computes exactly, so a score below 0 has no tier.
    module = _module(_spec("0.5", PAST_28_DIGITS), tmp_path, monkeypatch)
    score = module.health_score({name: "open" for name in module.BREAKERS})
    assert score < 0
    with pytest.raises(ValueError, match="outside 0-100"):
        module.tier_for(score)
