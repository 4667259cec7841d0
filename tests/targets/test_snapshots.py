"""Snapshots of every file generated from the reference stack: both targets, both environments.

A snapshot is a claim: when one changes, read the new text before accepting it with
`python -m pytest tests/targets/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from stagespec.engine.build import output_dir, render_all
from stagespec.load.document import load_path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"


def _render(target: str) -> dict[str, bytes]:
    cwd = Path.cwd()
    os.chdir(ROOT)  # headers and rebased paths are relative to the repository root
    try:
        out = ROOT / output_dir("inventario-retail", target)
        return render_all(load_path(REFERENCE), REFERENCE, out, target=target)
    finally:
        os.chdir(cwd)


FILES = _render("compose")
K8S_FILES = _render("k8s")


def test_the_file_list(snapshot: SnapshotAssertion) -> None:
    assert sorted(FILES) == snapshot


@pytest.mark.parametrize("name", sorted(FILES))
def test_generated_file(name: str, snapshot: SnapshotAssertion) -> None:
    assert FILES[name].decode("utf-8") == snapshot


def test_the_k8s_file_list(snapshot: SnapshotAssertion) -> None:
    assert sorted(K8S_FILES) == snapshot


@pytest.mark.parametrize("name", sorted(K8S_FILES))
def test_generated_k8s_file(name: str, snapshot: SnapshotAssertion) -> None:
    assert K8S_FILES[name].decode("utf-8") == snapshot
