"""No spec value adds, removes or changes a statement of the generated runtime module.

The only free text that reaches the module is `runtime.security.csp`. With any value
there, the module must parse to the same syntax tree as with a benign marker once the
CSP literal is set back to the marker (so a value cannot add a statement, an import, a
decorator or a default), and the literal must evaluate to the value. Names the model
allows (breakers, features, tiers) include Python's soft keywords and builtins; they are
only ever string literals, so they too leave the tree as it is, literals aside.
"""

from __future__ import annotations

import ast
import functools

import pytest
from hostilekit import BENIGN, HOSTILE, PROPERTIES, SLOTS, SOURCE, renamed
from hypothesis import given, settings
from hypothesis import strategies as st

from stagespec.plan.inputs import BuildInput
from stagespec.targets import runtime

CSP = SLOTS["content security policy"]
MODULE = "inventario_runtime.py"


def _module(build: BuildInput) -> str:
    return runtime.render(build)[MODULE].decode("utf-8")


def _csp(tree: ast.Module) -> ast.AnnAssign:
    [node] = [
        n
        for n in tree.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.target.id == "CSP"
    ]
    return node


@functools.cache
def _benign_dump() -> str:
    return ast.dump(ast.parse(_module(CSP.build(BENIGN))))


def _check(value: str) -> None:
    text = _module(CSP.build(value))
    tree = ast.parse(text)
    compile(text, MODULE, "exec")
    node = _csp(tree)
    assert node.value is not None
    assert ast.literal_eval(node.value) == value
    node.value = ast.Constant(BENIGN)
    assert ast.dump(tree) == _benign_dump()


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_value_is_one_string_literal(value: str) -> None:
    _check(value)


@settings(PROPERTIES, max_examples=100)
@given(st.text())
def test_any_text_is_one_string_literal(value: str) -> None:
    _check(value)


# --- names ---------------------------------------------------------------------------


class _Literals(ast.NodeTransformer):
    """Every constant becomes its type's name: the tree without the values in it."""

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        return ast.Constant(type(node.value).__name__)


def _skeleton(build: BuildInput) -> str:
    return ast.dump(_Literals().visit(ast.parse(_module(build))))


def _renamed(breaker: str, feature: str, tier: str) -> BuildInput:
    spec = renamed(
        breaker=("openai", breaker),
        feature=("stock_levels_view", feature),
        tier=("degraded", tier),
    )
    return BuildInput(spec, SOURCE, "staging")


NAMES = {
    "soft keywords": ("match", "case", "type"),
    "builtins": ("print", "none", "true"),
    "module names": ("os", "sys", "builtins"),
    "underscores": ("a_", "b__c", "x_1"),
    "longest": ("b" * 63, "f" * 63, "t" * 63),
}


@pytest.mark.parametrize(("breaker", "feature", "tier"), NAMES.values(), ids=NAMES.keys())
def test_names_are_only_string_literals(breaker: str, feature: str, tier: str) -> None:
    build = _renamed(breaker, feature, tier)
    assert _skeleton(build) == _skeleton(_renamed("openai", "stock_levels_view", "degraded"))
    # A name used as code would show as an ast.Name, which the skeleton keeps.
    constants = {
        n.value for n in ast.walk(ast.parse(_module(build))) if isinstance(n, ast.Constant)
    }
    assert {breaker, feature, tier} <= constants
