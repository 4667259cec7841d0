"""The container and pod fields of a service's keys beyond image, ports, env and volumes.

What maps (Kubernetes field: the compose key it comes from):
- `command` / `args`: `entrypoint` / `command` (each replaces the image's ENTRYPOINT /
  CMD, and a string is split into words as compose splits it); `workingDir`: `working_dir`;
  `imagePullPolicy`: `pull_policy` (`always` Always, `never` Never, `missing` and
  `if_not_present` IfNotPresent); `stdin`, `tty`: `stdin_open`, `tty`.
- `securityContext`: `user` (`runAsUser`/`runAsGroup`, numbers only), `privileged`,
  `read_only` (`readOnlyRootFilesystem`), `cap_add`/`cap_drop` (`capabilities`, without
  the `CAP_` prefix), and of `security_opt`: `no-new-privileges`
  (`allowPrivilegeEscalation: false`), `seccomp`/`apparmor` `unconfined`.
- `emptyDir` volumes: each anonymous volume (`volumes: [/path]`); with `medium: Memory`,
  each `tmpfs` path (its `size=` becomes
  `sizeLimit`), and `shm_size` at /dev/shm.
- Secret volumes: each of `secrets`, at its `target` (default /run/secrets/<secret>; a
  relative target is under /run/secrets, as in compose), read-only, with its `mode`.
- Pod: `hostname` (a DNS label), `extra_hosts` (`hostAliases`), `stop_grace_period`
  (`terminationGracePeriodSeconds`, whole seconds rounded up), `platform` (a `nodeSelector`
  on `kubernetes.io/os` and `kubernetes.io/arch`), `network_mode: host` (`hostNetwork`,
  with the DNS policy that keeps Service names resolving).
- `labels`: on the pod template; a label whose value is no valid label value
  (Traefik's `Host(...)` rules, URLs...) is an annotation there instead.
Everything else these keys say is a note (`notes`): Kubernetes has no such field.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator
from typing import Any

from stagespec.model.spec import Service
from stagespec.model.values import Size
from stagespec.targets.k8s.names import K8sError, memory_quantity, secret_name, whole_seconds

SECRETS_DIR = "/run/secrets"
SHM_VOLUME = "dshm"
PULL_POLICIES = {
    "always": "Always",
    "never": "Never",
    "missing": "IfNotPresent",
    "if_not_present": "IfNotPresent",
}
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*/)?"
    + _LABEL_NAME
    + "$"
)
_LABEL_VALUE = re.compile(f"^({_LABEL_NAME})?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_NUMBER = re.compile(r"^[0-9]{1,10}$")
_MAPPED_OPTS = {
    "no-new-privileges": ("allowPrivilegeEscalation", False),
    "no-new-privileges:true": ("allowPrivilegeEscalation", False),
    "no-new-privileges=true": ("allowPrivilegeEscalation", False),
    "seccomp=unconfined": ("seccompProfile", {"type": "Unconfined"}),
    "seccomp:unconfined": ("seccompProfile", {"type": "Unconfined"}),
    "apparmor=unconfined": ("appArmorProfile", {"type": "Unconfined"}),
    "apparmor:unconfined": ("appArmorProfile", {"type": "Unconfined"}),
}


def words(value: str | list[str], key: str) -> list[str]:
    """`command` or `entrypoint` as a list of words, a string split as compose splits it."""
    if isinstance(value, list):
        return list(value)
    try:  # compose splits a string command into words the same way, without a shell
        return shlex.split(value)
    except ValueError as e:
        raise K8sError(f"{key} {value!r} cannot be split into arguments: {e}") from e


def escaped(text: str) -> str:
    """Text the kubelet reads back as written: it expands `$(NAME)` in a container's
    command, args and env values, and reads `$$` as `$`."""
    return text.replace("$", "$$")


def container_head(service: Service) -> dict[str, Any]:
    """The fields that follow `image`: pull policy, command, args, working directory."""
    fields: dict[str, Any] = {}
    if service.pull_policy in PULL_POLICIES:
        fields["imagePullPolicy"] = PULL_POLICIES[service.pull_policy]
    if service.entrypoint:
        fields["command"] = [escaped(w) for w in words(service.entrypoint, "entrypoint")]
    if service.command is not None:
        fields["args"] = [escaped(w) for w in words(service.command, "command")]
    if service.working_dir is not None:
        fields["workingDir"] = service.working_dir
    return fields


def container_tail(service: Service) -> dict[str, Any]:
    """The fields after the probes: security context, stdin and tty."""
    fields: dict[str, Any] = {}
    if context := security_context(service):
        fields["securityContext"] = context
    if service.stdin_open:
        fields["stdin"] = True
    if service.tty:
        fields["tty"] = True
    return fields


def _user(user: str | None) -> dict[str, int]:
    if user is None:
        return {}
    uid, _, gid = user.partition(":")
    found = {"runAsUser": int(uid)} if _NUMBER.match(uid) else {}
    return found | ({"runAsGroup": int(gid)} if _NUMBER.match(gid) else {})


def security_context(service: Service) -> dict[str, Any]:
    """The container's `securityContext`, from user, privileges and capabilities."""
    context: dict[str, Any] = dict(_user(service.user))
    if service.privileged:
        context["privileged"] = True
    for option in service.security_opt:
        if option in _MAPPED_OPTS:
            field, value = _MAPPED_OPTS[option]
            context[field] = value
    if service.read_only:
        context["readOnlyRootFilesystem"] = True
    capabilities = {
        key: list(dict.fromkeys(c.removeprefix("CAP_") for c in caps))
        for key, caps in (("add", service.cap_add), ("drop", service.cap_drop))
        if caps
    }
    if capabilities:
        context["capabilities"] = capabilities
    order = ("runAsUser", "runAsGroup", "privileged", "allowPrivilegeEscalation")
    first = {k: context.pop(k) for k in order if k in context}
    return first | context


