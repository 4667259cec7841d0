"""Write generated files: the output directory is replaced as a whole, or not at all.

Files are written and fsynced in a fresh sibling directory (`.<name>.new-XXXXXXXX`); the
finished tree then takes the output directory's place with one
`renameat2(RENAME_EXCHANGE)` on Linux, an atomic swap. Where the system has no such call,
two renames do it, and a failure between them puts the old tree back; only a crash right
between them leaves no output directory (the next build writes it). The old tree is then
deleted. A build killed at any point thus leaves the old output or the new one, and at
most a hidden `.<name>.new-*` or `.<name>.old-*` folder beside it, which the next build
into the same folder removes.

What is never touched:
- anything a symlink points to: an output directory that is itself a symlink is refused,
  and so is one with a link in it (stagespec writes none);
- a directory stagespec did not write. An existing output directory is replaced only when
  it is empty, or when stagespec can prove it wrote it: a `MANIFEST.sha256` of its own
  (it starts with `MANIFEST_HEADER`, a `#` comment, which `sha256sum -c` skips, and every
  other line is a `sha256sum` line) that lists every file in the folder, at the root or in
  each folder at the root (a build of every environment). Only Python's bytecode cache
  of a listed module (`__pycache__/<module>.*.pyc`, which importing it writes) may be
  there unlisted. So `--out .` in a project folder, or a folder of someone's files with
  their own `sha256sum` manifest, is refused instead of emptied;
- the build's own inputs: a folder that holds the spec or its config is refused.

Two builds into the same parent folder take turns (an `flock` on that folder), so one
never removes the other's work in progress.
"""

from __future__ import annotations

import contextlib
import ctypes
import difflib
import hashlib
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from stagespec.errors import OutputError
from stagespec.load.readfile import MAX_BYTES, ReadError, read_bytes, read_text

MANIFEST = "MANIFEST.sha256"
MANIFEST_HEADER = "# stagespec build manifest 1: `sha256sum -c MANIFEST.sha256` checks it\n"
"""The first line of every manifest stagespec writes: its proof that it wrote the folder."""
_MANIFEST_LINE = re.compile(r"[0-9a-f]{64}  ([^\\\n]+)")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
# What write_tree leaves when it is killed: `.<name>.new-` or `.<name>.old-` and eight
# random characters (tempfile's alphabet, which older versions used, or hex digits).
_LEFTOVER = re.compile(r"\..*\.(?:new|old)-[a-z0-9_]{8}", re.DOTALL)


def with_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    """Add a sha256sum-style manifest listing every file (`sha256sum -c` can check it)."""
    lines = [f"{hashlib.sha256(files[p]).hexdigest()}  {p}\n" for p in sorted(files)]
    return {**files, MANIFEST: (MANIFEST_HEADER + "".join(lines)).encode()}


def _safe_relative(path: str) -> PurePosixPath:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or not pure.parts:
        raise OutputError(f"refusing to write {path!r}: not a plain relative path")
    return pure


def write_tree(out: Path, files: dict[str, bytes], inputs: Iterable[Path] = ()) -> None:
    """Replace directory `out` with exactly `files` (manifests included by the caller).

    `inputs` are the files the build read (the spec, its config): none may be in `out`.
    """
    names = {name: _safe_relative(name) for name in files}  # all checked before any write
    target = _absolute(out)
    sources = [(path, _absolute(path)) for path in inputs]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as e:
        raise OutputError(f"cannot write {out}: {e.filename} is not a directory") from e
    except OSError as e:
        raise OutputError(f"cannot write {out}: {_reason(e)}") from e
    try:
        with _locked(target.parent):
            _check_replaceable(out, target, sources)
            _remove_leftovers(target)
            _replace(target, files, names)
    except OSError as e:
        raise OutputError(f"cannot write {out}: {_reason(e)}") from e


def _absolute(out: Path) -> Path:
    """`out` as an absolute path whose folder is resolved and whose last part is not."""
    if out.name in ("", ".."):  # `.`, `..`, `/`: no name of its own to keep
        return real_path(out)
    return real_path(out.absolute().parent) / out.name


def real_path(path: Path) -> Path:
    """`path` with every symbolic link resolved; OutputError when they make a loop."""
    try:
        return path.resolve()
    except (RuntimeError, OSError) as e:  # RuntimeError: Python before 3.13 on a loop
        raise OutputError(f"{path}: its path goes through a loop of symbolic links") from e


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _check_no_input_inside(out: Path, target: Path, sources: list[tuple[Path, Path]]) -> None:
    """Refuse to replace a folder that holds a file the build reads (the link or its target)."""
    real = real_path(target)
    for given, absolute in sources:
        if _inside(absolute, target) or _inside(real_path(given), real):
            raise OutputError(
                f"{out} holds {given}, which this build reads, and a build replaces the "
                "whole directory; choose an output directory that holds none of its inputs"
            )


