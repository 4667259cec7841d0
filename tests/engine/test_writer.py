"""The output directory is replaced whole, and --check sees every kind of drift."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from stagespec.engine.writer import (
    MANIFEST,
    MANIFEST_HEADER,
    compare_tree,
    with_manifest,
    write_tree,
)
from stagespec.errors import OutputError

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
    header, *lines = tree[MANIFEST].decode().splitlines(keepends=True)
    assert header == MANIFEST_HEADER
    for line in lines:
        digest, name = line.rstrip("\n").split("  ")
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


def test_symlink_in_old_output_is_neither_followed_nor_deleted(tmp_path: Path) -> None:
    # stagespec writes no links, so a link in the old output is someone else's: refused.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    out = tmp_path / "out"
    write_tree(out, FILES)
    (out / "link").symlink_to(outside)
    with pytest.raises(OutputError, match="holds link, which stagespec did not write"):
        write_tree(out, FILES)
    assert (outside / "keep.txt").read_text() == "keep"
    assert (out / "link").is_symlink()


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


# --- a folder is replaced only when stagespec can prove it wrote it ---------------------


def _folder_of_someone_elses(tmp_path: Path) -> Path:
    """Someone's files with their own `sha256sum` manifest, made by the real tool."""
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"\xff\xd8 one")
    (folder / "b.jpg").write_bytes(b"\xff\xd8 two")
    listing = subprocess.run(
        ["sha256sum", "a.jpg", "b.jpg"], cwd=folder, check=True, capture_output=True
    ).stdout
    (folder / MANIFEST).write_bytes(listing)
    return folder


needs_sha256sum = pytest.mark.skipif(shutil.which("sha256sum") is None, reason="no sha256sum")


@needs_sha256sum
def test_a_folder_with_a_sha256sum_manifest_of_its_own_is_refused(tmp_path: Path) -> None:
    folder = _folder_of_someone_elses(tmp_path)
    before = _tree(folder)
    with pytest.raises(OutputError, match=r"MANIFEST\.sha256 that stagespec did not write"):
        write_tree(folder, FILES)
    assert _tree(folder) == before


@pytest.mark.parametrize(
    "extra",
    ["notes.txt", "sub/notes.txt", "empty-folder/", "sub/deeper/", f"sub/{MANIFEST}"],
)
def test_a_file_the_manifest_does_not_list_is_refused(tmp_path: Path, extra: str) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    if extra.endswith("/"):
        (out / extra).mkdir()
    else:
        (out / extra).write_text("mine\n")
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    with pytest.raises(OutputError, match=rf"holds {re.escape(extra)}, which stagespec did not"):
        write_tree(out, with_manifest({"a.yml": b"a: 2\n"}))
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    assert (out / "a.yml").read_bytes() == b"a: 1\n"


def test_an_unlisted_file_in_one_environment_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    every_env = {f"{env}/{name}": data for env in ("dev", "prod") for name, data in FILES.items()}
    write_tree(out, every_env)
    (out / "prod" / "backup.sql").write_text("mine\n")
    with pytest.raises(OutputError, match=r"holds prod/backup\.sql, which stagespec did not"):
        write_tree(out, every_env)
    assert (out / "prod" / "backup.sql").read_text() == "mine\n"


@pytest.mark.parametrize(
    "manifest",
    [
        MANIFEST_HEADER + "not a sha256sum line\n",
        MANIFEST_HEADER.upper(),
        "# another tool's header\n",
        MANIFEST_HEADER + "0" * 64 + "  a.yml",  # no final newline: cut short
    ],
)
def test_a_manifest_that_is_not_stagespec_s_proves_nothing(tmp_path: Path, manifest: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text(manifest)
    with pytest.raises(OutputError, match="that stagespec did not write"):
        write_tree(out, FILES)
    assert (out / MANIFEST).read_text() == manifest


def test_bytecode_of_a_generated_module_does_not_block_a_rebuild(tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = with_manifest({"runtime.py": b"X = 1\n", "a.yml": b"a: 1\n"})
    write_tree(out, files)
    cache = out / "__pycache__"
    cache.mkdir()
    (cache / "runtime.cpython-311.pyc").write_bytes(b"\x00")
    write_tree(out, files)
    assert _tree(out) == files
    cache.mkdir()
    (cache / "other.cpython-311.pyc").write_bytes(b"\x00")  # no other.py was written
    with pytest.raises(OutputError, match=r"holds __pycache__/other\.cpython-311\.pyc"):
        write_tree(out, files)


@needs_sha256sum
def test_sha256sum_checks_the_manifest_as_the_readme_says(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    check = ["sha256sum", "--check", "--strict", MANIFEST]
    done = subprocess.run(check, cwd=out, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(done.stdout.splitlines()) == ["a.yml: OK", "sub/b.json: OK"]
    (out / "a.yml").write_bytes(b"a: edited\n")
    done = subprocess.run(check, cwd=out, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "a.yml: FAILED" in done.stdout


@pytest.mark.parametrize("how", ["the spec", "a link to the spec", "the link's target"])
def test_a_folder_that_holds_an_input_is_refused(tmp_path: Path, how: str) -> None:
    out = tmp_path / "out"
    write_tree(out, FILES)
    spec = out / "a.yml"  # listed in the manifest: only the input check can refuse it
    if how == "a link to the spec":
        (tmp_path / "elsewhere.yml").write_text("x")
        spec = out / "link.yml"
        spec.symlink_to(tmp_path / "elsewhere.yml")
    elif how == "the link's target":
        link = tmp_path / "link.yml"
        link.symlink_to(out / "a.yml")
        spec = link
    before = _tree(out)
    with pytest.raises(OutputError, match="which this build reads"):
        write_tree(out, FILES, inputs=[spec])
    assert _tree(out) == before
    if how == "a link to the spec":
        spec.unlink()
    write_tree(out, FILES, inputs=[tmp_path / "beside.yml"])  # an input beside it is fine
