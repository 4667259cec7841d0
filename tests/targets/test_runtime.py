"""Tests for the runtime module emitter.

The generated module is compiled, type-checked (`mypy --strict`), linted and format-checked
(`ruff`), imported in a clean interpreter that has only the standard library, and fed spec
values meant to break out of their string literals.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import py_compile
import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from stagespec.engine.validate import validate_file
from stagespec.model.spec import Runtime, SecretSource, Spec
from stagespec.plan import metrics
from stagespec.plan.inputs import BuildInput
from stagespec.targets import runtime

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
SOURCE = "specs/inventario-retail/stack.yaml"
MODULE = "inventario_runtime"
RUFF_RULES = "E,F,W,I,B,UP,SIM,RUF"


@pytest.fixture(scope="module")
def spec() -> Spec:
    result = validate_file(REFERENCE)
    assert result.spec is not None, result.diagnostics
    return result.spec


def _build(spec: Spec, environment: str = "staging", source: str = SOURCE) -> BuildInput:
    return BuildInput(spec=spec, source=source, environment=environment)


def _render(build: BuildInput) -> tuple[str, str]:
    """The generated module's name and source; the emitter writes exactly one file."""
    files = runtime.render(build)
    assert len(files) == 1, files.keys()
    [(path, content)] = files.items()
    assert path.endswith(".py") and "/" not in path
    return path.removesuffix(".py"), content.decode("utf-8")