def _tmpfs(entry: str) -> tuple[str, Size | None, list[str]]:
    """A `tmpfs` entry: its path, its `size=`, and the options no emptyDir has."""
    path, _, options = entry.partition(":")
    size, other = None, []
    for option in filter(None, options.split(",")):
        if option.startswith("size="):
            try:
                size = Size.parse(option.removeprefix("size="))
            except ValueError:
                other.append(option)
        elif option != "rw":
            other.append(option)
    return path, size, other


def _memory_dir(name: str, path: str, size: Size | None) -> tuple[dict[str, Any], dict[str, Any]]:
    empty: dict[str, Any] = {"medium": "Memory"}
    if size is not None:
        empty["sizeLimit"] = memory_quantity(size)
    return {"name": name, "emptyDir": empty}, {"name": name, "mountPath": path}


def secret_target(target: str | None, secret: str) -> str:
    """Where a secret's file is: compose's default and relative targets are /run/secrets/."""
    if target is None:
        return f"{SECRETS_DIR}/{secret}"
    return target if target.startswith("/") else f"{SECRETS_DIR}/{target}"


def _secret_volume(index: int, secret: str, target: str, mode: int | None) -> tuple[Any, Any]:
    from stagespec.targets.k8s.names import SECRET_KEY

    name = f"secret-{index}"
    file = posixpath.basename(target.rstrip("/")) or secret
    item: dict[str, Any] = {"key": SECRET_KEY, "path": file}
    if mode is not None:
        item["mode"] = mode
    volume = {"name": name, "secret": {"secretName": secret_name(secret), "items": [item]}}
    return volume, {"name": name, "mountPath": target, "subPath": file, "readOnly": True}


def _anonymous(index: int, target: str, read_only: bool) -> dict[str, Any]:
    mount: dict[str, Any] = {"name": f"anonymous-{index}", "mountPath": target}
    return mount | ({"readOnly": True} if read_only else {})


