"""`stagespec import`: an existing docker-compose.yml as a stack.yaml, with notes.

The compose file is read with the spec loader (YAML 1.2, no custom tags, bounded
aliases); merge keys are applied and a top-level `include` is inlined. Every key with a
typed home in the spec maps to it; the rest is kept under `x-compose` with one note per
key, so nothing is lost. Interpolations become declared `variables`. A literal secret is
moved to a `secrets:` declaration read from an environment variable, or, where it sits
inside a command or a default, replaced by a required variable: its value is written
neither to the spec nor to a note.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from stagespec.errors import StagespecError
from stagespec.importer.emit import dump_spec
from stagespec.importer.service import Session, map_service
from stagespec.importer.values import (
    VOLUME_NAME,
    Unmapped,
    Use,
    parse_template,
    scalar,
    spec_name,
    uses,
)
from stagespec.load.document import Document, load_text
from stagespec.model.values import references, variable_values
from stagespec.secretscan.scanner import scan

_TOP_MAPPED = {"name", "services", "volumes", "networks", "secrets", "include", "version"}
_MONITORING_IMAGES = ("prom/prometheus", "grafana/grafana")
_NETWORK_KEYS = {
    "name", "driver", "driver_opts", "internal", "external", "attachable", "enable_ipv6",
    "ipam", "labels",
}  # fmt: skip
_VOLUME_KEYS = {"driver", "driver_opts", "external", "name", "labels"}
# A probe under a key, to ask the secret scanner whether the key names a secret.
_PROBE = "imported-probe-value"
_MAX_SCRUB_ROUNDS = 8

Reader = Callable[[str], str]
"""Reads an included compose file by its path; the importer never opens files itself
when it is given one."""


class ComposeImportError(StagespecError):
    """The compose file cannot be imported at all."""


@dataclass(frozen=True)
class ImportResult:
    """The imported spec's text, what the import noticed, and the variables to set."""

    text: str
    notes: tuple[str, ...]
    variables: tuple[str, ...]
    """Host variables that must be set before deploying: the imported secrets' sources
    and the required variables."""
    renames: dict[str, dict[str, str]] = field(default_factory=dict)
    """Names the import had to change: kind (`services`, `secrets`) -> old -> new."""


def import_compose(
    text: str,
    file: str,
    *,
    project: str | None = None,
    folder: str | None = None,
    read: Reader | None = None,
) -> ImportResult:
    """Turn docker-compose text into stack.yaml text plus notes.

    The project name is `project` when given, else compose's `name`, else `folder`
    (the name of the folder the compose file is in), else the folder part of `file`.
    `read` reads included files (by default from disk, relative to `file`).
    """
    doc = load_text(text, file)
    if not isinstance(doc.data, dict):
        raise ComposeImportError(f"{file}: not a compose file (no mapping at the top)")
    data = merge_keys(doc.data)
    session = Session()
    session.octal_modes.update(_octal_modes(text))
    _include(session, data, PurePath(file).parent.as_posix(), read or _read_file, 0)
    services = data.get("services")
    if not isinstance(services, dict) or not services:
        raise ComposeImportError(f"{file}: no services to import")
    spec: dict[str, Any] = {
        "stagespec": 1,
        "project": _project(session, data, file, project, folder),
    }
    _declare_variables(session, data)
    extra: dict[str, Any] = {}
    with variable_values(session.variables.defaults()):
        if networks := _networks(session, data.get("networks"), extra):
            spec["networks"] = networks
        if volumes := _volumes(session, data.get("volumes"), extra):
            spec["volumes"] = volumes
        _top_secrets(session, data.get("secrets"), extra)
        spec["services"] = _services(session, services)
    for key, value in data.items():
        if key == "version":
            session.note(key, "dropped (obsolete in compose, which ignores it)")
        elif key.startswith("x-"):
            session.note(
                key,
                "dropped: an extension field compose ignores (its anchors "
                "are merged where they are used)",
            )
        elif key not in _TOP_MAPPED:
            extra[key] = session.kept(value, key)
            session.note(key, "kept under x-compose (no typed home in the spec)")
    _scrub(session, spec, file)
    if session.secrets:
        spec["secrets"] = {name: dict(source) for name, source in session.secrets.items()}
    if extra:
        spec["x-compose"] = extra
    _used_variables(session, spec)
    variables = [s["env"] for s in session.secrets.values() if "env" in s]
    variables += [n for n, v in spec.get("variables", {}).items() if v and v.get("required")]
    return ImportResult(
        dump_spec(spec, PurePath(file).name),
        tuple(session.notes),
        tuple(dict.fromkeys(variables)),
        _renames(session),
    )