def _write(directory: Path, name: str, source: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    return path


def _update(model: Any, changes: dict[str, Any]) -> Any:
    """A copy of a frozen model with the fields at dotted paths replaced, unvalidated."""
    for path, value in changes.items():
        head, _, rest = path.partition(".")
        new = _update(getattr(model, head), {rest: value}) if rest else value
        model = model.model_copy(update={head: new})
    return model


def _first_tier(spec: Spec, field: str, value: object) -> Spec:
    """The spec with one field of its first degradation tier replaced."""
    assert spec.resilience is not None and spec.resilience.degradation is not None
    first, *rest = spec.resilience.degradation.tiers
    tiers = [first.model_copy(update={field: value}), *rest]
    result: Spec = _update(spec, {"resilience.degradation.tiers": tiers})
    return result


def _bare(spec: Spec) -> Spec:
    """A runtime with every optional setting absent and no breakers, features or tiers."""
    return spec.model_copy(
        update={"resilience": None, "runtime": Runtime(service="dashboard", module="bare_rt")}
    )


def _long(name: str) -> str:
    return f"{name}_{'x' * 63}"[:63]


def _long_names(spec: Spec) -> Spec:
    """Every name at the model's limit of 63 characters."""
    assert spec.resilience is not None and spec.resilience.degradation is not None
    degradation = spec.resilience.degradation
    tiers = [
        tier.model_copy(
            update={
                "name": _long(tier.name),
                "features": "all"
                if tier.features == "all"
                else [_long(feature) for feature in tier.features],
            }
        )
        for tier in degradation.tiers
    ]
    changes = {
        "project": _long(spec.project),
        "runtime.module": _long("long_names"),
        "runtime.service": _long("dashboard"),
        "runtime.logging.request_id_header": "X" * 63,
        "resilience.breakers": {_long(n): b for n, b in spec.resilience.breakers.items()},
        "resilience.degradation.features": [_long(f) for f in degradation.features],
        "resilience.degradation.tiers": tiers,
    }
    result: Spec = _update(spec, changes)
    return result


def _csp(module: str, csp: str) -> Callable[[Spec], Spec]:
    return lambda spec: _update(spec, {"runtime.module": module, "runtime.security.csp": csp})


# Specs whose generated modules must all pass mypy --strict and ruff as they are.
VARIANTS: dict[str, Callable[[Spec], Spec]] = {
    "reference": lambda spec: spec,
    "bare": _bare,
    "long_names": _long_names,
    # `CSP: Final[str | None] = "..."` is 88 columns with a 61-character value.
    "csp_fits": _csp("fits_rt", "a" * 61),
    "csp_wraps": _csp("wraps_rt", "a" * 62),
    "csp_wide_fits": _csp("wide_rt", "日" * 30),
    "csp_wide_wraps": _csp("wider_rt", "日" * 31),
    "csp_very_long": _csp("long_rt", "default-src 'self'; " * 12),
}


def _variant_files(spec: Spec, directory: Path) -> list[Path]:
    paths = []
    for make in VARIANTS.values():
        name, source = _render(_build(make(spec)))
        paths.append(_write(directory, name, source))
    return paths


# --- the reference module ---------------------------------------------------------------


def test_writes_the_module_named_in_the_spec(spec: Spec) -> None:
    assert list(runtime.render(_build(spec))) == [f"{MODULE}.py"]


def test_writes_nothing_without_runtime(spec: Spec) -> None:
    assert runtime.render(_build(spec.model_copy(update={"runtime": None}))) == {}


def test_starts_with_the_header_then_a_docstring(spec: Spec) -> None:
    _, source = _render(_build(spec))
    assert source.startswith(f"# generated by stagespec from {SOURCE} — do not edit\n")
    assert ast.get_docstring(ast.parse(source))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_compiles(spec: Spec, tmp_path: Path, name: str) -> None:
    module, source = _render(_build(VARIANTS[name](spec)))
    py_compile.compile(str(_write(tmp_path, module, source)), doraise=True)


def test_jinja2_is_imported_only_when_rendering() -> None:
    tree = ast.parse(Path(runtime.__file__).read_text(encoding="utf-8"))
    top_level = [
        alias.name.split(".")[0]
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    ]
    assert "jinja2" not in top_level


@pytest.mark.parametrize("seed", ["0", "12345"])
def test_is_deterministic(spec: Spec, seed: str) -> None:
    _, first = _render(_build(spec))
    _, second = _render(_build(spec))
    assert first == second
    # Another process with another hash seed: no set or dict-of-set order may leak in.
    code = (
        "import sys; from pathlib import Path\n"
        "from stagespec.engine.validate import validate_file\n"
        "from stagespec.targets.base import BuildInput\n"
        "from stagespec.targets import runtime\n"
        "spec = validate_file(Path(sys.argv[1])).spec\n"
        "out = runtime.render(BuildInput(spec, sys.argv[2]))\n"
        "sys.stdout.buffer.write(out[sys.argv[3]])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(REFERENCE), SOURCE, f"{MODULE}.py"],
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": seed},
    )
    assert done.stdout.decode("utf-8") == first


# --- external checkers ------------------------------------------------------------------


@pytest.mark.tools
@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_passes_mypy_strict(spec: Spec, tmp_path: Path) -> None:
    paths = _variant_files(spec, tmp_path / "variants")
    # `--config-file=` reads no config: the module must pass on its own, not with ours.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file=",
            "--cache-dir",
            str(tmp_path / "cache"),
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.tools
@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_passes_ruff_format_and_check(spec: Spec, tmp_path: Path) -> None:
    paths = _variant_files(spec, tmp_path / "variants")
    # A long payload is split into several string parts wherever it is a constant; a tier's
    # cache, one of four words in a valid spec, is left to stay a single long line.
    paths += [
        _write(tmp_path / "injected", f"{field}_{i}", _render(INJECT[field](spec, payload))[1])
        for field in INJECT
        for i, payload in enumerate(PAYLOADS)
        if not (field == "tier_cache" and payload == LONG_PAYLOAD)
    ]
    # `--isolated`: ruff's defaults, as in a project whose settings we do not know.
    for command in (
        ["format", "--check", "--diff"],
        ["check", "--select", RUFF_RULES, "--no-fix"],
    ):
        done = subprocess.run(
            ["ruff", *command, "--isolated", "--target-version", "py311", *map(str, paths)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stdout + done.stderr


# --- import and use in a clean interpreter ----------------------------------------------

# Runs under `python -I -S`: no site-packages, no editable-install finders, no PYTHONPATH.
_PROBE = r"""
import importlib
import importlib.util
import json
import operator
import sys

sys.path.insert(0, sys.argv[1])
module = importlib.import_module(sys.argv[2])
loaded = sorted(
    name for name in sys.modules
    if name.split(".")[0] not in sys.stdlib_module_names
    and name not in ("__main__", sys.argv[2])
)


def error(call):
    try:
        call()
    except Exception as e:
        return type(e).__name__
    return None


def scenario(states):
    score = module.health_score(states)
    tier = module.tier_for(score)
    return {
        "score": score,
        "tier": tier.name,
        "level": module.degradation_level(score),
        "features": sorted(module.features_for(tier)),
        "by_name": sorted(module.features_for(tier.name)),
    }


print(json.dumps({
    "non_stdlib_modules": loaded,
    "findable": {
        name: importlib.util.find_spec(name) is not None
        for name in ("stagespec", "pydantic", "jinja2", "yaml")
    },
    "scenarios": [scenario(states) for states in json.loads(sys.argv[3])],
    "tiers": {tier.name: len(tier.features) for tier in module.TIERS},
    "features": list(module.FEATURES),
    "breakers": {
        name: [str(b.weight), b.failure_threshold, b.recovery_timeout_seconds,
               b.half_open_requests]
        for name, b in module.BREAKERS.items()
    },
    "enabled": [
        module.is_enabled("ai_demand_forecast", 100),
        module.is_enabled("ai_demand_forecast", 75),
        module.is_enabled("stock_levels_view", 40),
        module.is_enabled("stock_levels_view", 39.99),
    ],
    "errors": {
        "unknown breaker": error(lambda: module.health_score({"nope": "open"})),
        "unknown state": error(lambda: module.health_score({"openai": "broken"})),
        "unknown feature": error(lambda: module.is_enabled("nope", 100)),
        "unknown tier": error(lambda: module.features_for("nope")),
        "negative score": error(lambda: module.tier_for(-1)),
        "nan score": error(lambda: module.tier_for(float("nan"))),
        "frozen config": error(lambda: setattr(module.TIERS[0], "min_score", 0)),
        "immutable breakers": error(lambda: operator.setitem(module.BREAKERS, "x", None)),
    },
    "constants": {
        name: getattr(module, name)
        for name in module.__all__ if name.isupper() and name not in ("BREAKERS", "TIERS")
    },
    "states": [state.value for state in module.BreakerState],
    "all": sorted(module.__all__),
    "public": sorted(n for n in vars(module) if not n.startswith("_") and n not in (
        "annotations", "Decimal", "Final", "Fraction", "Literal", "Mapping",
        "MappingProxyType", "dataclass", "enum")),
}))
"""

# (breaker states, score, tier, number of features): the staging report's tiers are
# 16/12/8/4 features for optimal/degraded/limited/minimal and a status page below 40.
SCENARIOS: list[tuple[dict[str, str], float, str, int]] = [
    ({}, 100, "optimal", 16),
    (
        {"openai": "closed", "database": "closed", "redis": "closed", "s3": "closed"},
        100,
        "optimal",
        16,
    ),
    ({"openai": "open"}, 50, "minimal", 4),
    ({"database": "open"}, 70, "degraded", 12),
    ({"openai": "open", "database": "open"}, 20, "emergency", 0),
    ({"database": "open", "s3": "open"}, 65, "limited", 8),
    ({"database": "half_open"}, 85, "degraded", 12),
    ({"openai": "half_open"}, 75, "degraded", 12),
    ({"s3": "open"}, 95, "optimal", 16),
    ({"openai": "open", "database": "open", "redis": "open", "s3": "open"}, 0, "emergency", 0),
]
_SHARE = {"closed": Decimal(0), "half_open": Decimal("0.5"), "open": Decimal(1)}


def _expected(spec: Spec, states: dict[str, str]) -> dict[str, Any]:
    """What the module must answer, computed from the spec model in decimal."""
    assert spec.resilience is not None and spec.resilience.degradation is not None
    degradation = spec.resilience.degradation
    cost = sum(
        (b.weight * _SHARE[states.get(n, "closed")] for n, b in spec.resilience.breakers.items()),
        Decimal(0),
    )
    score = 100 * (1 - cost)
    level, tier = next((i, t) for i, t in enumerate(degradation.tiers) if t.min_score <= score)
    features = degradation.features if tier.features == "all" else tier.features
    return {"score": float(score), "tier": tier.name, "level": level, "features": sorted(features)}


@pytest.fixture(scope="module")
def probe(spec: Spec, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    directory = tmp_path_factory.mktemp("clean")
    _write(directory, *_render(_build(spec)))
    states = json.dumps([states for states, *_ in SCENARIOS])
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", _PROBE, str(directory), MODULE, states],
        capture_output=True,
        text=True,
        cwd=directory,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_imports_with_the_standard_library_only(probe: dict[str, Any]) -> None:
    assert probe["non_stdlib_modules"] == []
    assert probe["findable"] == {
        "stagespec": False,
        "pydantic": False,
        "jinja2": False,
        "yaml": False,
    }


def test_imports_only_standard_modules(spec: Spec) -> None:
    _, source = _render(_build(spec))
    imported = {
        (alias.name if isinstance(node, ast.Import) else node.module or "").split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


@pytest.mark.parametrize(
    ("index", "states", "score", "tier", "count"),
    [(i, *case) for i, case in enumerate(SCENARIOS)],
    ids=[",".join(f"{k}={v}" for k, v in s.items()) or "none" for s, *_ in SCENARIOS],
)
def test_health_score_selects_tier_and_features(
    spec: Spec,
    probe: dict[str, Any],
    index: int,
    states: dict[str, str],
    score: float,
    tier: str,
    count: int,
) -> None:
    got = probe["scenarios"][index]
    expected = _expected(spec, states)
    assert got["by_name"] == got["features"]
    del got["by_name"]
    assert got == expected
    assert (got["score"], got["tier"], len(got["features"])) == (score, tier, count)


def test_score_on_a_tier_boundary_is_exact(spec: Spec, tmp_path: Path) -> None:
    weights = {"a": "0.05", "b": "0.15", "c": "0.7", "d": "0.1"}
    breaker = _any_breaker(spec)
    breakers = {n: breaker.model_copy(update={"weight": Decimal(w)}) for n, w in weights.items()}
    name, source = _render(_build(_update(spec, {"resilience.breakers": breakers})))
    module = runpy.run_path(str(_write(tmp_path, name, source)))
    assert (0.05 + 0.15 + 0.7) * 100 < 90  # what summing floats would give
    assert module["health_score"]({"d": "open"}) == 90.0
    assert module["tier_for"](90.0).name == "optimal"
    assert module["health_score"]({"d": "half_open", "a": "half_open"}) == 92.5


def test_tiers_keep_the_staging_reports_features(spec: Spec, probe: dict[str, Any]) -> None:
    assert probe["tiers"] == {
        "optimal": 16,
        "degraded": 12,
        "limited": 8,
        "minimal": 4,
        "emergency": 0,
    }
    assert spec.resilience is not None and spec.resilience.degradation is not None
    assert probe["features"] == spec.resilience.degradation.features


def test_breakers_match_the_spec(spec: Spec, probe: dict[str, Any]) -> None:
    assert spec.resilience is not None
    assert probe["breakers"] == {
        name: [str(b.weight), b.failure_threshold, b.recovery_timeout.seconds, b.half_open_requests]
        for name, b in spec.resilience.breakers.items()
    }
    assert probe["breakers"]["openai"] == ["0.50", 5, 30.0, 2]


def test_is_enabled(probe: dict[str, Any]) -> None:
    assert probe["enabled"] == [True, False, True, False]


def test_errors(probe: dict[str, Any]) -> None:
    assert probe["errors"] == {
        "unknown breaker": "ValueError",
        "unknown state": "ValueError",
        "unknown feature": "ValueError",
        "unknown tier": "ValueError",
        "negative score": "ValueError",
        "nan score": "ValueError",
        "frozen config": "FrozenInstanceError",
        "immutable breakers": "TypeError",
    }


def test_constants(probe: dict[str, Any]) -> None:
    assert probe["constants"] == {
        # An env-sourced key arrives as a variable, never as a file (plan.delivery).
        "API_KEY_ENV": "API_KEY",
        "API_KEY_SECRET_FILE": None,
        "BREAKER_STATES": list(metrics.BREAKER_STATES),
        "CSP": "default-src 'self'",
        "ENVIRONMENT": "staging",
        "FEATURES": probe["features"],
        "FORCE_HTTPS": False,
        "HSTS": True,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "info",
        "METRIC_BREAKER_STATE": metrics.BREAKER_STATE,
        "METRIC_DEGRADATION_LEVEL": metrics.DEGRADATION_LEVEL,
        "METRIC_DEGRADATION_TIER": metrics.DEGRADATION_TIER,
        "METRIC_HEALTH_SCORE": metrics.HEALTH_SCORE,
        "PROJECT": "inventario-retail",
        "RATE_LIMIT_REQUESTS": 100,
        "RATE_LIMIT_WINDOW_SECONDS": 60.0,
        "REQUEST_ID_HEADER": "X-Request-ID",
        # the dashboard's scrape: the key alone in X-API-Key (metrics.auth)
        "SCRAPE_AUTH_HEADER": "X-API-Key",
        "SCRAPE_AUTH_SCHEME": None,
        "SERVICE": "dashboard",
    }


def test_exports_every_shared_metric_and_state(probe: dict[str, Any]) -> None:
    exported = {v for k, v in probe["constants"].items() if k.startswith("METRIC_")}
    assert exported == set(metrics.ALL)
    assert probe["states"] == list(metrics.BREAKER_STATES)


def test_all_lists_every_public_name(probe: dict[str, Any]) -> None:
    assert probe["all"] == probe["public"]


def test_never_writes_a_secret_value(spec: Spec, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_API_KEY", "value-that-must-not-appear")
    _, source = _render(_build(spec))
    assert "value-that-must-not-appear" not in source
    assert "DASHBOARD_API_KEY" not in source


# --- spec values that try to become code ------------------------------------------------

PAYLOADS = [
    '"""',
    "'''",
    "'",
    '"',
    "a'b\"c",
    'a"b"c\'d',
    "line\nbreak",
    "carriage\rreturn",
    "back\\slash",
    "trailing backslash\\",
    "{{ 7 * 7 }}",
    "{% if true %}x{% endif %}",
    "${x}",
    "__import__('os').system('echo pwned')",
    '"; import os; x = "',
    "')\nimport os\n#",
    "\x00\x1b\t",
    "é — 日本語 \u2028 \u200b",
]
# Every payload at once, long enough to be split into several string parts.
LONG_PAYLOAD = " ".join(PAYLOADS) * 3
PAYLOADS.append(LONG_PAYLOAD)


# _update() skips validation, so even the pattern-restricted fields carry the payload.
INJECT: dict[str, Callable[[Spec, str], BuildInput]] = {
    "csp": lambda s, v: _build(_update(s, {"runtime.security.csp": v})),
    "request_id_header": lambda s, v: _build(_update(s, {"runtime.logging.request_id_header": v})),
    "service": lambda s, v: _build(_update(s, {"runtime.service": v})),
    "project": lambda s, v: _build(_update(s, {"project": v})),
    "environment": lambda s, v: _build(s, environment=v),
    "tier_cache": lambda s, v: _build(_first_tier(s, "cache", v)),
}
READ_BACK: dict[str, Callable[[dict[str, Any]], object]] = {
    "csp": lambda ns: ns["CSP"],
    "request_id_header": lambda ns: ns["REQUEST_ID_HEADER"],
    "service": lambda ns: ns["SERVICE"],
    "project": lambda ns: ns["PROJECT"],
    "environment": lambda ns: ns["ENVIRONMENT"],
    "tier_cache": lambda ns: ns["TIERS"][0].cache,
}


def _shape(tree: ast.Module) -> list[tuple[str, str]]:
    """Each top-level statement's kind and what it names."""
    shape = []
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = ",".join(ast.unparse(t) for t in targets)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names = node.name
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = ast.unparse(node)
        else:
            names = type(getattr(node, "value", node)).__name__
        shape.append((type(node).__name__, names))
    return shape


class _BlankStrings(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        return ast.Constant("") if isinstance(node.value, str) else node


def _skeleton(tree: ast.Module) -> str:
    """The whole tree with every string constant blanked: the code without the data."""
    return ast.dump(_BlankStrings().visit(tree))


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", list(INJECT))
def test_injected_values_stay_data(spec: Spec, tmp_path: Path, field: str, payload: str) -> None:
    # compared with the same field holding a plain word: a runtime service named nothing
    # the spec declares has no scrape auth, whatever its name
    _, reference = _render(INJECT[field](spec, "plain"))
    name, source = _render(INJECT[field](spec, payload))
    tree, reference_tree = ast.parse(source), ast.parse(reference)
    assert _shape(tree) == _shape(reference_tree)
    assert _skeleton(tree) == _skeleton(reference_tree)
    namespace = runpy.run_path(str(_write(tmp_path, name, source)))
    assert READ_BACK[field](namespace) == payload


NAMED: dict[str, Callable[[Spec, str], Spec]] = {
    "breaker": lambda s, bad: _update(s, {"resilience.breakers": {bad: _any_breaker(s)}}),
    "feature": lambda s, bad: _update(s, {"resilience.degradation.features": [bad]}),
    "tier": lambda s, bad: _first_tier(s, "name", bad),
    "tier feature": lambda s, bad: _first_tier(s, "features", [bad]),
    "module": lambda s, bad: _update(s, {"runtime.module": bad}),
    # Only a file-sourced key's secret name enters the module, as its file's name.
    "api key secret": lambda s, bad: _update(
        s,
        {
            "secrets": {**s.secrets, bad: SecretSource(file="./key.txt")},
            "runtime.security.api_key.secret": bad,
        },
    ),
}


def _any_breaker(spec: Spec) -> Any:
    assert spec.resilience is not None
    return next(iter(spec.resilience.breakers.values()))


@pytest.mark.parametrize("bad", ["os; import sys", "Upper", "_private", "a-b", "x\n", "", "é"])
@pytest.mark.parametrize("where", list(NAMED))
def test_refuses_names_that_are_not_plain(spec: Spec, where: str, bad: str) -> None:
    with pytest.raises(ValueError, match=r"is not a name of the form \[a-z\]\[a-z0-9_\]\*"):
        runtime.render(_build(NAMED[where](spec, bad)))


@pytest.mark.parametrize("source", ["a\nimport os", "a\r\nimport os", "a\rimport os", "a\0b"])
def test_refuses_a_source_path_that_leaves_the_header_comment(spec: Spec, source: str) -> None:
    with pytest.raises(ValueError, match="would break out of a comment"):
        runtime.render(_build(spec, source=source))


# --- literals ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [*PAYLOADS, "", "plain", None, True, False, 0, 100, 60.0, 0.1])
def test_pyrepr_round_trips(value: object) -> None:
    assert ast.literal_eval(runtime.pyrepr(value)) == value


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("x", '"x"'),
        ("it's", '"it\'s"'),
        ('say "hi"', "'say \"hi\"'"),
        ("a'b\"c", '"a\'b\\"c"'),
        (Decimal("0.50"), 'Decimal("0.50")'),
        (("closed",), '("closed",)'),
        (("closed", "open"), '("closed", "open")'),
    ],
)
def test_pyrepr_uses_ruff_quotes(value: object, literal: str) -> None:
    assert runtime.pyrepr(value) == literal


@pytest.mark.parametrize("value", [float("inf"), float("nan"), Decimal("NaN"), object(), [1]])
def test_pyrepr_refuses_what_is_not_a_finite_literal(value: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        runtime.pyrepr(value)


def test_constant_wraps_long_lines_in_parentheses() -> None:
    assert runtime.constant("A", "str", "x") == 'A: Final[str] = "x"'
    wrapped = runtime.constant("A", "str", "x" * 80)
    assert wrapped == f'A: Final[str] = (\n    "{"x" * 80}"\n)'


@pytest.mark.parametrize("value", ["default-src 'self'; " * 12, "x" * 300, LONG_PAYLOAD])
def test_constant_splits_strings_too_long_for_a_line(value: str) -> None:
    text = runtime.constant("A", "str", value)
    lines = text.splitlines()
    assert lines[0] == "A: Final[str] = (" and lines[-1] == ")"
    assert len(lines) > 3
    assert all(runtime._width(line) <= runtime.LINE_LENGTH for line in lines)
    assert ast.literal_eval("\n".join(lines[1:-1]).join("()")) == value
