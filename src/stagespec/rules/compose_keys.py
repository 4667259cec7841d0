"""Facts about compose files: the keys of a service and of the top level, and which of
them have a typed home in stagespec.

The key lists are those of the compose-spec schema (tests check them against it);
`x-` keys are compose's extensions and always allowed.
"""

from __future__ import annotations

from typing import TypeAlias

SERVICE_KEYS = frozenset(
    {
        "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup",
        "cgroup_parent", "command", "configs", "container_name", "cpu_count", "cpu_percent",
        "cpu_period", "cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus",
        "cpuset", "credential_spec", "depends_on", "deploy", "develop", "device_cgroup_rules",
        "devices", "dns", "dns_opt", "dns_search", "domainname", "entrypoint", "env_file",
        "environment", "expose", "extends", "external_links", "extra_hosts", "gpus",
        "group_add", "healthcheck", "hostname", "image", "init", "ipc", "isolation",
        "label_file", "labels", "links", "logging", "mac_address", "mem_limit",
        "mem_reservation", "mem_swappiness", "memswap_limit", "models", "network_mode",
        "networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform",
        "ports", "post_start", "pre_start", "pre_stop", "privileged", "profiles", "provider",
        "pull_policy", "pull_refresh_after", "read_only", "restart", "runtime", "scale",
        "secrets", "security_opt", "shm_size", "stdin_open", "stop_grace_period",
        "stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits", "umask",
        "use_api_socket", "user", "userns_mode", "uts", "volumes", "volumes_from",
        "working_dir",
    }
)  # fmt: skip
"""Every key of a compose service."""

TOP_LEVEL_KEYS = frozenset(
    {"configs", "include", "jobs", "models", "name", "networks", "secrets", "services",
     "version", "volumes"}
)  # fmt: skip
"""Every key of a compose file's top level."""


Home: TypeAlias = "str | dict[str, Home] | tuple[str, Home]"
"""Where a compose key's value lives in stagespec: a spec key (the whole value has a typed
home); a mapping of the sub-keys that have one (the others do not); or `("*", home)`, a
mapping of names whose every entry has that home."""

_BUILD: dict[str, Home] = {
    "context": "build.context",
    "dockerfile": "build.dockerfile",
    "target": "build.target",
    "args": "build.args",
}
_HEALTHCHECK: dict[str, Home] = {
    key: f"healthcheck.{key}"
    for key in ("test", "interval", "timeout", "retries", "start_period", "start_interval",
                "disable")
}  # fmt: skip
_SERVICE_NETWORK: dict[str, Home] = {
    key: f"networks.<name>.{key}" for key in ("aliases", "ipv4_address", "ipv6_address")
}

SERVICE_HOMES: dict[str, Home] = {
    **{
        key: key
        for key in (
            "image", "container_name", "hostname", "platform", "pull_policy", "ports",
            "expose", "environment", "env_file", "volumes", "tmpfs", "secrets", "entrypoint",
            "command", "working_dir", "user", "depends_on", "links", "network_mode",
            "extra_hosts", "shm_size", "pids_limit", "ulimits", "cap_add", "cap_drop",
            "security_opt", "devices", "privileged", "read_only", "init", "stdin_open",
            "tty", "labels", "stop_signal", "stop_grace_period", "restart", "profiles",
        )
    },
    "mem_limit": "memory",
    "build": _BUILD,
    "healthcheck": _HEALTHCHECK,
    "networks": ("*", _SERVICE_NETWORK),
    "logging": {"driver": "logging.driver", "options": "logging.options"},
}  # fmt: skip
"""The compose service keys stagespec types, with the service key to write instead."""

SHORT_FORM_ONLY = frozenset({"ports", "volumes"})
"""Service keys whose typed home takes compose's short form only: an `x-compose` list of
them that holds a long-form entry (a mapping) has no typed home."""

_NETWORK: dict[str, Home] = {
    key: f"networks.<name>.{key}"
    for key in ("name", "driver", "driver_opts", "internal", "external", "attachable",
                "enable_ipv6", "ipam", "labels")
}  # fmt: skip
_VOLUME: dict[str, Home] = {
    key: f"volumes.<name>.{key}" for key in ("driver", "driver_opts", "external", "name", "labels")
}
_SECRET: dict[str, Home] = {"file": "secrets.<name>.file", "environment": "secrets.<name>.env"}

TOP_LEVEL_HOMES: dict[str, Home] = {
    "name": "project",
    "services": "services.<name> (or its own `x-compose`)",
    "networks": ("*", _NETWORK),
    "volumes": ("*", _VOLUME),
    "secrets": ("*", _SECRET),
}
"""The compose top-level keys stagespec types, with the spec key to write instead."""
