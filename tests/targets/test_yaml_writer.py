"""YamlWriter: the bytes of `yaml.dump` with libyaml's emitter, from events built directly."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stagespec.targets.base import YamlWriter
from stagespec.targets.compose.yaml import Quoted, Raw, dump


def _pyyaml(documents: list[Any]) -> str:
    text: str = yaml.dump_all(
        documents,
        Dumper=yaml.CSafeDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return text


# Text that resolves to every implicit tag (bool, int, float, null, timestamp, merge,
# value) and text that needs quoting, besides anything hypothesis makes up.
LOOKALIKES = st.sampled_from(
    ["yes", "No", "on", "~", "null", "", "0o17", "0x1F", "1_000", "1e3", ".inf", "-.NaN",
     "2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<", "=", "- a", "a: b", "#c", "'q'",
     '"q"', "a\nb", " lead", "trail ", "\t", "\u2028", "\x85", "\ufeff", "é", "x" * 150]
)  # fmt: skip
SCALARS = st.one_of(
    st.text(),
    LOOKALIKES,
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), LOOKALIKES), inner, max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(DATA, min_size=1, max_size=3))
def test_same_bytes_as_pyyaml(documents: list[Any]) -> None:
    assert YamlWriter().dump_all(documents) == _pyyaml(documents)


def test_nan_and_infinities_as_pyyaml() -> None:
    data = [float("nan"), float("inf"), -float("inf"), 0.1, 1e300]
    assert YamlWriter().dump_all([data]) == _pyyaml([data])


def test_an_object_met_twice_is_written_twice() -> None:
    shared = {"test": ["CMD", "ping"]}
    text = YamlWriter().dump_all([{"a": shared, "b": shared}])
    assert "&" not in text and "*" not in text
    assert yaml.safe_load(text) == {"a": shared, "b": shared}


def test_other_types_are_refused() -> None:
    with pytest.raises(TypeError, match="no YAML form for set"):
        YamlWriter().dump_all([{"a": {1, 2}}])


def test_compose_strings() -> None:
    text = dump({"a": "$HOME", "b": Raw("${X:?X is required}"), "c": Quoted("8080:80")})
    assert text == 'a: $$HOME\nb: ${X:?X is required}\nc: "8080:80"\n'
