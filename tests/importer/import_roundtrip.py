"""Comparing a compose file with the one built from its import: the normalisations.

`docker-compose config` (1.29) resolves each file: interpolation, merge keys, paths. What
it leaves in different but equivalent forms, and what the import changes on purpose, is
made the same here, by the short list of functions below (docs/import.md lists them).
For the files 1.29 refuses (`include`, `name`, newer keys), `resolve` stands in for
`docker-compose config`: it reads the file itself, the same way for both files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

# --------------------------------------------------------------------------- #
# Equivalent forms (compose reads each pair as the same thing)
# --------------------------------------------------------------------------- #

_DURATION = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|ms|s|m|h)")
_NS = {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_SIZE = re.compile(r"^([0-9]+)([bkmg]?)b?$", re.IGNORECASE)
_BYTES = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def duration_ns(value: Any) -> Any:
    """A duration as nanoseconds: `1m30s`, `90s` and `90000ms` are one duration."""
    parts = _DURATION.findall(value) if isinstance(value, str) else []
    if not parts or "".join(n + u for n, u in parts) != value:
        return value
    return int(sum(Decimal(n) * _NS[u] for n, u in parts))


def size_bytes(value: Any) -> Any:
    """A size as bytes: `1G`, `1g`, `1024m` and `1073741824` are one size."""
    match = _SIZE.match(str(value)) if isinstance(value, str | int) else None
    if match is None or isinstance(value, bool):
        return value
    return int(match.group(1)) * _BYTES[match.group(2).lower()]


def port_form(port: Any) -> dict[str, Any]:
    """A port in one form: short (`127.0.0.1:8080:80/udp`) and long syntax alike."""
    if isinstance(port, dict):
        found = {k: str(v) for k, v in port.items() if v not in (None, "")}
        found.setdefault("protocol", "tcp")
        found.setdefault("mode", "ingress")
        return found
    text = str(port)
    text, _, protocol = text.partition("/")
    parts = text.rsplit(":", 2) if not text.startswith("[") else re.split(r"(?<=\]):", text)
    if len(parts) == 2 and parts[0].startswith("["):
        parts = [parts[0], *parts[1].split(":")]
    found = {"target": parts[-1], "protocol": protocol or "tcp", "mode": "ingress"}
    if len(parts) >= 2:
        found["published"] = parts[-2]
    if len(parts) == 3:
        found["host_ip"] = parts[0].strip("[]")
    return found


def mount_form(volume: Any) -> dict[str, Any]:
    """A mount in one form: `src:/dst:ro,z` and its long syntax alike (`rw` is the default)."""
    if isinstance(volume, dict):
        found = dict(volume)
        found.setdefault("type", "volume")
        if found.get("read_only") is False:
            del found["read_only"]
        bind = found.get("bind")
        if isinstance(bind, dict):
            bind = {k: v for k, v in bind.items() if k != "create_host_path"}
            found["bind"] = bind
            if not bind:
                del found["bind"]
        return found
    parts = str(volume).split(":")
    if len(parts) == 1:
        return {"type": "volume", "target": parts[0]}
    source, target = parts[0], parts[1]
    options = parts[2].split(",") if len(parts) > 2 else []
    kind = "bind" if source.startswith(("/", ".", "~")) else "volume"
    found: dict[str, Any] = {"type": kind, "source": source, "target": target}
    if "ro" in options:
        found["read_only"] = True
    for option in options:
        if option in ("z", "Z"):
            found["bind"] = {"selinux": option}
        elif option == "nocopy":
            found["volume"] = {"nocopy": True}
        elif option in ("cached", "delegated", "consistent"):
            found["consistency"] = option
    return found


def pairs(value: Any) -> Any:
    """A `KEY=VALUE` list and a mapping are one mapping; a value is text."""
    if isinstance(value, list):
        value = dict(
            (item.partition("=")[0], item.partition("=")[2] if "=" in item else None)
            for item in map(str, value)
        )
    if isinstance(value, dict):
        return {str(k): _text(v) for k, v in value.items()}
    return value


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return value


def dependency_form(value: Any) -> dict[str, dict[str, Any]]:
    """`depends_on` in one form: a list means `service_started`; unset keys their defaults."""
    if isinstance(value, list):
        value = {name: {} for name in value}
    return {
        name: {"condition": "service_started", "required": True, "restart": False} | (options or {})
        for name, options in (value or {}).items()
    }


def healthcheck_form(check: dict[str, Any]) -> dict[str, Any]:
    """A healthcheck in one form: a string test is CMD-SHELL, `[NONE]` is `disable: true`,
    durations in nanoseconds."""
    check = dict(check)
    test = check.get("test")
    if test in (["NONE"], "NONE") or check.get("disable") is True:
        return {"disable": True}
    if isinstance(test, str):
        check["test"] = ["CMD-SHELL", test]
    elif isinstance(test, list):
        check["test"] = [str(w) for w in test]
    for key in ("interval", "timeout", "start_period", "start_interval"):
        if key in check:
            check[key] = duration_ns(check[key])
    if "retries" in check:
        check["retries"] = int(check["retries"])
    check.pop("disable", None)
    return check


def secret_mount_form(item: Any) -> dict[str, Any]:
    """A service's secret in one form: the short name and `{source, target}` alike, the
    target as a full path."""
    found = {"source": item} if isinstance(item, str) else dict(item)
    target = str(found.get("target", found["source"]))
    found["target"] = target if target.startswith("/") else f"/run/secrets/{target}"
    if "mode" in found:
        found["mode"] = int(found["mode"])
    return found


def service_form(service: dict[str, Any]) -> dict[str, Any]:
    """A service with every key in one form (the functions above), sizes in bytes."""
    found = dict(service)
    for key in ("environment", "labels", "build_args"):
        if key in found:
            found[key] = pairs(found[key])
    if isinstance(found.get("build"), str):
        found["build"] = {"context": found["build"]}
    if isinstance(found.get("build"), dict) and "args" in found["build"]:
        found["build"] = {**found["build"], "args": pairs(found["build"]["args"])}
    if "ports" in found:
        found["ports"] = sorted((port_form(p) for p in found["ports"]), key=_order)
    if "volumes" in found:
        found["volumes"] = [mount_form(v) for v in found["volumes"]]
    if "expose" in found:
        found["expose"] = [str(p) for p in found["expose"]]
    if "depends_on" in found:
        found["depends_on"] = dependency_form(found["depends_on"])
    if "healthcheck" in found:
        found["healthcheck"] = healthcheck_form(found["healthcheck"])
    if "secrets" in found:
        found["secrets"] = sorted((secret_mount_form(s) for s in found["secrets"]), key=_order)
    for key in ("tmpfs", "env_file", "dns", "entrypoint", "command"):
        if isinstance(found.get(key), str) and key in ("tmpfs", "env_file", "dns"):
            found[key] = [found[key]]
    if isinstance(found.get("extra_hosts"), dict):
        found["extra_hosts"] = [f"{h}:{a}" for h, a in found["extra_hosts"].items()]
    for key in ("shm_size", "mem_limit", "memswap_limit"):
        if key in found:
            found[key] = size_bytes(found[key])
    for key in ("stop_grace_period",):
        if key in found:
            found[key] = duration_ns(found[key])
    if isinstance(found.get("networks"), list):
        found["networks"] = {name: None for name in found["networks"]}
    if isinstance(found.get("networks"), dict):
        found["networks"] = {k: (v or None) for k, v in found["networks"].items()}
    if "networks" not in found and "network_mode" not in found:
        found["networks"] = {"default": None}
    if isinstance(found.get("logging"), dict) and "options" in found["logging"]:
        found["logging"] = {**found["logging"], "options": pairs(found["logging"]["options"])}
    if isinstance(found.get("ulimits"), dict):
        found["ulimits"] = {
            k: v if isinstance(v, dict) else {"soft": v, "hard": v}
            for k, v in found["ulimits"].items()
        }
    for key in ("privileged", "read_only", "init", "stdin_open", "tty"):
        if found.get(key) is False:
            del found[key]
    return found


def _order(item: dict[str, Any]) -> str:
    return repr(sorted(item.items()))


def top_form(config: dict[str, Any]) -> dict[str, Any]:
    """A whole file in one form: empty definitions as `{}`, services by `service_form`."""
    found: dict[str, Any] = {}
    for key, value in config.items():
        if key == "services":
            found[key] = {n: service_form(s) for n, s in value.items()}
        elif isinstance(value, dict):
            found[key] = {n: _definition(d) for n, d in value.items()}
        else:
            found[key] = value
    return found


def _definition(value: Any) -> Any:
    value = dict(value or {})
    for key in ("labels", "driver_opts"):
        if key in value:
            value[key] = pairs(value[key])
    if isinstance(value.get("external"), dict):  # the old `external: {name: x}`
        value = {**value, "external": True, "name": value["external"]["name"]}
    for key in ("internal", "attachable", "enable_ipv6", "external"):
        if value.get(key) is False:
            del value[key]
    return value


# --------------------------------------------------------------------------- #
# What the import changes on purpose
# --------------------------------------------------------------------------- #


def restart_default(config: dict[str, Any]) -> dict[str, Any]:
    """No `restart:` is `restart: "no"`, compose's default: the spec writes it or not."""
    for service in config.get("services", {}).values():
        if service.get("restart") in (None, "no"):
            service["restart"] = "no"
    return config


