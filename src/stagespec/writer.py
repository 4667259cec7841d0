"""Write generated files: the output directory is replaced as a whole, or not at all.

Files are written into a fresh sibling directory first; the finished tree then takes the
output directory's place with one `renameat2(RENAME_EXCHANGE)` on Linux (an atomic swap),
or two renames elsewhere. Existing symlinks in the old tree are never followed.
"""

from __future__ import annotations

import ctypes
import difflib
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from stagespec.errors import OutputError

MANIFEST = "MANIFEST.sha256"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def with_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    """Add a sha256sum-style manifest listing every file (`sha256sum -c` can check it)."""
    lines = [f"{hashlib.sha256(files[p]).hexdigest()}  {p}\n" for p in sorted(files)]
    return {**files, MANIFEST: "".join(lines).encode()}


def _safe_relative(path: str) -> PurePosixPath:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or not pure.parts:
        raise OutputError(f"refusing to write {path!r}: not a plain relative path")
    return pure


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def _fill(root: Path, files: dict[str, bytes]) -> None:
    for name in sorted(files):
        target = root / _safe_relative(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as handle:
            handle.write(files[name])
            handle.flush()
            os.fsync(handle.fileno())


def write_tree(out: Path, files: dict[str, bytes]) -> None:
    """Replace directory `out` with exactly `files` (manifests included by the caller)."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(f"{out} exists and is not a directory")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    except OSError as e:
        raise OutputError(f"cannot create output next to {out}: {e.strerror}") from e
    try:
        _fill(staging, files)
        _swap_in(staging, out)
    except OSError as e:
        raise OutputError(f"cannot write {out}: {e.strerror or e}") from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, out: Path) -> None:
    """Put `staging` at `out`; whatever was at `out` ends up at `staging`, to be removed."""
    if not out.exists():
        staging.rename(out)
        staging.mkdir()
        return
    if _exchange(staging, out):
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    old.rmdir()
    out.rename(old)
    staging.rename(out)
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
    expected = files
    existing = _existing(out)
    changed, missing, chunks = [], [], []
    for name in sorted(expected):
        path = existing.get(name)
        if path is None or path.is_symlink():
            missing.append(name)
            chunks.append(unified_diff(name, b"", expected[name], "(missing)"))
            continue
        actual = path.read_bytes()
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
