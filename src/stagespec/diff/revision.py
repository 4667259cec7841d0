"""A spec as a git revision has it, for `stagespec diff SPEC --git REV`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from stagespec.errors import UsageError
from stagespec.load.document import Document, decode, load_text


def _git(folder: Path, failure: str, *args: str) -> bytes:
    """Run git in `folder`; UsageError with `failure` and git's own last line if it fails."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, check=False, timeout=60
        )
    except FileNotFoundError as e:
        raise UsageError("comparing with a git revision needs git, which is not installed") from e
    except subprocess.TimeoutExpired as e:
        raise UsageError(f"{failure}: git did not answer within 60 s") from e
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"{failure}: {said[-1] if said else f'git exited {done.returncode}'}")
    return done.stdout


def spec_at_revision(path: Path, rev: str) -> Document:
    """The spec at `path` as git revision `rev` has it (`git show REV:path`)."""
    if not rev or rev.startswith("-") or "\n" in rev:
        raise UsageError(f"{rev!r} is not a git revision")
    folder = path.absolute().parent  # absolute, not resolved: keep a symlink's own name
    if not folder.is_dir():
        raise UsageError(f"{path.parent} is not a folder")
    prefix = _git(folder, f"{path} is not in a git repository", "rev-parse", "--show-prefix")
    display = f"{rev}:{prefix.decode('utf-8').strip()}{path.name}"
    raw = _git(folder, f"cannot read {display} from git", "show", display)
    return load_text(decode(display, raw), display)
