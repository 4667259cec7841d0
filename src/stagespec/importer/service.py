"""One compose service as a spec service.

Every key with a typed home in the spec is mapped to it; every other key, and a key
whose value the spec cannot type, is kept as it is under the service's `x-compose`
(compose syntax, merged last into the generated entry), with one note per key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stagespec.importer.values import (
    ENV_KEY,
    SECRET_NAME,
    Unmapped,
    duration,
    integer,
    mount,
    port,
    scalar,
    size,
    spec_name,
    spec_text,
)
from stagespec.model.spec import CONTAINER_NAME, RESTART_PATTERN
from stagespec.secretscan.scanner import names_secret, scan

SECRETS_DIR = "/run/secrets/"
_PULL_POLICIES = {"always", "never", "missing", "build", "if_not_present"}
_CONDITIONS = {
    "service_started": "started",
    "service_healthy": "healthy",
    "service_completed_successfully": "completed",
}
_STOP_SIGNAL = re.compile(r"^(SIG)?[A-Z0-9+-]+$")
_CAPABILITY = re.compile(r"^(CAP_)?[A-Z_]+$|^ALL$")
_EXPOSE = re.compile(r"^[0-9]{1,5}(-[0-9]{1,5})?(/(tcp|udp|sctp))?$")


@dataclass
class Variables:
    """The deploy-time variables the compose file interpolates, as the spec declares them."""

    declared: dict[str, dict[str, Any]] = field(default_factory=dict)
    """NAME -> {default, required} (an empty dict: neither)."""
    secret_defaults: set[str] = field(default_factory=set)
    """The variables whose compose default held a secret, dropped."""

    def known(self, name: str) -> bool:
        return name in self.declared

    def defaults(self) -> dict[str, str | None]:
        return {name: v.get("default") for name, v in self.declared.items()}


@dataclass
class Session:
    """What one import has gathered so far: notes, names, secrets and variables."""

    notes: list[str] = field(default_factory=list)
    variables: Variables = field(default_factory=Variables)
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    """Compose service name -> spec service name."""
    secret_names: dict[str, str] = field(default_factory=dict)
    """Compose secret name -> spec secret name (only the ones the spec declares)."""
    octal_modes: set[int] = field(default_factory=set)
    """Modes written `0440` in the compose text: compose reads them as octal, the loader
    (YAML 1.2) as the decimal 440."""
    _literal_secrets: dict[str, str] = field(default_factory=dict)
    _literal_variables: dict[str, str] = field(default_factory=dict)
    """A secret value found in a string -> its secret variable (kept in memory only)."""

    def note(self, where: str, message: str) -> None:
        self.notes.append(f"{where}: {message}")

    def text(self, value: str) -> str:
        """Compose text as spec text; `Unmapped` when the spec cannot say it."""
        return spec_text(value, self.variables.known)

    def kept(self, value: Any, where: str) -> Any:
        """A compose value kept under `x-compose`, whose strings are spec text too (the
        emitter interpolates `${NAME}` and doubles every other `$`)."""
        if isinstance(value, dict):
            return {k: self.kept(v, f"{where}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [self.kept(v, f"{where}.{i}") for i, v in enumerate(value)]
        if not isinstance(value, str):
            return value
        try:
            return self.text(value)
        except Unmapped as e:
            self.note(where, f"{e}: kept as literal text, compose no longer fills it in")
            return value.replace("$$", "$").replace("${", "$${")

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
        env = re.sub(r"\W", "_", var)  # a key as a variable name: `db.password` is `db_password`
        taken = {s.get("env") for s in self.secrets.values()} | set(self.variables.declared)
        if value in self._literal_variables:  # the secret variable a command got for it
            env = self._literal_variables[value]
        elif env in taken:
            env = f"{service.upper().replace('-', '_')}_{env}"
        name = self.declare(env, {"env": env})
        self._literal_secrets[value] = name
        return name

    def literal_variable(self, value: str, fresh: str) -> str:
        """The secret variable holding a literal `value` found in a command or a URL: one
        per distinct value, the host variable of a secret with that value if there is
        one, else `fresh`."""
        if value not in self._literal_variables:
            secret = self._literal_secrets.get(value)
            found = self.secrets[secret].get("env") if secret is not None else None
            self._literal_variables[value] = found or fresh
        return self._literal_variables[value]


@dataclass
class _Service:
    session: Session
    name: str
    raw: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """The service's `x-compose`."""

    @property
    def where(self) -> str:
        return f"services.{self.name}"

    def keep(self, key: str, value: Any, why: str) -> None:
        """Keep a compose key as it is, under `x-compose`, with one note."""
        self.extra[key] = self.session.kept(value, f"{self.where}.{key}")
        self.session.note(f"{self.where}.{key}", f"kept under x-compose ({why})")

    def text(self, value: Any) -> str:
        return self.session.text(scalar(value))


