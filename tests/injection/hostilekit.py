"""What the injection tests share: hostile values, the spec fields that take free text,
and a way to compare the structure of two parsed outputs.

A test builds the same spec twice, once with a benign marker in one free-text field (a
slot) and once with a hostile value there, renders both, parses both, and checks that
(1) the parsed documents have the same shape once the slot's value is set aside: the same
keys, list lengths and kinds of leaves, and (2) the hostile value sits, intact, exactly
where the marker sat.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, settings

from stagespec.load.document import load_path
from stagespec.model.spec import Spec
from stagespec.model.validator import validate_spec
from stagespec.plan.inputs import BuildInput

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
SOURCE = "specs/inventario-retail/stack.yaml"
# Not a valid label value either, so that Kubernetes' `app.kubernetes.io/name`, which is
# taken from an image name that is one, falls back to the component for both values.
BENIGN = "benign marker!"

# Hypothesis settings of these tests: the same examples on every run, so that a red CI
# build can be replayed, and nothing written to a local example database.
PROPERTIES = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Free text that each output format could mistake for its own syntax, one kind at a time,
# then all together. None holds `:` followed by a digit (a Grafana image's tag would then
# pick another plugin variable, a semantic change and not an injection).
HOSTILE: dict[str, str] = {
    "new key": "x\nservices: {injected: {}}",
    "new list item": "x\n- injected",
    "document markers": "x\n---\nkind: Injected\n...\n",
    "double quotes": 'say "hi" \\"',
    "single quotes": "it's 'quoted'",
    "backslashes": "a\\b\\\\c\\n\\x41\\",
    "interpolation": "${HOME} $HOME ${X:-y} ${Y:?no} $$ $",
    "templates": "{{ .Values.x }} {% if x %} {{- y -}} {#c#}",
    "comments": "# a comment #not",
    "mapping syntax": "key: value, {a: b}, [c]",
    "list syntax": "- item",
    "yaml indicators": "&anchor *alias !!python/object/apply:os.system ? | > % @ `",
    "python": '""" + __import__("os").system("id") + """ \'\'\' ); import os #',
    "unicode line breaks": "a\u2028b\u2029c\x85d",
    "nul": "a\x00b",
    "control characters": "\x1b[31mred\x07\x7f\tend\x0b\x0c",
    "carriage return": "a\r\nb\rc",
    "lookalike scalars": "yes",
    "null-like": "null",
    "number-like": "0o17",
    "empty": "",
    "spaces": "  padded  ",
    "trailing newline": "ends\n",
    "bidi and zero width": "\u202eabc\u200b\ufeff",
    "long": "word " * 400,
    "everything": ('x\n---\n- "q" \'s\' \\ ${X} $$ {{ y }} # c: d """ \u2028\x85\x00 end'),
}


@dataclass(frozen=True)
class Slot:
    """A spec field that takes free text: how to set it in spec data."""

    name: str
    put: Callable[[dict[str, Any], str], None]

    def spec(self, value: str) -> Spec:
        """The reference spec's staging environment, with `value` in this slot."""
        data = copy.deepcopy(_reference_data())
        self.put(data, value)
        return validate_spec(data)

    def build(self, value: str) -> BuildInput:
        return BuildInput(self.spec(value), SOURCE, "staging")


def _service(name: str, key: str) -> Callable[[dict[str, Any], str], None]:
    def put(data: dict[str, Any], value: str) -> None:
        data["services"][name][key] = value

    return put


def _nested(*path: str) -> Callable[[dict[str, Any], str], None]:
    def put(data: dict[str, Any], value: str) -> None:
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value

    return put


def _put_list(*path: str, before: tuple[str, ...] = ()) -> Callable[[dict[str, Any], str], None]:
    def put(data: dict[str, Any], value: str) -> None:
        _nested(*path)(data, [*before, value])  # type: ignore[arg-type]

    return put


def _no_colon(value: str) -> str:
    """A mount's parts cannot hold `:` (the model splits on it), nor be `..`."""
    return value.replace(":", ";")