def _renames(session: Session) -> dict[str, dict[str, str]]:
    """The names the import changed, by kind: compose name -> spec name."""
    renames = {
        "secrets": {raw: new for raw, new in session.secret_names.items() if new != raw},
        "services": {raw: new for raw, new in session.services.items() if new != raw},
    }
    return {kind: names for kind, names in renames.items() if names}


def merge_keys(value: Any) -> Any:
    """Apply YAML merge keys (`<<: *defaults`), which compose files use and the loader keeps."""
    if isinstance(value, list):
        return [merge_keys(v) for v in value]
    if not isinstance(value, dict):
        return value
    merged: dict[str, Any] = {}
    sources = value.get("<<")
    for source in reversed(sources) if isinstance(sources, list) else [sources]:
        if isinstance(source, dict):
            merged.update(merge_keys(source))
    merged.update({k: merge_keys(v) for k, v in value.items() if k != "<<"})
    return merged


# --------------------------------------------------------------------------- #
# include
# --------------------------------------------------------------------------- #


def _read_file(path: str) -> str:
    from stagespec.load.document import decode
    from stagespec.load.readfile import read_bytes

    return decode(path, read_bytes(Path(path)))


_SECTIONS = ("services", "volumes", "networks", "secrets", "configs")
_MAX_INCLUDE_DEPTH = 8


def _include(session: Session, data: dict[str, Any], base: str, read: Reader, depth: int) -> None:
    """Inline each included file's services, volumes, networks and secrets into `data`,
    their relative paths rebased onto the folder of the including file."""
    entries = data.pop("include", None)
    if entries is None:
        return
    if depth >= _MAX_INCLUDE_DEPTH:
        raise ComposeImportError("include: files include each other too deeply")
    for entry in entries if isinstance(entries, list) else [entries]:
        spec = {"path": entry} if isinstance(entry, str) else entry
        paths = spec.get("path") if isinstance(spec, dict) else None
        for path in paths if isinstance(paths, list) else [paths]:
            if not isinstance(path, str):
                raise ComposeImportError("include: an entry without a path")
            _inline(session, data, base, path, spec, read, depth)


def _inline(
    session: Session,
    data: dict[str, Any],
    base: str,
    path: str,
    entry: dict[str, Any],
    read: Reader,
    depth: int,
) -> None:
    where = posixpath.normpath(posixpath.join(base, path))
    try:
        text = read(where)
        session.octal_modes.update(_octal_modes(text))
        included = merge_keys(load_text(text, where).data)
    except (OSError, StagespecError) as e:
        raise ComposeImportError(f"include: cannot read {path!r}: {e}") from None
    if not isinstance(included, dict):
        raise ComposeImportError(f"include: {path!r} is not a compose file")
    folder = posixpath.dirname(path) or "."
    if isinstance(entry.get("project_directory"), str):
        folder = entry["project_directory"]
    _include(session, included, posixpath.join(base, folder), read, depth + 1)
    values = _env_file_values(entry.get("env_file"), base, read)
    included = _with_defaults(included, values) if values else included
    for section in _SECTIONS:
        found = included.get(section)
        if not isinstance(found, dict):
            continue
        target = data.setdefault(section, {})
        for name, body in found.items():
            if name in target:
                raise ComposeImportError(f"include: {section}.{name} of {path!r} is defined twice")
            target[name] = _rebased(section, body, folder)
    session.note(
        "include",
        f"{path!r} inlined: its services, volumes, networks and secrets are part of the "
        "spec, with their paths relative to this file",
    )


_OCTAL_MODE = re.compile(r"\bmode:\s*0([0-7]+)\b")


def _octal_modes(text: str) -> set[int]:
    return {int(digits) for digits in _OCTAL_MODE.findall(text)}


