"""`stagespec import`: an existing docker-compose.yml as a stack.yaml, with notes.

The compose file is read with the spec loader (YAML 1.2, no custom tags, bounded
aliases). Every service, volume, the first network and the secrets are mapped; what has
no spec equivalent is listed in the notes. A literal secret is moved to a `secrets:`
declaration read from an environment variable at deploy time: its value is written
neither to the spec nor to a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from stagespec.diagnostics import dotted_path
from stagespec.errors import StagespecError
from stagespec.importer.emit import dump_spec
from stagespec.importer.service import Session, map_service
from stagespec.importer.values import show, spec_name
from stagespec.load.document import Document, load_text

_TOP_MAPPED = {"name", "services", "volumes", "networks", "secrets"}
_DRIVERS = {"bridge", "overlay", "host", "none"}
_MONITORING_IMAGES = ("prom/prometheus", "grafana/grafana")


class ComposeImportError(StagespecError):
    """The compose file cannot be imported at all."""


@dataclass(frozen=True)
class ImportResult:
    """The imported spec's text, what the import noticed, and the variables to set."""

    text: str
    notes: tuple[str, ...]
    variables: tuple[str, ...]
    """Environment variables the imported secrets are read from at deploy time."""


def import_compose(
    text: str, file: str, *, project: str | None = None, folder: str | None = None
) -> ImportResult:
    """Turn docker-compose text into stack.yaml text plus notes.

    The project name is `project` when given, else compose's `name`, else `folder`
    (the name of the folder the compose file is in), else the folder part of `file`.
    """
    doc = load_text(text, file)
    data = _merge_keys(doc.data)
    services = data.get("services")
    if not isinstance(services, dict) or not services:
        raise ComposeImportError(f"{file}: no services to import")
    session = Session()
    spec: dict[str, Any] = {
        "stagespec": 1,
        "project": _project(session, data, file, project, folder),
    }
    session.network = _network(session, data.get("networks"), spec)
    _top_secrets(session, data.get("secrets"))
    _top_volumes(session, data.get("volumes"))
    spec["services"] = _services(session, services)
    if session.secrets:
        spec["secrets"] = {name: dict(source) for name, source in session.secrets.items()}
    if session.volumes:
        spec["volumes"] = {name: {} for name in dict.fromkeys(session.volumes.values())}
    _scrub(session, spec, file)
    for key in data:
        if key == "version":
            session.note(key, "dropped (obsolete in compose)")
        elif key not in _TOP_MAPPED:
            session.note(key, "not mapped (no spec equivalent)")
    variables = tuple(s["env"] for s in session.secrets.values() if "env" in s)
    return ImportResult(dump_spec(spec, PurePath(file).name), tuple(session.notes), variables)


def _merge_keys(value: Any) -> Any:
    """Apply YAML merge keys (`<<: *defaults`), which compose files use and the loader keeps."""
    if isinstance(value, list):
        return [_merge_keys(v) for v in value]
    if not isinstance(value, dict):
        return value
    merged: dict[str, Any] = {}
    sources = value.get("<<")
    for source in sources if isinstance(sources, list) else [sources]:
        if isinstance(source, dict):
            merged.update(_merge_keys(source))
    merged.update({k: _merge_keys(v) for k, v in value.items() if k != "<<"})
    return merged


def _project(
    session: Session, data: dict[str, Any], file: str, project: str | None, folder: str | None
) -> str:
    candidates = [
        (project, "--project"),
        (data.get("name"), "name"),
        (folder, "the compose file's folder"),
        (PurePath(file).parent.name, "the compose file's folder"),
    ]
    for raw, origin in candidates:
        if not isinstance(raw, str) or not raw or "$" in raw:
            continue
        name = spec_name(raw)
        if name is None:
            continue
        if name != raw:
            session.note("project", f"{show(raw)} (from {origin}) is now {name!r}")
        return name
    raise ComposeImportError(f"{file}: no project name found; give one with --project")