def extra_volumes(service: Service) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pod `volumes` and container `volumeMounts` of anonymous volumes (an emptyDir each,
    as fresh as compose's), `tmpfs`, `shm_size` and `secrets`."""
    pairs = []
    for index, volume in enumerate(m for m in service.volumes if m.is_anonymous):
        pairs.append(
            (
                {"name": f"anonymous-{index}", "emptyDir": {}},
                _anonymous(index, volume.target, volume.read_only),
            )
        )
    for index, entry in enumerate(service.tmpfs):
        path, size, _ = _tmpfs(entry)
        pairs.append(_memory_dir(f"tmpfs-{index}", path, size))
    if service.shm_size is not None:
        pairs.append(_memory_dir(SHM_VOLUME, "/dev/shm", service.shm_size))
    for index, mount in enumerate(service.secrets):
        target = secret_target(mount.target, mount.secret)
        pairs.append(_secret_volume(index, mount.secret, target, mount.mode))
    return [volume for volume, _ in pairs], [mount for _, mount in pairs]


def _host_aliases(entries: list[str]) -> list[dict[str, Any]]:
    by_ip: dict[str, list[str]] = {}
    for host, ip in map(host_entry, entries):
        if ip != "host-gateway":
            by_ip.setdefault(ip, []).append(host)
    return [{"ip": ip, "hostnames": hosts} for ip, hosts in by_ip.items()]


def host_entry(entry: str) -> tuple[str, str]:
    """An `extra_hosts` entry, `HOST=IP` or `HOST:IP`, as (host, IP without brackets)."""
    host, _, ip = entry.partition("=") if "=" in entry else entry.partition(":")
    return host, ip.removeprefix("[").removesuffix("]")


def pod_fields(service: Service) -> dict[str, Any]:
    """The pod's own fields: network, host name, host aliases, node selector, grace period."""
    pod: dict[str, Any] = {}
    if service.network_mode == "host":
        pod |= {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"}
    if service.hostname is not None and _DNS_LABEL.match(service.hostname):
        pod["hostname"] = service.hostname
    if aliases := _host_aliases(service.extra_hosts):
        pod["hostAliases"] = aliases
    if service.platform is not None:
        os_name, _, rest = service.platform.partition("/")
        arch = rest.partition("/")[0]
        selector = {"kubernetes.io/os": os_name} | ({"kubernetes.io/arch": arch} if arch else {})
        pod["nodeSelector"] = selector
    if service.stop_grace_period is not None:
        seconds = whole_seconds(service.stop_grace_period, minimum=0)
        pod["terminationGracePeriodSeconds"] = seconds
    return pod


def pod_metadata(service: Service, taken: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """`labels` as pod-template labels and annotations; keys in `taken` are left out."""
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    for key, value in service.labels.items():
        if key in taken or not _LABEL_KEY.match(key):
            continue
        (labels if _LABEL_VALUE.match(value) else annotations)[key] = value
    return labels, annotations


def notes(name: str, service: Service, taken: set[str]) -> Iterator[str]:
    """What these keys say that Kubernetes cannot, one sentence each."""
    yield from _process_notes(name, service)
    yield from _security_notes(name, service)
    yield from _host_notes(name, service)
    for key in service.labels:
        if key in taken:
            yield f"{name}: label {key!r} is one the manifests set themselves; it is left out"
        elif not _LABEL_KEY.match(key):
            yield (
                f"{name}: label {key!r} is no Kubernetes label or annotation key "
                "(at most 63 characters after an optional DNS prefix); it is left out"
            )


def _process_notes(name: str, service: Service) -> Iterator[str]:
    if service.entrypoint is not None and not service.entrypoint:
        yield (
            f"{name}: an empty `entrypoint` clears the image's ENTRYPOINT in compose; "
            "Kubernetes takes an empty `command` for none given, so the image's is kept"
        )
    if service.init:
        yield (
            f"{name}: `init: true` has no equivalent (shareProcessNamespace is not the same): "
            "use an image with an init process (tini) to reap zombies and forward signals"
        )
    if service.stop_signal is not None:
        yield (
            f"{name}: `stop_signal: {service.stop_signal}` has no equivalent; Kubernetes "
            "sends SIGTERM (add a preStop hook, or set STOPSIGNAL in the image)"
        )
    if service.pull_policy == "build":
        yield f"{name}: `pull_policy: build` has no equivalent; Kubernetes cannot build"
    if service.env_file:
        files = ", ".join(repr(f) for f in service.env_file)
        yield (
            f"{name}: `env_file` ({files}) is read by compose at deploy time and is not read "
            "here (it may hold secrets): create a ConfigMap or Secret from it "
            "(`kubectl create configmap --from-env-file`) and add it with `envFrom`"
        )
    if service.profiles:
        yield (
            f"{name}: `profiles` ({', '.join(service.profiles)}) have no equivalent: compose "
            "starts it only with one of them, the manifests always include it (set "
            "`enabled: false` in an environment to leave it out)"
        )
    if service.container_name is not None:
        yield (
            f"{name}: `container_name` has no equivalent; pods are named by their "
            "controller (reach it by its Service name)"
        )


def _security_notes(name: str, service: Service) -> Iterator[str]:
    if service.user is not None:
        uid, _, gid = service.user.partition(":")
        names = [part for part in (uid, gid) if part and not _NUMBER.match(part)]
        if names:
            yield (
                f"{name}: `user` {service.user!r} names a user or group; securityContext "
                "takes numbers only, so it is left to the image (set runAsUser in an overlay)"
            )
    for option in service.security_opt:
        if option not in _MAPPED_OPTS:
            yield f"{name}: `security_opt` {option!r} has no equivalent and is left out"
    for key in ("ulimits", "devices"):
        if getattr(service, key):
            yield f"{name}: `{key}` has no equivalent in a pod and is left out"
    if service.pids_limit is not None:
        yield (
            f"{name}: `pids_limit` has no per-pod equivalent (the kubelet's podPidsLimit "
            "is set per node)"
        )
    if service.logging is not None:
        yield (
            f"{name}: `logging` has no equivalent; the cluster collects container output "
            "with its own logging agent"
        )
    for index, mount in enumerate(service.secrets):
        if mount.uid is not None or mount.gid is not None:
            yield (
                f"{name}: secrets.{index} sets `uid`/`gid`, which a Secret volume cannot "
                "set per file (a pod's securityContext.fsGroup sets the group of all)"
            )
    for entry in service.tmpfs:
        path, _, other = _tmpfs(entry)
        if other:
            yield (
                f"{name}: tmpfs {path} options {', '.join(other)} have no emptyDir equivalent "
                "and are left out"
            )


def _host_notes(name: str, service: Service) -> Iterator[str]:
    mode = service.network_mode
    if mode is not None and mode != "host":
        yield (
            f"{name}: `network_mode: {mode}` has no equivalent (containers that share a "
            "network namespace are one pod in Kubernetes); the pod gets its own network"
        )
    if service.hostname is not None and not _DNS_LABEL.match(service.hostname):
        yield (
            f"{name}: hostname {service.hostname!r} is no DNS label (a pod's hostname has "
            "no dots); it is left out"
        )
    for entry in service.extra_hosts:
        host, ip = host_entry(entry)
        if ip == "host-gateway":
            yield f"{name}: extra host {host!r} at host-gateway has no equivalent; left out"
    if service.platform is not None and service.platform.count("/") > 1:
        yield (
            f"{name}: the variant of platform {service.platform!r} has no node label; only "
            "its OS and architecture select nodes"
        )
    if service.links:
        yield (
            f"{name}: `links` have no equivalent; services reach each other by Service "
            "name, and a link's alias is no name in the cluster"
        )
