"""Symlinks never lead a build out of its output directory.

What stagespec does, and these tests hold it to:
- a link inside an existing output directory (to a file, to a folder, dangling, or where
  a generated file goes) is not stagespec's, which writes none: the build is refused and
  nothing is touched, neither the link nor its target;
- an output directory that is itself a symlink is refused, by `build` and by
  `build --check`, with a clear error: replacing it would either follow it or silently
  turn it into a folder;
- links in the folders above the output directory are followed, as for any path the user
  gives: `--out link/out` writes `out` in the folder `link` points to, and nothing else;
- a directory stagespec did not write (no MANIFEST.sha256 of its own) is refused, not
  emptied, so `--out` cannot be pointed at a project folder by mistake;
- an `--out` whose path loops through symbolic links is refused with a clear error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from faultkit import NEW, OLD, REFERENCE, beside, tree

from stagespec.cli.main import main
from stagespec.engine.writer import compare_tree, write_tree
from stagespec.errors import OutputError


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder the build must leave alone, with a file and a subfolder."""
    folder = tmp_path / "outside"
    (folder / "sub").mkdir(parents=True)
    (folder / "keep.txt").write_text("keep\n")
    (folder / "sub" / "deep.txt").write_text("deep\n")
    return folder


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Contents and modification times: a target that was rewritten in place shows too."""
    return {
        path: (content, (folder / path).stat().st_mtime_ns)
        for path, content in tree(folder).items()
    }


def _build(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("link", "points_to"),
    [
        ("staging/to-a-file", "keep.txt"),
        ("staging/to-a-folder", "sub"),
        ("staging/dangling", "missing"),
        ("staging/docker-compose.yml", "keep.txt"),  # where the new build writes a file
        ("staging/grafana", "sub"),  # a folder the new build writes into
    ],
)
def test_links_in_the_old_output_refuse_the_build_and_are_not_followed(
    tmp_path: Path, outside: Path, link: str, points_to: str
) -> None:
    out = tmp_path / "generated" / "out"
    write_tree(out, OLD)
    path = out / link
    if path.is_dir() and not path.is_symlink():
        for item in sorted(path.rglob("*"), reverse=True):
            item.rmdir() if item.is_dir() else item.unlink()
        path.rmdir()
    elif path.exists():
        path.unlink()
    path.symlink_to(outside / points_to)
    before, outside_before = tree(out), _snapshot(outside)
    with pytest.raises(OutputError, match=f"holds {link}, which stagespec did not write"):
        write_tree(out, NEW)
    assert tree(out) == before
    assert _snapshot(outside) == outside_before
    assert beside(out) == ["out"]


@pytest.mark.parametrize("link", ["production", "extra"])
def test_a_link_beside_the_environment_folders_is_refused(
    tmp_path: Path, outside: Path, link: str
) -> None:
    # Only folders with a manifest belong at the top of a build of every environment: a
    # link there (in place of one, or beside them) is not stagespec's, so nothing is replaced.
    out = tmp_path / "generated" / "out"
    write_tree(out, OLD)
    if link == "production":
        for item in sorted((out / link).rglob("*"), reverse=True):
            item.unlink()
        (out / link).rmdir()
    (out / link).symlink_to(outside / "sub")
    before, outside_before = tree(out), _snapshot(outside)
    with pytest.raises(OutputError, match="did not write"):
        write_tree(out, NEW)
    assert tree(out) == before
    assert _snapshot(outside) == outside_before


@pytest.mark.parametrize("points_to", ["a previous output", "a folder of other files", "nothing"])
def test_an_output_directory_that_is_a_link_is_refused(
    tmp_path: Path, outside: Path, points_to: str
) -> None:
    target = {
        "a previous output": tmp_path / "real-output",
        "a folder of other files": outside,
        "nothing": tmp_path / "missing",
    }[points_to]
    if points_to == "a previous output":
        write_tree(target, OLD)
    out = tmp_path / "generated" / "out"
    out.parent.mkdir()
    out.symlink_to(target)
    before = tree(tmp_path)
    code, output = _build(str(REFERENCE), "--out", str(out))
    assert code == 2
    assert f"stagespec: error: {out} is a symbolic link" in output
    code, output = _build(str(REFERENCE), "--out", str(out), "--check")
    assert code == 2
    assert f"stagespec: error: {out} is a symbolic link" in output
    assert tree(tmp_path) == before


def test_compare_refuses_a_link_too(tmp_path: Path) -> None:
    write_tree(tmp_path / "real", OLD)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(OutputError, match="is a symbolic link"):
        compare_tree(tmp_path / "link", OLD)


def test_links_above_the_output_are_followed_and_nothing_else_changes(
    tmp_path: Path, outside: Path
) -> None:
    (tmp_path / "link").symlink_to(outside)
    before = _snapshot(outside)
    code, output = _build(str(REFERENCE), "--out", str(tmp_path / "link" / "out"))
    assert code == 0, output
    assert (tmp_path / "link").is_symlink()
    written = tree(outside / "out")
    assert "staging/docker-compose.yml" in written
    now = _snapshot(outside)
    assert {k: v for k, v in now.items() if not k.startswith("out/")} == before
    assert sorted(os.listdir(outside)) == ["keep.txt", "out", "sub"]


@pytest.mark.parametrize("folder", ["the spec's folder", "the current directory"])
def test_a_folder_stagespec_did_not_write_is_refused_not_emptied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    spec = project / "stack.yaml"
    spec.write_bytes(REFERENCE.read_bytes())
    (tmp_path / "elsewhere.yaml").write_bytes(REFERENCE.read_bytes())
    (project / "notes.txt").write_text("mine\n")
    monkeypatch.chdir(project)
    before = tree(project)
    out = str(project) if folder == "the spec's folder" else "."
    code, output = _build("stack.yaml", "--out", out)
    assert code == 2
    assert "holds stack.yaml, which this build reads" in output  # said first: the clearer
    assert tree(project) == before
    code, output = _build(str(tmp_path / "elsewhere.yaml"), "--out", out)
    assert code == 2
    assert "holds files stagespec did not write (it has no MANIFEST.sha256)" in output
    assert tree(project) == before


def test_a_manifest_that_is_a_link_does_not_make_a_folder_stagespec_s(
    tmp_path: Path, outside: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "MANIFEST.sha256").symlink_to(outside / "keep.txt")
    (out / "precious.txt").write_text("mine\n")
    with pytest.raises(OutputError, match="did not write"):
        write_tree(out, NEW)
    assert (out / "precious.txt").read_text() == "mine\n"


@pytest.mark.parametrize("check", [False, True])
def test_an_output_path_through_a_loop_of_links_is_refused(tmp_path: Path, check: bool) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    before = tree(tmp_path)
    code, output = _build(
        str(REFERENCE), "--out", str(tmp_path / "a" / "out"), *(["--check"] * check)
    )
    assert code == 2, output
    assert "goes through a loop of symbolic links" in output
    assert tree(tmp_path) == before