def _env_file_values(env_file: Any, base: str, read: Reader) -> dict[str, str]:
    """The variables of an include's `env_file`: the included file's interpolation values."""
    values: dict[str, str] = {}
    for path in env_file if isinstance(env_file, list) else [env_file] if env_file else []:
        text = read(posixpath.normpath(posixpath.join(base, str(path))))
        for line in text.splitlines():
            key, eq, value = line.strip().partition("=")
            if eq and not key.startswith("#"):
                values[key.strip()] = value.strip().strip("\"'")
    return values


def _with_defaults(value: Any, values: dict[str, str]) -> Any:
    """Compose text whose variables default to the include's env_file values, as they do."""
    if isinstance(value, dict):
        return {k: _with_defaults(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_defaults(v, values) for v in value]
    if not isinstance(value, str) or "$" not in value:
        return value
    try:
        parts = parse_template(value)
    except Unmapped:
        return value
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part.replace("$", "$$"))
        elif part.name in values and part.op in ("", ":-", "-"):
            out.append("${" + part.name + ":-" + values[part.name].replace("$", "$$") + "}")
        else:
            out.append("${" + part.name + part.op + part.arg + "}")
    return "".join(out)


def _rebased(section: str, body: Any, folder: str) -> Any:
    """An included service, volume or secret with its relative paths seen from the includer."""
    if folder in (".", "") or not isinstance(body, dict):
        return body

    def rebase(path: Any) -> Any:
        if not isinstance(path, str) or not path.startswith("."):
            return path
        joined = posixpath.normpath(posixpath.join(folder, path))
        return joined if joined.startswith(("../", "/")) or joined == ".." else f"./{joined}"

    body = dict(body)
    if section in ("secrets", "configs") and "file" in body:
        body["file"] = rebase(body["file"])
    if section != "services":
        return body
    build = body.get("build")
    if isinstance(build, str):
        body["build"] = rebase(build if build.startswith(".") else "./" + build)
    elif isinstance(build, dict):
        context = str(build.get("context", "."))
        body["build"] = {
            **build,
            "context": rebase(context if context.startswith(".") else "./" + context),
        }
    if isinstance(body.get("env_file"), str | list):
        files = body["env_file"]
        body["env_file"] = [rebase(f) for f in files] if isinstance(files, list) else rebase(files)
    volumes = body.get("volumes")
    if isinstance(volumes, list):
        body["volumes"] = [_rebased_mount(v, rebase) for v in volumes]
    return body


def _rebased_mount(item: Any, rebase: Callable[[Any], Any]) -> Any:
    if isinstance(item, dict) and item.get("type") == "bind":
        return {**item, "source": rebase(item.get("source"))}
    if isinstance(item, str) and item.startswith("."):
        source, colon, rest = item.partition(":")
        return rebase(source) + colon + rest
    return item


# --------------------------------------------------------------------------- #
# Names and variables
# --------------------------------------------------------------------------- #


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
            session.note("project", f"the name from {origin} is now {name!r}")
        return name
    raise ComposeImportError(f"{file}: no project name found; give one with --project")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _declare_variables(session: Session, data: dict[str, Any]) -> None:
    """One declaration per interpolated variable, with its default or as required."""
    found: dict[str, list[Use]] = {}
    for key in ("services", "networks", "volumes", "secrets"):
        for text in _strings(data.get(key)):
            for use in uses(text):
                found.setdefault(use.name, []).append(use)
    declared = session.variables.declared
    for name, mentions in found.items():
        ops = {u.op for u in mentions}
        defaults = list(dict.fromkeys(u.arg for u in mentions if u.op in (":-", "-")))
        where = f"variables.{name}"
        if ops & {":?", "?"}:
            declared[name] = {"required": True}
            if defaults:
                session.note(
                    where,
                    "required (compose refuses the file without it), so "
                    "the default written elsewhere is dropped",
                )
        elif defaults:
            default = defaults[0]
            if scan(name, default) is not None:
                declared[name] = {"required": True, "secret": True}
                session.variables.secret_defaults.add(name)
                session.note(
                    where,
                    "its default held a plain-text secret: dropped, and "
                    f"the variable is now a required secret; set {name} when deploying",
                )
            else:
                declared[name] = {"default": default}
            if len(defaults) > 1:
                session.note(
                    where,
                    "compose gives it different defaults in different "
                    "places; the spec declares one, the first",
                )
            if "" in ops or ":+" in ops or "+" in ops:
                session.note(
                    where,
                    "some mentions have no default in compose; in the spec "
                    "they get the declared one",
                )
        else:
            declared[name] = {}
        if ops & {"-", "?"}:
            session.note(
                where,
                f"`${{{name}-...}}` and `${{{name}?...}}` are written with "
                f"`:`: the same, unless {name} is set to the empty string",
            )


