"""One compose service as a spec service, with notes for what does not map.

Literal secrets in environment values are moved to `secrets:` declarations: the value is
compared in memory (two variables with the same value share one secret) and never
written to the spec or to a note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stagespec.importer.values import (
    ENV_NAME,
    SECRET_NAME,
    Unmapped,
    duration,
    env_value,
    mount,
    port,
    reference,
    show,
    size,
    spec_name,
    unescape,
)
from stagespec.secretscan.scanner import scan

SECRETS_DIR = "/run/secrets/"
_MAPPED = {
    "image", "build", "ports", "environment", "volumes", "command", "healthcheck",
    "depends_on", "mem_limit", "deploy", "restart", "networks", "secrets",
}  # fmt: skip
_WHY = {
    "container_name": "compose names containers after the project and service",
    "env_file": "its variables are not imported; list them under environment",
    "entrypoint": "the spec keeps the image's entrypoint",
    "expose": "services on the stack's network reach each other's ports anyway",
    "network_mode": "the spec puts every service on its one network",
}
_RESTART = {"no", "always", "on-failure", "unless-stopped"}
_POLICY = {"none": "no", "on-failure": "on-failure", "any": "always"}
# A probe under a key, to ask the secret scanner whether the key names a secret.
_PROBE = "imported-probe-value"


@dataclass
class Session:
    """What one import has gathered so far: notes, secrets and names."""

    notes: list[str] = field(default_factory=list)
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    volumes: dict[str, str] = field(default_factory=dict)
    """Compose volume name -> spec volume name."""
    secret_names: dict[str, str] = field(default_factory=dict)
    """Compose secret name -> spec secret name."""
    network: str | None = None
    _literal_secrets: dict[str, str] = field(default_factory=dict)

    def note(self, where: str, message: str) -> None:
        self.notes.append(f"{where}: {message}")

    def declare(self, base: str, source: dict[str, str]) -> str:
        """Declare a secret under a free name made from `base`; return the name."""
        name = spec_name(base, SECRET_NAME, "_") or "secret"
        stem, n = name, 2
        while name in self.secrets and self.secrets[name] != source:
            name, n = f"{stem}_{n}", n + 1
        self.secrets[name] = source
        return name

    def literal_secret(self, service: str, var: str, value: str) -> str:
        """The secret holding a literal `value`: one per distinct value, read from $var."""
        if value in self._literal_secrets:
            return self._literal_secrets[value]
        env = var
        if any(s.get("env") == var for s in self.secrets.values()):
            env = f"{service.upper().replace('-', '_')}_{var}"
        name = self.declare(env, {"env": env})
        self._literal_secrets[value] = name
        return name


def map_service(session: Session, name: str, raw: dict[str, Any]) -> dict[str, Any] | None:
    """The spec form of compose service `raw`, or None when it cannot be one."""
    where = f"services.{name}"
    data: dict[str, Any] = {}
    if not _source(session, where, raw, data):
        return None
    steps: list[tuple[str, Callable[[Session, str, Any], Any]]] = [
        ("ports", _ports),
        ("environment", _environment),
        ("volumes", _volumes),
        ("command", _words),
        ("healthcheck", _healthcheck),
        ("depends_on", _depends_on),
    ]
    for key, step in steps:
        if raw.get(key) is not None:
            value = step(session, f"{where}.{key}", raw[key])
            if value not in (None, [], {}):
                data[key] = value
    _file_secrets(session, where, raw, data)
    if memory := _memory(session, where, raw):
        data["memory"] = memory
    if restart := _restart(session, where, raw):
        data["restart"] = restart
    else:
        session.note(
            where,
            "no restart policy: compose's default is no, stagespec's is unless-stopped; "
            'add restart: "no" to keep it',
        )
    _networks(session, where, raw.get("networks"))
    for key in raw:
        if key not in _MAPPED:
            why = _WHY.get(key, "no spec equivalent")
            session.note(f"{where}.{key}", f"not mapped ({why})")
    return data


def _source(session: Session, where: str, raw: dict[str, Any], data: dict[str, Any]) -> bool:
    build = raw.get("build")
    if build is not None:
        data["build"] = _build(session, f"{where}.build", build)
        if raw.get("image") is not None:
            session.note(f"{where}.image", "dropped: the spec builds the service from `build`")
        return True
    if isinstance(raw.get("image"), str):
        data["image"] = unescape_noted(session, f"{where}.image", raw["image"])
        return True
    session.note(where, "left out: it has neither `image` nor `build`")
    return False


def _build(session: Session, where: str, build: Any) -> Any:
    if isinstance(build, str):
        return build
    if not isinstance(build, dict):
        return "."
    for key in sorted(set(build) - {"context", "dockerfile"}):
        session.note(f"{where}.{key}", "not mapped (the spec builds with context and dockerfile)")
    context = str(build.get("context", "."))
    if build.get("dockerfile") is None:
        return context
    return {"context": context, "dockerfile": str(build["dockerfile"])}


def unescape_noted(session: Session, where: str, text: str) -> str:
    """Compose text in spec form, noting an interpolation that becomes literal text."""
    value, interpolates = unescape(text)
    if interpolates:
        session.note(
            where,
            "kept a ${...} variable as literal text: stagespec writes values as they are, "
            "so compose no longer fills it in",
        )
    return value


def _each(session: Session, where: str, items: Any, convert: Callable[[Any], str]) -> list[str]:
    found = []
    for item in items if isinstance(items, list) else [items]:
        try:
            found.append(convert(item))
        except Unmapped as e:
            session.note(where, str(e))
    return found


def _ports(session: Session, where: str, value: Any) -> list[str]:
    return _each(session, where, value, port)


def _volumes(session: Session, where: str, value: Any) -> list[str]:
    mounts = []
    for text in _each(session, where, value, mount):
        source, _, rest = text.partition(":")
        if not source.startswith((".", "/")):
            if source not in session.volumes:
                session.volumes[source] = spec_name(source) or "data"
                session.note(where, f"volume {source!r} was not declared; now it is")
            source = session.volumes[source]
        mounts.append(f"{source}:{rest}")
    return mounts


def _words(session: Session, where: str, value: Any) -> str | list[str] | None:
    if isinstance(value, str):
        return unescape_noted(session, where, value)
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return [unescape_noted(session, where, str(v)) for v in value]
    session.note(where, "not mapped: expected a string or a list of strings")
    return None


def _environment(session: Session, where: str, value: Any) -> dict[str, Any]:
    pairs: list[tuple[str, str, Any]] = []  # where, the name, its value
    if isinstance(value, dict):
        pairs = [(f"{where}.{key}", str(key), raw) for key, raw in value.items()]
    elif isinstance(value, list):
        pairs = [_list_item(session, f"{where}.{index}", item) for index, item in enumerate(value)]
    env: dict[str, Any] = {}
    service = where.split(".")[1]
    for at, key, raw in pairs:
        if not ENV_NAME.match(key):
            session.note(at, "left out: not NAME=value with a valid variable name for the spec")
        elif isinstance(raw, dict | list):
            session.note(f"{where}.{key}", f"left out: {show(raw)} is not a string or a number")
        else:
            env[key] = _env_entry(session, service, f"{where}.{key}", key, env_value(raw))
    return env


def _list_item(session: Session, where: str, item: Any) -> tuple[str, str, Any]:
    """(where, name, value) of one `- NAME=value` item; `- NAME: value` is read the same."""
    if isinstance(item, dict) and len(item) == 1:
        ((key, raw),) = item.items()
        session.note(where, "a mapping in a list: read as NAME=value")
        return where, str(key), raw
    if isinstance(item, dict | list) or item is None:
        return where, "", None
    key, eq, text = str(item).partition("=")
    return where, key, text if eq else None


def _looks_secret(key: str) -> bool:
    return scan(key, _PROBE) is not None


def _env_entry(session: Session, service: str, where: str, key: str, value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value)
    ref = reference(text.replace("$$", "\0")) if "$" in text else None
    if ref is not None and _looks_secret(key):
        var, had_default = ref
        name = session.declare(var, {"env": var})
        extra = " (its default value was dropped)" if had_default else ""
        session.note(where, f"now {{secret: {name}}}, read from ${var} at deploy time{extra}")
        return {"secret": name}
    finding = scan(key, text)
    if finding is not None:
        name = session.literal_secret(service, key, text)
        env = session.secrets[name]["env"]
        session.note(
            where,
            f"plain-text secret ({finding.description}) moved to secret {name!r}; "
            f"set ${env} when deploying",
        )
        return {"secret": name}
    return unescape_noted(session, where, text) if isinstance(value, str) else value


def _file_secrets(session: Session, where: str, raw: dict[str, Any], data: dict[str, Any]) -> None:
    """`VAR_FILE: /run/secrets/x` with `x` mounted becomes `VAR: {secret: x}`."""
    mounted = {_secret_source(s) for s in raw.get("secrets") or [] if _secret_source(s)}
    env = data.get("environment", {})
    for key, value in list(env.items()):
        secret = value[len(SECRETS_DIR) :] if isinstance(value, str) else ""
        var = key.removesuffix("__FILE") if key.endswith("__FILE") else key.removesuffix("_FILE")
        name = session.secret_names.get(secret)
        if var != key and value == SECRETS_DIR + secret and secret in mounted and name:
            env[var] = {"secret": name}
            del env[key]
            mounted.discard(secret)
            session.note(f"{where}.environment.{key}", f"now {var}: {{secret: {name}}}")
    for secret in sorted(mounted):
        name = session.secret_names.get(secret, "name")
        session.note(
            f"{where}.secrets",
            f"{secret!r} is not mounted: the spec gives a secret to a service through a "
            f"variable; write VAR: {{secret: {name}}}",
        )


def _secret_source(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("source", ""))
    return str(item)


def _healthcheck(session: Session, where: str, value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    test = value.get("test")
    if value.get("disable") is True or (isinstance(test, list) and test[:1] == ["NONE"]):
        session.note(where, "disabled in compose: the service has no healthcheck")
        return None
    if test is None:
        session.note(where, "not mapped: a healthcheck without `test`")
        return None
    check: dict[str, Any] = {"test": _words(session, f"{where}.test", test)}
    for key in ("interval", "timeout", "retries", "start_period"):
        if value.get(key) is not None:
            try:
                check[key] = value[key] if key == "retries" else duration(value[key])
            except Unmapped as e:
                session.note(f"{where}.{key}", str(e))
    for key in sorted(set(value) - {"test", "interval", "timeout", "retries", "start_period"}):
        session.note(f"{where}.{key}", "not mapped (no spec equivalent)")
    return check


def _depends_on(session: Session, where: str, value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if not isinstance(value, dict):
        return []
    for dep, options in value.items():
        options = options if isinstance(options, dict) else {}
        if options.get("condition") == "service_completed_successfully":
            session.note(
                f"{where}.{dep}.condition",
                "not mapped: stagespec waits for a dependency to be healthy (or started)",
            )
        for key in sorted(set(options) - {"condition"}):
            session.note(f"{where}.{dep}.{key}", "not mapped (no spec equivalent)")
    return [str(dep) for dep in value]


def _memory(session: Session, where: str, raw: dict[str, Any]) -> str | None:
    deploy = raw.get("deploy") if isinstance(raw.get("deploy"), dict) else {}
    limits = ((deploy or {}).get("resources") or {}).get("limits") or {}
    value = raw.get("mem_limit", limits.get("memory"))
    for key in sorted(set(deploy or {}) - {"resources", "restart_policy"}):
        session.note(f"{where}.deploy.{key}", "not mapped (no spec equivalent)")
    for key in sorted(set(limits) - {"memory"}):
        session.note(f"{where}.deploy.resources.limits.{key}", "not mapped (only memory is)")
    if value is None:
        return None
    try:
        return size(value)
    except Unmapped as e:
        session.note(f"{where}.mem_limit", str(e))
        return None


def _restart(session: Session, where: str, raw: dict[str, Any]) -> str | None:
    value = raw.get("restart")
    policy = ((raw.get("deploy") or {}).get("restart_policy") or {}).get("condition")
    if value is None and isinstance(policy, str):
        value = _POLICY.get(policy)
    if value is None:
        return None
    text = str(value)
    if text.startswith("on-failure:"):
        session.note(f"{where}.restart", "the retry count is not mapped: now on-failure")
        return "on-failure"
    if text not in _RESTART:
        session.note(f"{where}.restart", "not mapped: no, always, on-failure or unless-stopped")
        return None
    return text


def _networks(session: Session, where: str, value: Any) -> None:
    names = list(value) if isinstance(value, dict | list) else []
    for name in names:
        options = value[name] if isinstance(value, dict) else None
        if str(name) != session.network:
            session.note(
                f"{where}.networks.{name}", "not mapped: every service is on the one network"
            )
        elif options:
            session.note(f"{where}.networks.{name}", "aliases and addresses are not mapped")