def _network(session: Session, networks: Any, spec: dict[str, Any]) -> str | None:
    if not isinstance(networks, dict) or not networks:
        return None
    name, options = next(iter(networks.items()))
    options = options if isinstance(options, dict) else {}
    driver = options.get("driver", "bridge")
    if driver not in _DRIVERS:
        session.note(f"networks.{name}.driver", f"{show(driver)} is not mapped: now bridge")
        driver = "bridge"
    spec["network"] = {"name": str(name), "driver": driver}
    for key in sorted(set(options) - {"driver"}):
        session.note(f"networks.{name}.{key}", "not mapped (no spec equivalent)")
    for other in list(networks)[1:]:
        session.note(f"networks.{other}", f"not mapped: the spec has one network, {name!r}")
    return str(name)


def _top_secrets(session: Session, secrets: Any) -> None:
    for raw, options in (secrets or {}).items() if isinstance(secrets, dict) else ():
        options = options if isinstance(options, dict) else {}
        if isinstance(options.get("file"), str):
            source = {"file": options["file"]}
        elif isinstance(options.get("environment"), str):
            source = {"env": options["environment"]}
        else:
            session.note(f"secrets.{raw}", "not mapped: only file and environment secrets are")
            continue
        session.secret_names[str(raw)] = session.declare(str(raw), source)


def _top_volumes(session: Session, volumes: Any) -> None:
    for raw, options in (volumes or {}).items() if isinstance(volumes, dict) else ():
        name = spec_name(str(raw))
        if name is None:
            session.note(f"volumes.{raw}", "left out: no usable volume name")
            continue
        session.volumes[str(raw)] = name
        if name != raw:
            session.note(f"volumes.{raw}", f"renamed to {name!r}")
        for key in sorted(options) if isinstance(options, dict) else ():
            session.note(f"volumes.{raw}.{key}", "not mapped (no spec equivalent)")


def _services(session: Session, services: dict[str, Any]) -> dict[str, Any]:
    renames: dict[str, str] = {}
    for raw in services:
        name = spec_name(raw)
        if name is None or name in renames.values():
            session.note(f"services.{raw}", "left out: no usable service name")
            continue
        renames[raw] = name
        if name != raw:
            session.note(f"services.{raw}", f"renamed to {name!r}")
    mapped: dict[str, Any] = {}
    for raw, name in renames.items():
        body = services[raw]
        service = map_service(session, name, body) if isinstance(body, dict) else None
        if service is not None:
            mapped[name] = service
            _monitoring_note(session, name, service)
    for name, service in mapped.items():
        _dependencies(session, name, service, mapped, renames)
    return mapped


def _monitoring_note(session: Session, name: str, service: dict[str, Any]) -> None:
    if str(service.get("image", "")).startswith(_MONITORING_IMAGES):
        session.note(
            f"services.{name}",
            "kept as an ordinary service; stagespec's `monitoring:` section can generate "
            "Prometheus and Grafana with their configuration instead",
        )


def _dependencies(
    session: Session,
    name: str,
    service: dict[str, Any],
    mapped: dict[str, Any],
    renames: dict[str, str],
) -> None:
    kept = []
    for raw in service.pop("depends_on", []):
        dep = renames.get(raw, raw)
        where = f"services.{name}.depends_on.{raw}"
        if dep not in mapped:
            session.note(where, "dropped: no such service was imported")
        elif "healthcheck" not in mapped[dep]:
            session.note(
                where,
                f"dropped: {dep!r} has no healthcheck, and stagespec waits for a dependency "
                "to be healthy; give it one and add the dependency back",
            )
        else:
            kept.append(dep)
    if kept:
        service["depends_on"] = kept


def _scrub(session: Session, spec: dict[str, Any], file: str) -> None:
    """Drop any field that still holds a plain-text secret (commands, healthchecks)."""
    from stagespec.rules import secret_plaintext

    for finding in list(secret_plaintext.check_data(Document(file, "", spec))):
        path = finding.path[:3] if finding.path[:1] == ("services",) else finding.path[:1]
        container: Any = spec
        for part in path[:-1]:
            container = container.get(part, {}) if isinstance(container, dict) else {}
        if isinstance(container, dict) and path[-1] in container:
            del container[path[-1]]
            where = dotted_path(path)
            session.note(where, "left out: it holds a plain-text secret; pass it as a secret")