def map_service(session: Session, name: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The spec form of compose service `raw`."""
    svc = _Service(session, name, raw)
    handled: set[str] = set()
    for key, step in _STEPS:
        if key in raw:
            handled.add(key)
            try:
                value = step(svc, raw[key])
            except Unmapped as e:
                svc.keep(key, raw[key], f"{e}")
                continue
            if value is not None:
                svc.data[key] = value
    _memory(svc, handled)
    if "restart" not in raw:
        svc.data["restart"] = "no"  # compose's default; the spec's is unless-stopped
    if "image" not in svc.data and "build" not in svc.data:
        if "build" not in svc.extra and "image" not in svc.extra:
            raise Unmapped("a service with neither `image` nor `build`")
        # The spec needs one typed; compose reads the kept one over it.
        svc.data["image"] = "scratch"
    for key in raw:
        if key not in handled:
            svc.keep(key, raw[key], "no typed home in the spec")
    if svc.extra:
        svc.data["x-compose"] = svc.extra
    return svc.data


def _image(svc: _Service, value: Any) -> str:
    if not isinstance(value, str):
        raise Unmapped("an image that is not a string")
    return svc.text(value)


def _build(svc: _Service, value: Any) -> Any:
    if isinstance(value, str):
        return svc.text(value)
    if not isinstance(value, dict):
        raise Unmapped("a build that is neither a path nor a mapping")
    build: dict[str, Any] = {"context": svc.text(value.get("context", "."))}
    for key in ("dockerfile", "target"):
        if value.get(key) is not None:
            build[key] = svc.text(value[key])
    args = value.get("args")
    if isinstance(args, list):
        args = dict(_pair(item) for item in args)
    if isinstance(args, dict) and args:
        build["args"] = {str(k): None if v is None else svc.text(v) for k, v in args.items()}
    elif args not in (None, {}, []):
        raise Unmapped("build args that are neither a mapping nor a list")
    extra = {k: v for k, v in value.items() if k not in ("context", "dockerfile", "target", "args")}
    if extra:
        kept = svc.extra.setdefault("build", {})
        for key, item in extra.items():
            kept[key] = svc.session.kept(item, f"{svc.where}.build.{key}")
            svc.session.note(f"{svc.where}.build.{key}", "kept under x-compose (no typed home)")
    return build["context"] if set(build) == {"context"} else build


def _pair(item: Any) -> tuple[str, Any]:
    if not isinstance(item, str):
        raise Unmapped("a list item that is not NAME=value")
    key, eq, value = item.partition("=")
    return key, value if eq else None


def _one_text(svc: _Service, value: Any) -> str:
    if isinstance(value, dict | list) or value is None:
        raise Unmapped("not a string")
    return svc.text(value)


def _checked(pattern: str | re.Pattern[str]) -> Callable[[_Service, Any], str]:
    def step(svc: _Service, value: Any) -> str:
        text = _one_text(svc, value)
        if not re.match(pattern, text):
            raise Unmapped("a value the spec's pattern for it does not take")
        return text

    return step


def _pull_policy(svc: _Service, value: Any) -> str:
    if value not in _PULL_POLICIES:
        raise Unmapped("a pull policy the spec does not know")
    return str(value)


def _restart(svc: _Service, value: Any) -> str:
    text = _one_text(svc, value)
    if not re.match(RESTART_PATTERN, text):
        raise Unmapped("a restart policy the spec does not know")
    return text


def _text_list(svc: _Service, value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or any(isinstance(i, dict | list) or i is None for i in items):
        raise Unmapped("a list with items that are not strings")
    return [svc.text(i) for i in items]


def _extra_hosts(svc: _Service, value: Any) -> list[str]:
    if isinstance(value, dict):  # compose's mapping form, host -> address
        value = [f"{host}:{address}" for host, address in value.items()]
    return _text_list(svc, value)


def _caps(svc: _Service, value: Any) -> list[str]:
    caps = _text_list(svc, value)
    if not all(_CAPABILITY.match(c) for c in caps):
        raise Unmapped("a capability the spec's pattern does not take")
    return caps


def _expose(svc: _Service, value: Any) -> list[str]:
    ports = _text_list(svc, value if isinstance(value, list) else [value])
    if not all(_EXPOSE.match(p) for p in ports):
        raise Unmapped("an exposed port the spec cannot type")
    return ports


def _profiles(svc: _Service, value: Any) -> list[str]:
    profiles = _text_list(svc, value)
    if not all(re.match(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", p) for p in profiles):
        raise Unmapped("a profile name the spec's pattern does not take")
    return profiles


def _env_file(svc: _Service, value: Any) -> list[str]:
    if isinstance(value, list) and any(isinstance(i, dict) for i in value):
        raise Unmapped("env_file entries in the long form")
    return _text_list(svc, value)


def _boolean(svc: _Service, value: Any) -> bool:
    if not isinstance(value, bool):
        raise Unmapped("not a boolean")
    return value


def _size(svc: _Service, value: Any) -> str:
    return size(value, svc.session.text)


def _duration(svc: _Service, value: Any) -> str:
    return duration(value, svc.session.text)


def _pids_limit(svc: _Service, value: Any) -> int | str:
    return integer(value, svc.session.text)


def _ports(svc: _Service, value: Any) -> list[str | int]:
    if not isinstance(value, list):
        raise Unmapped("ports that are not a list")
    return [port(item, svc.session.text) for item in value]


def _volumes(svc: _Service, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise Unmapped("volumes that are not a list")
    return [mount(item, svc.session.text) for item in value]


def _tmpfs(svc: _Service, value: Any) -> list[str]:
    return _text_list(svc, value)


def _words(svc: _Service, value: Any) -> str | list[str]:
    if isinstance(value, str):
        return svc.text(value)
    if isinstance(value, list) and all(
        isinstance(v, str | int) and not isinstance(v, bool) for v in value
    ):
        return [svc.text(v) for v in value]
    raise Unmapped("neither a string nor a list of strings")


def _labels(svc: _Service, value: Any) -> dict[str, str]:
    if isinstance(value, list):
        value = dict(_pair(item) for item in value)
    if not isinstance(value, dict):
        raise Unmapped("labels that are neither a mapping nor a list")
    return {str(k): "" if v is None else svc.text(v) for k, v in value.items()}


def _ulimits(svc: _Service, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unmapped("ulimits that are not a mapping")
    limits: dict[str, Any] = {}
    for name, limit in value.items():
        if isinstance(limit, dict) and set(limit) == {"soft", "hard"}:
            limit = {k: limit[k] for k in ("soft", "hard")}
            values = list(limit.values())
        else:
            values = [limit]
        if not re.fullmatch(r"[a-z]+", str(name)) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values
        ):
            raise Unmapped("a ulimit the spec cannot type")
        limits[str(name)] = limit
    return limits


def _logging(svc: _Service, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) - {"driver", "options"}:
        raise Unmapped("logging with keys besides driver and options")
    log: dict[str, Any] = {}
    if value.get("driver") is not None:
        log["driver"] = svc.text(value["driver"])
    options = value.get("options") or {}
    if not isinstance(options, dict):
        raise Unmapped("logging options that are not a mapping")
    if options:
        log["options"] = {str(k): svc.text(v) for k, v in options.items()}
    return log


def _environment(svc: _Service, value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        value = dict(_env_item(svc, i, item) for i, item in enumerate(value))
        value.pop(None, None)
    if not isinstance(value, dict):
        raise Unmapped("an environment that is neither a mapping nor a list")
    env: dict[str, Any] = {}
    kept: dict[str, Any] = {}
    for key, raw in value.items():
        key = str(key)
        if isinstance(raw, dict | list) or (not ENV_KEY.match(key) and _secret_shaped(key)):
            # compose takes neither; and the text could be a secret, so it is not kept
            where = f"{svc.where}.environment" + (f".{key}" if ENV_KEY.match(key) else "")
            svc.session.note(where, "an entry left out: not NAME=value with a string value")
            continue
        try:
            if not ENV_KEY.match(key):
                raise Unmapped("a variable name the spec cannot take")
            env[key] = _env_value(svc, key, raw)
        except Unmapped as e:
            kept[key] = raw
            where = f"{svc.where}.environment.{key}" if ENV_KEY.match(key) else svc.where
            svc.session.note(where, f"an environment variable kept under x-compose ({e})")
    if kept:
        svc.extra["environment"] = svc.session.kept(kept, f"{svc.where}.environment")
    return env


def _env_item(svc: _Service, index: int, item: Any) -> tuple[Any, Any]:
    """One `- NAME=value` item; `- NAME: value` is read the same, with a note."""
    if isinstance(item, dict) and len(item) == 1:
        svc.session.note(
            f"{svc.where}.environment.{index}", "a mapping in a list: read as NAME=value"
        )
        ((key, raw),) = item.items()
        return str(key), raw
    if isinstance(item, str):
        return _pair(item)
    svc.session.note(f"{svc.where}.environment.{index}", "an entry left out: not NAME=value")
    return None, None


def _secret_shaped(text: str) -> bool:
    """Whether a malformed entry (`MYSQL_PASSWORD hunter2`) may hold a secret."""
    return names_secret(text) or scan(None, text) is not None or bool(re.search(r"\s", text))


def _env_value(svc: _Service, key: str, raw: Any) -> Any:
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, dict | list):
        raise Unmapped("a value that is not a string or a number")
    if not isinstance(raw, str):
        return raw if isinstance(raw, int) else scalar(raw)
    return svc.text(raw)


def _secrets(svc: _Service, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise Unmapped("secrets that are not a list")
    mounts: list[Any] = []
    names = svc.session.secret_names
    for item in value:
        source = item.get("source") if isinstance(item, dict) else item
        if not isinstance(source, str) or source not in names:
            raise Unmapped("a secret the spec does not declare (external or unknown)")
        spec = names[source]
        entry: dict[str, Any] = {"secret": spec}
        if isinstance(item, dict):
            if set(item) - {"source", "target", "uid", "gid", "mode"}:
                raise Unmapped("a secret mount with keys the spec has not")
            for key in ("target", "uid", "gid"):
                if item.get(key) is not None:
                    entry[key] = scalar(item[key])
            if item.get("mode") is not None:
                if item["mode"] in svc.session.octal_modes:
                    item = {**item, "mode": int(str(item["mode"]), 8)}
                if not isinstance(item["mode"], int) or not 0 <= item["mode"] <= 0o777:
                    raise Unmapped("a secret mode the spec cannot type")
                entry["mode"] = item["mode"]
        if spec != source and "target" not in entry:
            entry["target"] = SECRETS_DIR + source  # the file keeps its compose name
        mounts.append(spec if set(entry) == {"secret"} else entry)
    return mounts


def _healthcheck(svc: _Service, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unmapped("a healthcheck that is not a mapping")
    test = value.get("test")
    check: dict[str, Any] = {}
    if value.get("disable") is True or test in (["NONE"], "NONE"):
        check["disable"] = True
        rest = {k: v for k, v in value.items() if k not in ("disable", "test")}
        if rest:  # compose ignores them, but keeps them in the file
            svc.extra["healthcheck"] = svc.session.kept(rest, f"{svc.where}.healthcheck")
            for key in rest:
                svc.session.note(f"{svc.where}.healthcheck.{key}", "kept under x-compose")
        return check
    if test is None:
        raise Unmapped("a healthcheck without `test`")
    check["test"] = _words(svc, test)
    for key, item in value.items():
        if key == "test" or item is None or (key == "disable" and item is False):
            continue
        try:
            if key in ("interval", "timeout", "start_period", "start_interval"):
                check[key] = duration(item, svc.session.text)
            elif key == "retries":
                retries = integer(item, svc.session.text)
                if isinstance(retries, int) and retries < 1:
                    raise Unmapped("retries below 1")
                check[key] = retries
            else:
                raise Unmapped("no typed home")
        except Unmapped as e:
            # the rest of the healthcheck stays typed; x-compose merges key by key
            where = f"{svc.where}.healthcheck.{key}"
            svc.extra.setdefault("healthcheck", {})[key] = svc.session.kept(item, where)
            svc.session.note(where, f"kept under x-compose ({e})")
    return check


def _depends_on(svc: _Service, value: Any) -> dict[str, Any]:
    rename = svc.session.services
    if isinstance(value, list):
        return {rename.get(str(dep), str(dep)): "started" for dep in value}
    if not isinstance(value, dict):
        raise Unmapped("depends_on that is neither a list nor a mapping")
    deps: dict[str, Any] = {}
    for dep, options in value.items():
        options = options or {}
        condition = _CONDITIONS.get(options.get("condition", "service_started"))
        if condition is None or set(options) - {"condition", "restart", "required"}:
            raise Unmapped("a dependency with a condition or key the spec has not")
        dependency: dict[str, Any] = {"condition": condition}
        for key in ("restart", "required"):
            if key in options:
                if not isinstance(options[key], bool):
                    raise Unmapped(f"a dependency whose {key} is not a boolean")
                dependency[key] = options[key]
        name = rename.get(str(dep), str(dep))
        deps[name] = condition if set(dependency) == {"condition"} else dependency
    return deps


def _links(svc: _Service, value: Any) -> list[str]:
    links = []
    for link in _text_list(svc, value):
        service, colon, alias = link.partition(":")
        links.append(svc.session.services.get(service, service) + colon + alias)
    return links


def _network_mode(svc: _Service, value: Any) -> str:
    mode = _one_text(svc, value)
    kind, colon, target = mode.partition(":")
    if kind == "service" and colon:
        return f"service:{svc.session.services.get(target, target)}"
    return mode


def _networks(svc: _Service, value: Any) -> Any:
    if isinstance(value, list):
        return [str(n) for n in value]
    if not isinstance(value, dict):
        raise Unmapped("networks that are neither a list nor a mapping")
    networks: dict[str, Any] = {}
    for name, options in value.items():
        if options is None or options == {}:
            networks[str(name)] = None
            continue
        if not isinstance(options, dict) or set(options) - {
            "aliases",
            "ipv4_address",
            "ipv6_address",
        }:
            raise Unmapped("a network membership with keys the spec has not")
        entry: dict[str, Any] = {}
        if options.get("aliases"):
            entry["aliases"] = [svc.text(a) for a in options["aliases"]]
        for key in ("ipv4_address", "ipv6_address"):
            if options.get(key) is not None:
                entry[key] = svc.text(options[key])
        networks[str(name)] = entry or None
    if all(v is None for v in networks.values()):
        return list(networks)
    return networks


def _memory(svc: _Service, handled: set[str]) -> None:
    """`mem_limit`, else `deploy.resources.limits.memory`, as `memory`; the rest of
    `deploy` under x-compose."""
    raw = svc.raw
    deploy = raw.get("deploy")
    handled.update({"mem_limit", "deploy"})
    limits: dict[str, Any] = {}
    if isinstance(deploy, dict):
        resources = deploy.get("resources")
        found = resources.get("limits") if isinstance(resources, dict) else None
        limits = found if isinstance(found, dict) else {}
    chosen = "mem_limit" if raw.get("mem_limit") is not None else None
    if chosen is None and limits.get("memory") is not None:
        chosen = "deploy"
    value = raw.get("mem_limit") if chosen == "mem_limit" else limits.get("memory")
    if chosen is not None:
        try:
            svc.data["memory"] = _size(svc, value)
        except Unmapped as e:
            chosen = None
            if "mem_limit" in raw:
                svc.keep("mem_limit", raw["mem_limit"], str(e))
    elif "mem_limit" in raw:
        svc.keep("mem_limit", raw["mem_limit"], "not a size")
    if deploy is not None:
        rest = _without_memory(deploy) if chosen == "deploy" else deploy
        if rest:
            svc.keep("deploy", rest, "no typed home in the spec besides the memory limit")


def _without_memory(deploy: dict[str, Any]) -> dict[str, Any]:
    rest = dict(deploy)
    resources = dict(rest["resources"])
    limits = {k: v for k, v in resources["limits"].items() if k != "memory"}
    if limits:
        resources["limits"] = limits
    else:
        del resources["limits"]
    if resources:
        rest["resources"] = resources
    else:
        del rest["resources"]
    return rest


_STEPS: list[tuple[str, Callable[[_Service, Any], Any]]] = [
    ("image", _image),
    ("build", _build),
    ("profiles", _profiles),
    ("container_name", _checked(CONTAINER_NAME)),
    ("hostname", _one_text),
    ("platform", _one_text),
    ("pull_policy", _pull_policy),
    ("ports", _ports),
    ("expose", _expose),
    ("environment", _environment),
    ("env_file", _env_file),
    ("volumes", _volumes),
    ("tmpfs", _tmpfs),
    ("secrets", _secrets),
    ("entrypoint", _words),
    ("command", _words),
    ("working_dir", _one_text),
    ("user", _one_text),
    ("healthcheck", _healthcheck),
    ("depends_on", _depends_on),
    ("links", _links),
    ("networks", _networks),
    ("network_mode", _network_mode),
    ("extra_hosts", _extra_hosts),
    ("shm_size", _size),
    ("pids_limit", _pids_limit),
    ("ulimits", _ulimits),
    ("cap_add", _caps),
    ("cap_drop", _caps),
    ("security_opt", _text_list),
    ("devices", _text_list),
    ("privileged", _boolean),
    ("read_only", _boolean),
    ("init", _boolean),
    ("stdin_open", _boolean),
    ("tty", _boolean),
    ("labels", _labels),
    ("logging", _logging),
    ("stop_signal", _checked(_STOP_SIGNAL)),
    ("stop_grace_period", _duration),
    ("restart", _restart),
]
