"""What the fault tests share: trees read without following links, leftovers, manifests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from stagespec.engine.writer import MANIFEST, MANIFEST_HEADER, with_manifest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"


def _every_env(envs: dict[str, dict[str, bytes]]) -> dict[str, bytes]:
    """Files of a build of every environment: one folder each, with its own manifest."""
    return {
        f"{env}/{path}": content
        for env, files in envs.items()
        for path, content in with_manifest(files).items()
    }


# Two builds shaped like real output: nested folders, a file the new build no longer
# writes, one it adds, and one that changes.
OLD = _every_env(
    {
        "staging": {
            "docker-compose.yml": b"services: {old: {}}\n",
            "grafana/dashboards/old.json": b"{}\n",
            "runtime.py": b"OLD = 1\n",
        },
        "production": {".env": b"A=old\n"},
    }
)
NEW = _every_env(
    {
        "staging": {
            "docker-compose.yml": b"services: {new: {}}\n",
            "grafana/dashboards/new.json": b'{"panels": []}\n',
            "prometheus/rules/alerts.yml": b"groups: []\n",
            "runtime.py": b"NEW = 2\n",
        },
        "production": {".env": b"A=new\n"},
    }
)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative path; a symlink is recorded, never followed."""
    found: dict[str, bytes] = {}
    for folder, dirs, files in os.walk(root):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = Path(folder, name)
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = b"-> " + os.fsencode(os.readlink(path))
            else:
                found[key] = path.read_bytes()
    return dict(sorted(found.items()))


def beside(out: Path) -> list[str]:
    """What the output directory's parent holds: the output and, if any, leftovers."""
    return sorted(os.listdir(out.parent))


def manifests_hold(root: Path) -> bool:
    """Every MANIFEST.sha256 under `root` is stagespec's and lists exactly its folder's files."""
    for manifest in root.rglob(MANIFEST):
        folder = manifest.parent
        listed = {}
        header, *lines = manifest.read_text().splitlines(keepends=True)
        if header != MANIFEST_HEADER:
            return False
        for line in lines:
            digest, name = line.rstrip("\n").split("  ", 1)
            listed[name] = digest
        present = {k for k in tree(folder) if k != MANIFEST}
        if set(listed) != present:
            return False
        for name, digest in listed.items():
            if hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest:
                return False
    return True
