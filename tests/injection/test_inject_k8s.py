"""No spec value changes the structure of the Kubernetes manifests or of their README.

The manifests are compared file by file and document by document: with a hostile value
in a slot, the same files hold the same documents with the same keys and list lengths as
with a benign marker, and the value sits intact where the marker did (a string command
is split into arguments as compose splits it, so there it is `shlex.split(value)`; in a
command or an env value each `$` is doubled, which the kubelet reads back as one).
Fields that only the README mentions (secret files, volume drivers, build contexts,
bind mounts) leave every manifest byte-identical, and no value adds a line to the README.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Callable
from typing import Any

import pytest
from hostilekit import (
    BENIGN,
    HOSTILE,
    PROPERTIES,
    SLOTS,
    Slot,
    assert_same_structure,
    load_yaml,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from stagespec.plan.inputs import BuildInput
from stagespec.targets import k8s
from stagespec.targets.k8s.names import K8sError


def _mount(value: str) -> str:
    return "/d" + value.replace(":", ";")


def _kubelet(value: str) -> str:
    # The kubelet expands `$(NAME)` in a container's command, args and env values and
    # reads `$$` as `$`: each `$` is written twice, so it reads back as written.
    return value.replace("$", "$$")


# The subtree each slot becomes in the manifests.
LEAVES: dict[str, Callable[[str], Any]] = {
    "environment value": _kubelet,
    "command (string)": lambda value: [_kubelet(word) for word in shlex.split(value)],
    "command (list)": _kubelet,
    "healthcheck (string)": str,
    "healthcheck (list)": str,
    "image": str,
    "named volume target": _mount,
    "content security policy": str,
    "grafana admin user": str,
    "prometheus image": str,
    "grafana image": str,
}
README_ONLY = ("secret file", "volume driver", "build context", "bind mount", "dockerfile")


@functools.cache
def _rendered(slot: str, value: str) -> dict[str, bytes]:
    return k8s.render(SLOTS[slot].build(value))


def _manifests(files: dict[str, bytes]) -> dict[str, list[Any]]:
    return {path: load_yaml(content) for path, content in files.items() if path != k8s.README}


@functools.cache
def _parsed(slot: str, value: str) -> dict[str, list[Any]]:
    return _manifests(_rendered(slot, value))


def _check(slot: str, value: str) -> None:
    try:
        hostile = _rendered(slot, value)
    except K8sError as e:  # a string command with unbalanced quotes cannot become args
        assert slot == "command (string)", e
        with pytest.raises(ValueError):
            shlex.split(value)
        return
    leaf = LEAVES[slot]
    assert_same_structure(_parsed(slot, BENIGN), _parsed(slot, value), leaf(BENIGN), leaf(value))
    _check_readme(_rendered(slot, BENIGN), hostile)


def _check_readme(benign: dict[str, bytes], hostile: dict[str, bytes]) -> None:
    before = benign[k8s.README].decode().split("\n")
    after = hostile[k8s.README].decode().split("\n")
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        # Same kind of line: heading, fence, list item, comment, blank or text.
        assert new[:3] == old[:3] or not (old[:1] in "#`-<" or new[:1] in "#`-<"), (old, new)


# Not injections but meanings: an empty image is no image (the placeholder of a built
# one), and an empty volume driver is no driver (the README has no note on it).
MEANINGFUL = {("image", "empty"), ("volume driver", "empty")}


def _cases(slots: tuple[str, ...]) -> list[Any]:
    return [
        pytest.param(slot, value, id=f"{slot}-{name}")
        for slot in slots
        for name, value in HOSTILE.items()
        if (slot, name) not in MEANINGFUL
    ]


@pytest.mark.parametrize(("slot", "value"), _cases(tuple(LEAVES)))
def test_hostile_value_keeps_the_structure(slot: str, value: str) -> None:
    _check(slot, value)


@pytest.mark.parametrize(("slot", "value"), _cases(README_ONLY))
def test_fields_only_the_readme_shows_change_no_manifest(slot: str, value: str) -> None:
    # as literal text: `${NAME}` in a spec names a variable (a mount source is checked with
    # its value), so each `${` of the value is written `$${`
    literal = value.replace("${", "$${")
    benign, hostile = _rendered(slot, BENIGN), _rendered(slot, literal)
    assert {p: c for p, c in hostile.items() if p != k8s.README} == {
        p: c for p, c in benign.items() if p != k8s.README
    }
    _check_readme(benign, hostile)


@settings(PROPERTIES, max_examples=60)
@given(
    slot=st.sampled_from(["environment value", "content security policy", "command (list)"]),
    value=st.text(),
)
def test_any_text_keeps_the_structure(slot: str, value: str) -> None:
    _check(slot, value)


def test_kubernetes_accepts_every_hostile_value_at_once() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")

    def put(data: dict[str, Any], value: str) -> None:
        for slot in LEAVES:
            if slot != "command (string)":
                SLOTS[slot].put(data, value)

    files = k8s.render(BuildInput(Slot("all", put).spec(HOSTILE["everything"]), "s.yaml"))
    for path, documents in _manifests(files).items():
        if path == k8s.KUSTOMIZATION:
            continue
        for document in documents:
            kubernetes_validate.validate(document, "1.30.0", strict=True)