def _reason(e: OSError) -> str:
    """The error's text and the path it names; for a temporary folder of ours, its parent."""
    reason = e.strerror or str(e)
    if not isinstance(e.filename, str | bytes):
        return reason
    path = Path(os.fsdecode(e.filename))
    temporary = [i for i, part in enumerate(path.parts) if _LEFTOVER.fullmatch(part)]
    if temporary:
        path = Path(*path.parts[: temporary[0]])
    return f"{reason}: {path}"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (an flock, where the system has it)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - no flock here: builds cannot take turns
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _link_error(out: Path) -> OutputError:
    return OutputError(
        f"{out} is a symbolic link: stagespec replaces the output directory as a whole "
        "and never follows a link out of it; give the directory's real path"
    )


def _check_replaceable(out: Path, target: Path, sources: list[tuple[Path, Path]]) -> None:
    """Refuse a symlink, a file, a folder of inputs, or one stagespec cannot prove it wrote."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise _link_error(out)
    if not stat.S_ISDIR(mode):
        raise OutputError(f"{out} exists and is not a directory")
    _check_no_input_inside(out, target, sources)
    reason = _foreign(target)
    if reason is not None:
        raise OutputError(
            f"{out} {reason}, and a build replaces the whole directory; empty it, or "
            "choose another output directory"
        )


def _is_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def _foreign(folder: Path) -> str | None:
    """Why `folder` is not provably stagespec's output; None when it is (or is empty)."""
    with os.scandir(folder) as scanned:
        entries = [
            entry
            for entry in scanned
            if not (_LEFTOVER.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False))
        ]
    if not entries:
        return None
    if os.path.lexists(folder / MANIFEST):
        return _foreign_build(folder, "")
    for entry in entries:  # a build of every environment: a folder of its own for each
        if not entry.is_dir(follow_symlinks=False) or not os.path.lexists(
            Path(entry.path, MANIFEST)
        ):
            return f"holds files stagespec did not write (it has no {MANIFEST})"
    for entry in entries:
        reason = _foreign_build(Path(entry.path), f"{entry.name}/")
        if reason is not None:
            return reason
    return None


def _foreign_build(folder: Path, prefix: str) -> str | None:
    """Why `folder`, which has a MANIFEST.sha256, is not one build's output; None if it is."""
    listed = _listed(folder / MANIFEST)
    if listed is None:
        return (
            f"has a {prefix}{MANIFEST} that stagespec did not write (no stagespec header; "
            "if an older stagespec wrote it, delete the folder and build again)"
        )
    unlisted = _first_unlisted(folder, listed)
    if unlisted is not None:
        return (
            f"holds {prefix}{unlisted}, which stagespec did not write "
            f"(its {prefix}{MANIFEST} does not list it)"
        )
    return None


def _listed(manifest: Path) -> set[str] | None:
    """The files a manifest of stagespec's lists; None if `manifest` is not one."""
    if not _is_file(manifest):  # a link or a FIFO named so proves nothing
        return None
    try:
        text = read_text(manifest)
    except ReadError as e:
        if e.errno is not None:  # the system failed: that proves nothing either way
            raise OutputError(f"cannot read {manifest}: {e.reason}") from e
        return None  # too large, or not text: not a manifest of ours
    if not text.startswith(MANIFEST_HEADER) or not text.endswith("\n"):
        return None
    listed = set()
    for line in text[len(MANIFEST_HEADER) :].splitlines():
        match = _MANIFEST_LINE.fullmatch(line)
        if match is None:
            return None
        listed.add(match.group(1))
    return listed


def _raise(error: OSError) -> None:
    raise error


def _first_unlisted(folder: Path, listed: set[str]) -> str | None:
    """The first entry under `folder` neither listed, a folder of listed files, nor bytecode."""
    folders = {parent.as_posix() for name in listed for parent in PurePosixPath(name).parents}
    files = listed | {MANIFEST}
    for root, dirs, names in os.walk(folder, onerror=_raise):  # links are never followed
        base = PurePosixPath(Path(root).relative_to(folder).as_posix())
        for name in sorted(dirs):
            relative = base / name
            path = os.path.join(root, name)
            if os.path.islink(path):
                return relative.as_posix()
            if not (relative.as_posix() in folders or _is_bytecode(relative, listed)):
                return relative.as_posix() + "/"
        for name in sorted(names):
            relative = base / name
            known = relative.as_posix() in files or _is_bytecode(relative, listed)
            if not (known and _is_file(Path(root, name))):
                return relative.as_posix()
    return None


