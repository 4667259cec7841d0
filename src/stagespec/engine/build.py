"""From a checked spec to every generated file, per environment; no I/O but reading the spec."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from stagespec.engine.variables import VariableError, check_given, resolved_spec
from stagespec.engine.writer import real_path, with_manifest
from stagespec.errors import OutputError
from stagespec.load.document import Document
from stagespec.model.overlay import environment_document
from stagespec.model.parse import parse_spec
from stagespec.model.spec import Spec
from stagespec.plan.inputs import BuildInput
from stagespec.targets import load


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


Parsed = Mapping[str | None, Spec]
"""Specs already parsed, by environment name (None: the base spec), so none is parsed twice.
For a target that substitutes variables, they are those of `target_specs`."""


def environment_spec(doc: Document, name: str | None, parsed: Parsed | None = None) -> Spec:
    """The validated Spec of one environment (the base spec when `name` is None)."""
    if parsed is not None and name in parsed:
        return parsed[name]
    env_doc = doc if name is None else environment_document(doc, name)
    spec, diagnostics = parse_spec(env_doc)
    if spec is None:  # the engine validated it already; this is a programming error
        raise OutputError(f"environment {name!r} does not validate: {diagnostics[0].format()}")
    return spec


def substitutes(target: str) -> bool:
    """Whether `target` is built with each variable's value in place of its `${NAME}`."""
    return bool(getattr(load(target), "SUBSTITUTES_VARIABLES", False))


def target_specs(
    doc: Document,
    target: str,
    parsed: Parsed | None = None,
    variables: Mapping[str, str] | None = None,
    only: str | None = None,
) -> dict[str | None, Spec]:
    """The Spec of each environment a build of `target` reads (only `only`, if given).

    Compose reads the specs as validated (`parsed`, else parsed here): it interpolates at
    deploy time. A target that `substitutes` gets each environment's data with its
    variables' values (`variables` from the command line overriding the defaults), and
    `VariableError` when one has none; a spec in which nothing changes is reused.
    """
    names: list[str | None] = [only] if only is not None else [*environments(doc)] or [None]
    if not substitutes(target):
        if variables:
            raise VariableError(
                f"--var is for a target that substitutes variables at build time, not "
                f"{target!r}: its output reads each variable at deploy time (.env or the shell)"
            )
        return {name: environment_spec(doc, name, parsed) for name in names}
    docs = {name: doc if name is None else environment_document(doc, name) for name in names}
    check_given([d.data for d in docs.values()], variables or {})
    specs: dict[str | None, Spec] = {}
    for name, env_doc in docs.items():
        spec, _ = resolved_spec(env_doc, name, variables or {})
        specs[name] = spec if spec is not None else environment_spec(doc, name, parsed)
    return specs


def render_environment(
    spec: Spec,
    source: str,
    environment: str,
    spec_dir: str = ".",
    target: str = "compose",
    document: Document | None = None,
) -> dict[str, bytes]:
    """Every file of one environment, from every emitter of `target`; `document` is the
    environment's, for the files that name spec lines."""
    build = BuildInput(spec, source, environment, spec_dir, document)
    files: dict[str, bytes] = {}
    for emitter in load(target).EMITTERS:
        for path, content in emitter.render(build).items():
            if path in files:
                raise OutputError(f"two emitters both produce {path!r}")
            files[path] = content
    return files


def relative_dir(spec_path: Path, out: Path) -> str:
    """The spec's folder as seen from `out`, with `/`, for paths the spec writes relatively."""
    return Path(os.path.relpath(real_path(spec_path.parent), real_path(out))).as_posix()


def build_inputs(spec_path: Path) -> list[Path]:
    """The files a build of `spec_path` reads: the spec and the config that applies to it.

    The writer refuses to replace a folder that holds one of them.
    """
    from stagespec.config.settings import find_config

    config = find_config(spec_path)
    return [spec_path] if config is None else [spec_path, config]


def output_dir(project: str, target: str = "compose") -> Path:
    """Where `stagespec build` writes by default: generated/<project>[.<target>]/."""
    return Path("generated") / (project if target == "compose" else f"{project}.{target}")


def render_all(
    doc: Document,
    spec_path: Path,
    out: Path,
    only: str | None = None,
    target: str = "compose",
    parsed: Parsed | None = None,
) -> dict[str, bytes]:
    """Every file for `out`: each environment in `<env>/` with its own manifest, or only one.

    With `only`, `out` is that environment's own folder. `parsed` are the specs of
    `target_specs`, made here when not given (with each variable's default).
    """
    source = source_name(spec_path)
    if parsed is None:
        parsed = target_specs(doc, target, only=only if environments(doc) else None)
    names = environments(doc)
    if not names or only is not None:  # one build in `out` itself
        name = only if names else None
        spec = environment_spec(doc, name, parsed)
        spec_dir = relative_dir(spec_path, out)
        env_doc = doc if name is None else environment_document(doc, name)
        files = render_environment(spec, source, name or "default", spec_dir, target, env_doc)
        return with_manifest(files)
    files = {}
    for name in names:
        spec = environment_spec(doc, name, parsed)
        spec_dir = relative_dir(spec_path, out / name)
        env_doc = environment_document(doc, name)
        env_files = render_environment(spec, source, name, spec_dir, target, env_doc)
        env_files = with_manifest(env_files)
        files.update({f"{name}/{path}": content for path, content in env_files.items()})
    return files


def target_notes(
    doc: Document, target: str, parsed: Parsed | None = None, only: str | None = None
) -> list[str]:
    """What `target` leaves out of or changes in the spec (of environment `only`, if given),
    as sentences; `parsed` as for `render_all`."""
    names: list[str | None] = [only] if only is not None else [*environments(doc)] or [None]
    if parsed is None:
        parsed = target_specs(doc, target, only=only)
    specs = {name: environment_spec(doc, name, parsed) for name in names}
    return load(target).notes(specs)