SLOTS: dict[str, Slot] = {
    slot.name: slot
    for slot in (
        Slot("environment value", _nested("services", "postgres", "environment", "POSTGRES_DB")),
        Slot("command (string)", _service("redis", "command")),
        Slot("command (list)", _put_list("services", "redis", "command", before=("redis",))),
        Slot("healthcheck (string)", _nested("services", "redis", "healthcheck", "test")),
        Slot(
            "healthcheck (list)",
            _put_list("services", "redis", "healthcheck", "test", before=("CMD",)),
        ),
        Slot("image", _service("postgres", "image")),
        Slot("build context", _service("dashboard", "build")),
        Slot(
            "dockerfile",
            lambda d, v: d["services"]["dashboard"].update(
                build={"context": "./web_dashboard", "dockerfile": v}
            ),
        ),
        Slot(
            "bind mount",
            lambda d, v: d["services"]["redis"].update(volumes=[f"./{_no_colon(v)}x:/data"]),
        ),
        Slot(
            "named volume target",
            lambda d, v: d["services"]["redis"].update(volumes=[f"redis_data:/d{_no_colon(v)}"]),
        ),
        Slot("volume driver", lambda d, v: d["volumes"].update(redis_data={"driver": v})),
        Slot(
            "secret file",
            lambda d, v: d["secrets"].update(postgres_password={"file": v}),
        ),
        Slot("grafana admin user", _nested("monitoring", "grafana", "admin_user")),
        Slot("prometheus image", _nested("monitoring", "prometheus", "image")),
        Slot("grafana image", _nested("monitoring", "grafana", "image")),
        Slot("content security policy", _nested("runtime", "security", "csp")),
    )
}


def every_slot(value: str) -> Spec:
    """`value` in every slot at once; of two slots on one field (a string or a list
    command), the later one's form is kept."""

    def put(data: dict[str, Any], value: str) -> None:
        for slot in SLOTS.values():
            slot.put(data, value)

    return Slot("every slot", put).spec(value)