def _is_bytecode(relative: PurePosixPath, listed: set[str]) -> bool:
    """Whether `relative` is the `__pycache__` of listed modules, or a `.pyc` of one."""
    if relative.name == "__pycache__":
        folder = relative.parent
        return any(name.endswith(".py") and PurePosixPath(name).parent == folder for name in listed)
    if relative.parent.name != "__pycache__" or relative.suffix != ".pyc":
        return False
    module = relative.parent.parent / (relative.name.split(".", 1)[0] + ".py")
    return module.as_posix() in listed


def _remove_leftovers(target: Path) -> None:
    """Delete the temporary folders that interrupted builds of `target` left beside it."""
    prefixes = (f".{target.name}.new-", f".{target.name}.old-")
    with os.scandir(target.parent) as scanned:
        stale = [
            entry.path
            for entry in scanned
            if entry.name.startswith(prefixes)
            and _LEFTOVER.fullmatch(entry.name)
            and entry.is_dir(follow_symlinks=False)
        ]
    for path in stale:
        shutil.rmtree(path)


def _temporary_name(target: Path, kind: str) -> Path:
    return target.parent / f".{target.name}.{kind}-{secrets.token_hex(4)}"


def _staging_folder(target: Path) -> Path:
    """A new empty folder beside `target`, with the umask's permissions, as `mkdir` makes.

    Not tempfile.mkdtemp: its folder is private (0700), and becomes the output directory.
    """
    while True:
        staging = _temporary_name(target, "new")
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        return staging


def _replace(target: Path, files: dict[str, bytes], names: dict[str, PurePosixPath]) -> None:
    staging = _staging_folder(target)
    try:
        _fill(staging, files, names)
        _swap_in(staging, target)
        _fsync_dir(target.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # the old tree, after the swap


def _fill(root: Path, files: dict[str, bytes], names: dict[str, PurePosixPath]) -> None:
    for name in sorted(files):
        target = root / names[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as handle:
            handle.write(files[name])
            handle.flush()
            os.fsync(handle.fileno())
    for folder in _folders(root, names.values()):
        _fsync_dir(folder)


def _folders(root: Path, names: Iterable[PurePosixPath]) -> list[Path]:
    """`root` and every folder in it that holds one of `names`, deepest first."""
    found = {root / parent for name in names for parent in name.parents}
    return sorted(found | {root}, key=lambda folder: len(folder.parts), reverse=True)


def _fsync_dir(folder: Path) -> None:
    """Make a folder's entries durable, as fsync does a file's bytes."""
    if os.name == "nt":  # pragma: no cover - Windows cannot open a directory
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def _swap_in(staging: Path, out: Path) -> None:
    """Put `staging` at `out`; the old tree, if any, ends up at `staging`."""
    if not os.path.lexists(out):
        staging.rename(out)
        return
    if _exchange(staging, out):
        return
    old = _temporary_name(out, "old")
    out.rename(old)
    try:
        staging.rename(out)
    except OSError:
        old.rename(out)  # put the previous output back
        raise
    old.rename(staging)


@dataclass(frozen=True)
class Drift:
    """How a directory differs from what the spec generates."""

    changed: list[str]
    missing: list[str]
    stale: list[str]
    diff: str

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.stale)


def _existing(out: Path) -> dict[str, Path]:
    if not out.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() or path.is_symlink():
            found[path.relative_to(out).as_posix()] = path
    return found


def compare_tree(out: Path, files: dict[str, bytes]) -> Drift:
    """Compare `out` with what would be written, without writing anything."""
    if out.is_symlink():
        raise _link_error(out)
    expected = files
    existing = _existing(out)
    changed, missing, chunks = [], [], []
    for name in sorted(expected):
        path = existing.get(name)
        if path is None or path.is_symlink():
            missing.append(name)
            chunks.append(unified_diff(name, b"", expected[name], "(missing)"))
            continue
        try:  # an output file is never over twice what the build writes, or 8 MiB
            actual = read_bytes(path, limit=max(MAX_BYTES, 2 * len(expected[name])))
        except ReadError as e:
            changed.append(name)
            chunks.append(f"{name}: {e.reason}\n")
            continue
        if actual != expected[name]:
            changed.append(name)
            chunks.append(unified_diff(name, actual, expected[name], name))
    stale = [name for name in existing if name not in expected]
    chunks += [f"stale file (the spec no longer produces it): {name}\n" for name in stale]
    return Drift(changed, missing, stale, "".join(chunks))


def unified_diff(name: str, actual: bytes, expected: bytes, label: str) -> str:
    """A unified diff of one file: `label` for the old side, `name` for the generated one."""
    old = actual.decode("utf-8", "replace").splitlines(keepends=True)
    new = expected.decode("utf-8", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{label}", f"b/{name} (generated)")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
