"""The output directory is replaced whole, and --check sees every kind of drift."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from stagespec.errors import OutputError
from stagespec.writer import MANIFEST, compare_tree, with_manifest, write_tree

FILES = with_manifest({"a.yml": b"a: 1\n", "sub/b.json": b"{}\n"})


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_write_creates_files_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    tree = _tree(out)
    assert tree == FILES
    for line in tree[MANIFEST].decode().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256(tree[name]).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_rewrite_removes_files_no_longer_produced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    write_tree(out, with_manifest({"a.yml": b"a: 2\n"}))
    assert _tree(out) == with_manifest({"a.yml": b"a: 2\n"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("bad", ["/etc/passwd", "../escape", "a/../../b", "a\\b"])
def test_refuses_paths_outside_the_output(tmp_path: Path, bad: str) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    before = _tree(out)
    with pytest.raises(OutputError):
        write_tree(out, {**FILES, bad: b"x"})
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_failed_write_leaves_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    before = _tree(out)
    real_fsync = os.fsync
    calls = {"n": 0}

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OutputError, match="No space left"):
        write_tree(out, {"a.yml": b"new\n", "c.txt": b"c\n"})
    assert _tree(out) == before


def test_symlink_in_old_output_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    out = tmp_path / "out"
    write_tree(out, FILES)
    (out / "link").symlink_to(outside)
    write_tree(out, FILES)
    assert (outside / "keep.txt").read_text() == "keep"
    assert not (out / "link").exists()


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("not a dir")
    with pytest.raises(OutputError, match="not a directory"):
        write_tree(target, FILES)


def test_compare_clean_and_each_drift(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    assert compare_tree(out, FILES).clean
    (out / "a.yml").write_bytes(b"a: edited\n")
    (out / "stale.txt").write_text("old")
    (out / "sub" / "b.json").unlink()
    drift = compare_tree(out, FILES)
    assert drift.changed == ["a.yml"]
    assert drift.missing == ["sub/b.json"]
    assert drift.stale == ["stale.txt"]
    assert "-a: edited" in drift.diff and "+a: 1" in drift.diff
    assert "stale file" in drift.diff


def test_compare_missing_directory(tmp_path: Path) -> None:
    drift = compare_tree(tmp_path / "nothing", FILES)
    assert sorted(drift.missing) == sorted(FILES)
