"""From a checked spec to every generated file, per environment; no I/O but reading the spec."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from stagespec.emitters import EMITTERS
from stagespec.emitters.base import BuildInput
from stagespec.errors import OutputError
from stagespec.loader import Document
from stagespec.model.overlay import environment_document
from stagespec.model.parse import parse_spec
from stagespec.model.spec import Spec
from stagespec.writer import with_manifest


def source_name(path: Path) -> str:
    """The spec's path as generated headers show it: relative, with forward slashes."""
    try:
        relative = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        relative = Path(path.name)
    return PurePosixPath(*relative.parts).as_posix()


def environments(doc: Document) -> list[str]:
    """The spec's environment names, in the order written; none means one unnamed build."""
    declared = doc.data.get("environments")
    return list(declared) if isinstance(declared, dict) else []


def environment_spec(doc: Document, name: str | None) -> Spec:
    """The validated Spec of one environment (the base spec when `name` is None)."""
    env_doc = doc if name is None else environment_document(doc, name)
    spec, diagnostics = parse_spec(env_doc)
    if spec is None:  # the engine validated it already; this is a programming error
        raise OutputError(f"environment {name!r} does not validate: {diagnostics[0].format()}")
    return spec


def render_environment(
    spec: Spec, source: str, environment: str, spec_dir: str = "."
) -> dict[str, bytes]:
    """Every file of one environment, from every emitter."""
    build = BuildInput(spec=spec, source=source, environment=environment, spec_dir=spec_dir)
    files: dict[str, bytes] = {}
    for emitter in EMITTERS:
        for path, content in emitter.render(build).items():
            if path in files:
                raise OutputError(f"two emitters both produce {path!r}")
            files[path] = content
    return files


def relative_dir(spec_path: Path, out: Path) -> str:
    """The spec's folder as seen from `out`, with `/`, for paths the spec writes relatively."""
    return Path(os.path.relpath(spec_path.parent.resolve(), out.resolve())).as_posix()


def render_all(
    doc: Document, spec_path: Path, out: Path, only: str | None = None
) -> dict[str, bytes]:
    """Every file for `out`: each environment in `<env>/` with its own manifest, or only one.

    With `only`, `out` is that environment's own folder.
    """
    source = source_name(spec_path)
    names = environments(doc)
    if not names:
        spec = environment_spec(doc, None)
        files = render_environment(spec, source, "default", relative_dir(spec_path, out))
        return with_manifest(files)
    if only is not None:  # one environment: its own folder, written on its own
        spec = environment_spec(doc, only)
        return with_manifest(render_environment(spec, source, only, relative_dir(spec_path, out)))
    files = {}
    for name in names:
        spec = environment_spec(doc, name)
        spec_dir = relative_dir(spec_path, out / name)
        env_files = with_manifest(render_environment(spec, source, name, spec_dir))
        files.update({f"{name}/{path}": content for path, content in env_files.items()})
    return files


def dropped_dependencies(doc: Document) -> list[str]:
    """What each environment's compose file leaves out of `depends_on`, as sentences."""
    from stagespec.emitters.compose import dropped_dependencies as dropped

    notes = []
    names: list[str | None] = [*environments(doc)] or [None]
    for name in names:
        where = f" in environment {name!r}" if name else ""
        for service, dependency in dropped(environment_spec(doc, name)):
            notes.append(
                f"{service!r} depends on {dependency!r}, which is disabled{where}: "
                "left out of its depends_on"
            )
    return notes