def _used_variables(session: Session, spec: dict[str, Any]) -> None:
    """Declare the variables the spec's strings reference, in order of first mention."""
    used: dict[str, None] = {}
    for text in _strings(spec):
        for name in references(text):
            used.setdefault(name, None)
    declared = session.variables.declared
    variables = {name: declared[name] or None for name in used if name in declared}
    if variables:
        spec["variables"] = variables


# --------------------------------------------------------------------------- #
# Top level
# --------------------------------------------------------------------------- #


def _keep(session: Session, extra: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = extra
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = session.kept(value, ".".join(path))
    session.note(".".join(path), "kept under x-compose (no typed home in the spec)")


def _text(session: Session, value: Any) -> str:
    return session.text(scalar(value))


def _str_map(session: Session, value: Any) -> dict[str, str]:
    if isinstance(value, list):
        value = dict(str(v).partition("=")[::2] for v in value)
    if not isinstance(value, dict):
        raise Unmapped("not a mapping")
    return {str(k): _text(session, v) for k, v in value.items()}


def _networks(session: Session, networks: Any, extra: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, options in networks.items() if isinstance(networks, dict) else ():
        found[str(name)] = _options(session, extra, "networks", str(name), options)
    return found


def _options(
    session: Session, extra: dict[str, Any], section: str, name: str, options: Any
) -> dict[str, Any] | None:
    """A top-level network's or volume's options in spec form; the rest under x-compose."""
    keys = _NETWORK_KEYS if section == "networks" else _VOLUME_KEYS
    mapped: dict[str, Any] = {}
    for key, value in options.items() if isinstance(options, dict) else ():
        try:
            if key not in keys:
                raise Unmapped("no typed home")
            mapped[key] = _network_value(session, key, value, mapped)
        except Unmapped:
            _keep(session, extra, (section, name, key), value)
    return mapped or None


def _network_value(session: Session, key: str, value: Any, net: dict[str, Any]) -> Any:
    if key == "external" and isinstance(value, dict):  # the old `external: {name: x}`
        if "name" in value:
            net["name"] = _text(session, value["name"])
        return True
    if key in ("internal", "external", "attachable", "enable_ipv6"):
        if not isinstance(value, bool):
            raise Unmapped("not a boolean")
        return value
    if key in ("driver_opts", "labels"):
        return _str_map(session, value)
    if key == "ipam":
        return _ipam(session, value)
    return _text(session, value)


def _ipam(session: Session, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) - {"driver", "config", "options"}:
        raise Unmapped("ipam with keys the spec has not")
    ipam: dict[str, Any] = {}
    if value.get("driver") is not None:
        ipam["driver"] = _text(session, value["driver"])
    pools = []
    for pool in value.get("config") or []:
        keys = {"subnet", "gateway", "ip_range", "aux_addresses"}
        if not isinstance(pool, dict) or set(pool) - keys:
            raise Unmapped("an ipam pool with keys the spec has not")
        entry: dict[str, Any] = {
            k: _text(session, pool[k]) for k in ("subnet", "gateway", "ip_range") if k in pool
        }
        if pool.get("aux_addresses"):
            entry["aux_addresses"] = _str_map(session, pool["aux_addresses"])
        pools.append(entry)
    if pools:
        ipam["config"] = pools
    if value.get("options"):
        ipam["options"] = _str_map(session, value["options"])
    return ipam


def _volumes(session: Session, volumes: Any, extra: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for raw, options in volumes.items() if isinstance(volumes, dict) else ():
        name = str(raw)
        if not VOLUME_NAME.match(name):
            raise ComposeImportError(f"volumes.{name}: a volume name the spec cannot take")
        found[name] = _options(session, extra, "volumes", name, options)
    return found


def _top_secrets(session: Session, secrets: Any, extra: dict[str, Any]) -> None:
    for raw, options in secrets.items() if isinstance(secrets, dict) else ():
        raw = str(raw)
        options = options if isinstance(options, dict) else {}
        try:
            if set(options) - {"file", "environment"} or len(options) != 1:
                raise Unmapped("not one file or environment")
            if "file" in options:
                source = {"file": _text(session, options["file"])}
            else:
                source = {"env": str(options["environment"])}
        except Unmapped:
            _keep(session, extra, ("secrets", raw), options)
            continue
        name = session.declare(raw, source)
        session.secret_names[raw] = name
        if name != raw:
            session.note(
                f"secrets.{raw}",
                f"renamed to {name!r} (the spec's secret names "
                "are lower-case with `_`); mounts keep the file's name",
            )


def _services(session: Session, services: dict[str, Any]) -> dict[str, Any]:
    for raw in services:
        name = spec_name(str(raw))
        if name is None or name in session.services.values():
            raise ComposeImportError(f"services.{raw}: no usable service name for the spec")
        session.services[str(raw)] = name
        if name != raw:
            session.note(
                f"services.{raw}",
                f"renamed to {name!r}; every reference to it "
                "(depends_on, links, network_mode) is rewritten",
            )
    mapped: dict[str, Any] = {}
    for raw, name in session.services.items():
        body = services[raw]
        if not isinstance(body, dict):
            raise ComposeImportError(f"services.{raw}: not a mapping")
        try:
            mapped[name] = map_service(session, name, body)
        except Unmapped as e:
            raise ComposeImportError(f"services.{raw}: {e}") from None
        if str(mapped[name].get("image", "")).startswith(_MONITORING_IMAGES):
            session.note(
                f"services.{name}",
                "kept as an ordinary service; stagespec's `monitoring:` section can generate "
                "Prometheus and Grafana with their configuration instead",
            )
    _image_healthchecks(session, mapped)
    return mapped


def _image_healthchecks(session: Session, services: dict[str, Any]) -> None:
    """A dependency that waits for a service to be healthy when the compose file gives
    that service no healthcheck (its image has one) is kept under x-compose: the spec
    waits only for healthchecks it knows."""
    for name, service in services.items():
        deps = service.get("depends_on")
        for dep, condition in list(deps.items()) if isinstance(deps, dict) else ():
            word = condition.get("condition") if isinstance(condition, dict) else condition
            check = services.get(dep, {}).get("healthcheck")
            if word != "healthy" or (check and not check.get("disable")):
                continue
            entry = {"condition": "service_healthy"}
            if isinstance(condition, dict):
                entry |= {k: v for k, v in condition.items() if k != "condition"}
            service.setdefault("x-compose", {}).setdefault("depends_on", {})[dep] = entry
            del deps[dep]
            session.note(
                f"services.{name}.depends_on.{dep}",
                "kept under x-compose: it waits "
                f"for {dep!r} to be healthy, by a healthcheck of its image the spec "
                "cannot see",
            )
        if deps == {}:
            del service["depends_on"]


# --------------------------------------------------------------------------- #
# Secrets
# --------------------------------------------------------------------------- #


def _looks_secret(key: str) -> bool:
    return scan(key, _PROBE) is not None


_WHOLE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


def _scrub(session: Session, spec: dict[str, Any], file: str) -> None:
    """Move every plain-text secret out of the spec, as `secret-plaintext` finds them.

    An environment value becomes `{secret: name}` read from a variable at deploy time;
    a secret inside any other string (a command, a label, a URL) is replaced by a
    required variable. The notes say where and what kind, never the value.
    """
    from stagespec.rules import secret_plaintext

    _secret_references(session, spec)
    for _ in range(_MAX_SCRUB_ROUNDS):
        findings = list(secret_plaintext.check_data(Document(file, "", spec)))
        if not findings:
            return
        for finding in findings:
            _move(session, spec, tuple(finding.path), _kind(finding.message))
    for finding in secret_plaintext.check_data(Document(file, "", spec)):
        raise ComposeImportError(
            f"{'.'.join(map(str, finding.path))}: a secret the import "
            "cannot move out; please report this file"
        )


def _kind(message: str) -> str:
    """What the rule says the value looks like: the words after `holds`."""
    return message.partition(" holds ")[2].partition(" in plain text")[0] or "a secret"


def _secret_references(session: Session, spec: dict[str, Any]) -> None:
    """`PASSWORD: ${DB_PASSWORD}` becomes `{secret: db_password}`, read from the same
    variable: a variable would be written into Kubernetes manifests in plain text."""
    declared = session.variables.declared
    for name, service in spec["services"].items():
        env = service.get("environment", {})
        for key, value in env.items():
            match = _WHOLE.match(value) if isinstance(value, str) else None
            var = match.group(1) if match else ""
            if not var or not (_looks_secret(key) or var in session.variables.secret_defaults):
                continue
            variable = declared.get(var, {})
            env[key] = {"secret": session.declare(var, {"env": var})}
            if var in declared:  # kept if the spec uses it elsewhere: its value is a secret
                declared[var] = {"required": True, "secret": True}
            dropped = " (its default was dropped)" if "default" in variable else ""
            session.note(
                f"services.{name}.environment.{key}",
                f"now a secret read from ${var} at deploy time, which must be set{dropped}",
            )


def _parent(spec: dict[str, Any], path: tuple[Any, ...]) -> Any:
    """The mapping or list that holds the value at `path`."""
    parent: Any = spec
    for part in path[:-1]:
        parent = parent[part]
    return parent


def _move(session: Session, spec: dict[str, Any], path: tuple[Any, ...], kind: str) -> None:
    where = ".".join(map(str, path))
    parent = _parent(spec, path)
    key = path[-1]
    value = parent[key]
    if path[:1] == ("services",) and len(path) == 4 and path[2] == "environment":
        service, var = str(path[1]), str(key)
        name = session.literal_secret(service, var, str(value))
        env = session.secrets[name]["env"]
        parent[key] = {"secret": name}
        session.note(where, f"holds {kind}: moved to secret {name!r}; set ${env} when deploying")
        return
    if path[:1] == ("variables",):
        return
    text = str(value)
    start, end = _span(text, _offset(spec, path, text))
    var = session.literal_variable(text[start:end], _secret_variable(session, path))
    parent[key] = text[:start] + "${" + var + "}" + text[end:]
    session.variables.declared[var] = {"required": True, "secret": True}
    session.note(
        where, f"holds {kind}: replaced by the secret variable {var}; set it when deploying"
    )


def _offset(spec: dict[str, Any], path: tuple[Any, ...], text: str) -> int:
    from stagespec.secretscan.scanner import option_name

    parent = _parent(spec, path)
    key = path[-1]
    if isinstance(key, int) and isinstance(parent, list):
        option = option_name(parent[key - 1]) if key else None
    else:
        option = str(key)
    finding = scan(option, text) or scan(None, text)
    return finding.offset if finding else 0


_USERINFO = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:([^@\s]+)@")
_WORD_END = re.compile(r"[\s'\";]")


def _span(text: str, offset: int) -> tuple[int, int]:
    """Where the secret found at `offset` is: a URL's password, or the rest of the word
    (after an `=` that joins an option to it)."""
    url = _USERINFO.match(text, offset)
    if url:
        return url.start(1), url.end(1)
    end = _WORD_END.search(text, offset)
    stop = end.start() if end else len(text)
    word = text[offset:stop]
    if "=" in word and not word.startswith("="):
        offset += word.index("=") + 1
    return offset, stop


def _secret_variable(session: Session, path: tuple[Any, ...]) -> str:
    words = [str(p) for p in path if not isinstance(p, int) and p not in ("services", "x-compose")]
    base = re.sub(r"[^A-Za-z0-9]+", "_", "_".join(words)).strip("_").upper() or "SECRET"
    name, n = f"{base}_SECRET", 2
    while name in session.variables.declared:
        name, n = f"{base}_SECRET_{n}", n + 1
    return name