def _rekey(mapping: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """`mapping` with key `old` renamed `new`, in the same place."""
    return {new if key == old else key: value for key, value in mapping.items()}


def rename(data: dict[str, Any], kind: str, old: str, new: str) -> None:
    """Rename a service, breaker, feature or tier of spec data, and every reference to it."""
    resilience = data["resilience"]
    degradation = resilience["degradation"]
    if kind == "service":
        data["services"] = _rekey(data["services"], old, new)
        for service in data["services"].values():
            service["depends_on"] = [new if d == old else d for d in service.get("depends_on", [])]
        for breaker in resilience["breakers"].values():
            if breaker.get("service") == old:
                breaker["service"] = new
        if data["runtime"]["service"] == old:
            data["runtime"]["service"] = new
    elif kind == "breaker":
        resilience["breakers"] = _rekey(resilience["breakers"], old, new)
    elif kind == "feature":
        degradation["features"] = [new if f == old else f for f in degradation["features"]]
        for tier in degradation["tiers"]:
            if isinstance(tier["features"], list):
                tier["features"] = [new if f == old else f for f in tier["features"]]
    else:
        for tier in degradation["tiers"]:
            if tier["name"] == old:
                tier["name"] = new


def renamed(project: str = "inventario-retail", **names: tuple[str, str]) -> Spec:
    """The reference spec's staging environment with things renamed: kind=(old, new)."""
    data = copy.deepcopy(_reference_data())
    data["project"] = project
    for kind, (old, new) in names.items():
        rename(data, kind, old, new)
    return validate_spec(data)


def _reference_data() -> dict[str, Any]:
    if not _CACHE:
        data = load_path(REFERENCE).data
        _CACHE.append({k: v for k, v in data.items() if k != "environments"})
    return _CACHE[0]


_CACHE: list[dict[str, Any]] = []


# Names at the edges of what the model allows, to rename the reference's (OLD) with:
# (project, environment, {kind: new name}).
OLD = {
    "service": "dashboard",
    "breaker": "openai",
    "tier": "degraded",
    "feature": "stock_levels_view",
}
NAMES: dict[str, tuple[str, str, dict[str, str]]] = {
    "shortest": ("p", "e", {"service": "d", "breaker": "o", "tier": "t", "feature": "f"}),
    "longest": (
        "p" * 63,
        "e" * 63,
        {"service": "s" * 63, "breaker": "b" * 63, "tier": "t" * 63, "feature": "f" * 63},
    ),
    "dashes and underscores": (
        "p-q_r-",
        "e_",
        {"service": "a-b_c-d-", "breaker": "a__b", "tier": "t_1", "feature": "f_"},
    ),
    "promql keywords": (
        "offset",
        "bool",
        {"service": "sum", "breaker": "by", "tier": "without", "feature": "on"},
    ),
    "yaml booleans and nulls": (
        "yes",
        "no",
        {"service": "on", "breaker": "off", "tier": "null", "feature": "true"},
    ),
    "python soft keywords": (
        "match",
        "case",
        {"service": "type", "breaker": "match", "tier": "case", "feature": "print"},
    ),
}


def spec_named(project: str, names: dict[str, str]) -> Spec:
    """The reference spec renamed: `names` maps a kind of name (as in OLD) to the new one."""
    return renamed(project, **{kind: (OLD[kind], new) for kind, new in names.items()})


class StrictLoader(yaml.CSafeLoader):
    """PyYAML's safe loader, refusing duplicate keys: an injected key cannot hide as one."""


def _mapping(loader: StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    pairs = loader.construct_pairs(node, deep=True)
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise AssertionError(f"duplicate keys at line {node.start_mark.line + 1}")
    return mapping


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(text: bytes | str) -> list[Any]:
    """Every document of a YAML file."""
    return list(yaml.load_all(text, Loader=StrictLoader))  # StrictLoader is a safe loader


SLOT_MARK = "<slot>"


def find(tree: Any, leaf: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The key paths of every subtree of `tree` equal to `leaf` (and of its type)."""
    if tree == leaf and type(tree) is type(leaf):
        return [path]
    if isinstance(tree, dict):
        return [p for k, v in tree.items() for p in find(v, leaf, (*path, k))]
    if isinstance(tree, list):
        return [p for i, v in enumerate(tree) for p in find(v, leaf, (*path, i))]
    return []


def at(tree: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        tree = tree[key]
    return tree


def shape(
    tree: Any, skip: frozenset[tuple[Any, ...]] = frozenset(), path: tuple[Any, ...] = ()
) -> Any:
    """Keys, list lengths and the kind of each leaf; the subtrees at `skip` become SLOT_MARK."""
    if path in skip:
        return SLOT_MARK
    if isinstance(tree, dict):
        return {k: shape(v, skip, (*path, k)) for k, v in tree.items()}
    if isinstance(tree, list):
        return [shape(v, skip, (*path, i)) for i, v in enumerate(tree)]
    return type(tree).__name__


def assert_same_structure(benign: Any, hostile: Any, benign_leaf: Any, hostile_leaf: Any) -> None:
    """Same shape with the slot set aside, and the hostile leaf exactly where the benign was."""
    paths = find(benign, benign_leaf)
    assert paths, f"the marker {benign_leaf!r} is not in the output"
    for path in paths:
        try:
            found = at(hostile, path)
        except (KeyError, IndexError, TypeError):
            raise AssertionError(f"the structure changed: nothing at {path}") from None
        assert found == hostile_leaf, f"at {path}: {found!r} is not {hostile_leaf!r}"
    skip = frozenset(paths)
    assert shape(hostile, skip) == shape(benign, skip)


COMPOSE_LOADER = """
import json, sys
from compose.config import config
from compose.config.environment import Environment

environment = Environment.from_env_file(".")
details = config.find(".", [sys.argv[1]], environment)
loaded = config.load(details)
json.dump({service["name"]: service for service in loaded.services}, sys.stdout, default=str)
"""


def docker_compose_python() -> str | None:
    """The interpreter docker-compose 1.29 runs on (its script's `#!` line), if installed."""
    script = shutil.which("docker-compose")
    if script is None:
        return None
    first = Path(script).read_bytes().split(b"\n", 1)[0]
    if not first.startswith(b"#!") or b"python" not in first:
        return None
    return first[2:].decode().strip().split()[0]