def memory_limit(config: dict[str, Any]) -> dict[str, Any]:
    """`deploy.resources.limits.memory` is `mem_limit` (the spec's one `memory`): the
    import reads either, the spec writes `mem_limit`."""
    for service in config.get("services", {}).values():
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        if "memory" in limits:
            service.setdefault("mem_limit", size_bytes(limits.pop("memory")))
            _prune(service, ("deploy", "resources", "limits"))
    return config


def _prune(node: dict[str, Any], path: tuple[str, ...]) -> None:
    """Remove the empty mappings along `path`, deepest first."""
    for depth in range(len(path), 0, -1):
        parent = node
        for part in path[: depth - 1]:
            parent = parent[part]
        if parent.get(path[depth - 1]) == {}:
            del parent[path[depth - 1]]


def project_name(config: dict[str, Any]) -> dict[str, Any]:
    """The project's `name:` is dropped: the spec's `project` is COMPOSE_PROJECT_NAME in
    the generated .env, as docker-compose 1.29 refuses `name:`."""
    config.pop("name", None)
    return config


def renamed(config: dict[str, Any], renames: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """Names the import had to change (it says so) are compared under their new name:
    services, everything that names them, and secrets."""
    services = dict(renames.get("services", {}))
    secrets = dict(renames.get("secrets", {}))
    if secrets:
        config["secrets"] = {secrets.get(k, k): v for k, v in config.get("secrets", {}).items()}
    if not services and not secrets:
        return config
    found = {}
    for name, service in config["services"].items():
        if "depends_on" in service:
            service["depends_on"] = {
                services.get(k, k): v for k, v in service["depends_on"].items()
            }
        mode = service.get("network_mode", "")
        if mode.startswith("service:"):
            service["network_mode"] = "service:" + services.get(mode[8:], mode[8:])
        if "links" in service:
            service["links"] = [
                services.get(link.partition(":")[0], link.partition(":")[0])
                + "".join(link.partition(":")[1:])
                for link in service["links"]
            ]
        if "secrets" in service:
            service["secrets"] = sorted(
                (
                    {**s, "source": secrets.get(s["source"], s["source"])}
                    for s in service["secrets"]
                ),
                key=_order,
            )
        found[services.get(name, name)] = service
    config["services"] = found
    return config


def secret_markers(original: Any, generated: Any, markers: Mapping[str, str]) -> Any:
    """A literal secret becomes a secret reference (or a required variable inside a
    command): the generated file reads it from a variable, which the comparison sets to
    a marker. Where the generated text holds markers and the original text is the same
    text with something in their place, the original is taken as the generated."""
    if isinstance(original, dict) and isinstance(generated, dict):
        return {
            k: secret_markers(v, generated[k], markers) if k in generated else v
            for k, v in original.items()
        }
    if (
        isinstance(original, list)
        and isinstance(generated, list)
        and len(original) == len(generated)
    ):
        return [secret_markers(o, g, markers) for o, g in zip(original, generated, strict=True)]
    if isinstance(generated, str) and isinstance(original, str | int) and original != generated:
        found = [m for m in markers.values() if m in generated]
        if found:
            pattern = re.escape(generated)
            for marker in found:
                pattern = pattern.replace(re.escape(marker), "(.+)")
            if re.fullmatch(pattern, str(original), re.DOTALL):
                return generated
    return original


# --------------------------------------------------------------------------- #
# Reading a file as compose does, where 1.29 refuses it
# --------------------------------------------------------------------------- #

_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<name>[_a-zA-Z][_a-zA-Z0-9]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[_a-zA-Z][_a-zA-Z0-9]*))"
)


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's interpolation (no nesting): `$$`, `${X}`, `$X`, `${X:-d}`, `${X-d}`,
    `${X:?e}`, `${X?e}`; raises KeyError for a required variable that is not set."""

    def value(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        found = env.get(name)
        if (op in (":-", ":?") and not found) or (op in ("-", "?") and found is None):
            if op.endswith("?"):
                raise KeyError(name)
            return arg
        return found or ""

    return _INTERPOLATION.sub(value, text)


def _interpolated(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _interpolated(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolated(v, env) for v in value]
    return interpolate(value, env) if isinstance(value, str) else value


def _absolute(path: str, folder: Path) -> str:
    if path.startswith("~") or os.path.isabs(path):
        return path
    return os.path.normpath(folder / path)


def _paths(service: dict[str, Any], folder: Path) -> dict[str, Any]:
    build = service.get("build")
    if isinstance(build, str):
        build = {"context": build}
    if isinstance(build, dict):
        service["build"] = {**build, "context": _absolute(str(build.get("context", ".")), folder)}
    if "env_file" in service:
        files = (
            service["env_file"] if isinstance(service["env_file"], list) else [service["env_file"]]
        )
        service["env_file"] = [_absolute(f, folder) for f in files]
    volumes = []
    for volume in service.get("volumes", []):
        form = mount_form(volume)
        if form["type"] == "bind":
            form["source"] = _absolute(form["source"], folder)
        volumes.append(form)
    if volumes:
        service["volumes"] = volumes
    return service


def resolve(path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """A compose file as `config` resolves it, for what the corpus uses: interpolation,
    merge keys, `include` (each file's paths from its own folder, its variables from its
    `env_file` too), paths made absolute."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    includes = raw.pop("include", None) or []
    data = _interpolated(raw, env)
    data["include"] = includes
    folder = path.parent
    for key in [k for k in data if k.startswith("x-") or k == "version"]:
        del data[key]
    for service in data.get("services", {}).values():
        _paths(service, folder)
    for secret in data.get("secrets", {}).values():
        if "file" in secret:
            secret["file"] = _absolute(secret["file"], folder)
    for entry in data.pop("include", []) or []:
        entry = {"path": entry} if isinstance(entry, str) else entry
        values = dict(env)
        if "env_file" in entry:  # the included file's own interpolation values
            for line in (folder / entry["env_file"]).read_text(encoding="utf-8").splitlines():
                key, eq, value = line.partition("=")
                if eq and not key.startswith("#"):
                    values.setdefault(key.strip(), value.strip())
        included = resolve(folder / entry["path"], values)
        for section in ("services", "volumes", "networks", "secrets"):
            if section in included:
                data.setdefault(section, {}).update(included[section])
    return data


def walk_strings(value: Any) -> Iterator[str]:
    """Every string in `value`."""
    if isinstance(value, dict):
        for item in value.values():
            yield from walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_strings(item)
    elif isinstance(value, str):
        yield value


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """The paths where two configs differ (paths only: a value could be a secret)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in dict.fromkeys([*before, *after]):
            if key not in before or key not in after:
                found.append(
                    f"{path}.{key} (only in the {'generated' if key in after else 'original'})"
                )
            else:
                found.extend(differences(before[key], after[key], f"{path}.{key}"))
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            d
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for d in differences(b, a, f"{path}[{i}]")
        ]
    return [] if before == after else [path or "."]
