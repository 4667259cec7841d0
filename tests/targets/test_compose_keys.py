"""The compose emitter: every service and top-level key of the model, variables, and the
compose-spec schema and docker-compose 1.29 on a spec that uses every key."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import stagespec.targets.compose as compose
from stagespec.model.spec import Spec
from stagespec.model.validator import validate_spec
from stagespec.plan.inputs import BuildInput
from stagespec.targets.compose.yaml import ComposeError, compose_text


def spec_of(services: dict[str, Any], **extra: Any) -> Spec:
    return validate_spec({"stagespec": 1, "project": "demo", "services": services, **extra})


def loaded(spec: Spec, spec_dir: str = ".") -> dict[str, Any]:
    text = compose.render(BuildInput(spec, "stack.yaml", spec_dir=spec_dir))[compose.FILENAME]
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def service(spec: Spec, name: str = "app", spec_dir: str = ".") -> dict[str, Any]:
    entry = loaded(spec, spec_dir)["services"][name]
    assert isinstance(entry, dict)
    return entry


def one(**keys: Any) -> dict[str, Any]:
    """The compose entry of a service `app` with these keys (and an image)."""
    return service(spec_of({"app": {"image": "app:1", **keys}}))


# --- service keys ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("container_name", "demo-app"),
        ("hostname", "app.local"),
        ("platform", "linux/arm64"),
        ("pull_policy", "always"),
        ("working_dir", "/srv"),
        ("user", "1000:1000"),
        ("network_mode", "host"),
        ("stop_signal", "SIGINT"),
    ],
)
def test_plain_keys_are_written_as_they_are(key: str, value: str) -> None:
    assert one(**{key: value})[key] == value


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("profiles", ["debug", "tools"]),
        ("expose", ["3000", "3000/udp", "8000-8010"]),
        ("tmpfs", ["/run", "/tmp:size=64m,mode=1777"]),
        ("links", ["db", "db:database"]),
        ("extra_hosts", ["host.docker.internal:host-gateway"]),
        ("cap_add", ["NET_ADMIN", "SYS_TIME"]),
        ("cap_drop", ["ALL"]),
        ("security_opt", ["no-new-privileges:true", "seccomp:unconfined"]),
        ("devices", ["/dev/fuse:/dev/fuse:rwm"]),
    ],
)
def test_list_keys_are_written_as_lists(key: str, value: list[str]) -> None:
    assert one(**{key: value})[key] == value


def test_an_expose_number_is_a_string() -> None:
    assert one(expose=[3000])["expose"] == ["3000"]


def test_a_single_tmpfs_or_env_file_is_a_list() -> None:
    assert one(tmpfs="/run")["tmpfs"] == ["/run"]
    assert one(env_file="./app.env")["env_file"] == ["./app.env"]


@pytest.mark.parametrize("flag", ["privileged", "read_only", "init", "stdin_open", "tty"])
def test_flags_are_written_only_when_true(flag: str) -> None:
    assert one(**{flag: True})[flag] is True
    assert flag not in one(**{flag: False})
    assert flag not in one()


def test_unset_keys_are_not_written() -> None:
    assert one() == {"image": "app:1", "restart": "unless-stopped"}


@pytest.mark.parametrize(
    ("restart", "written"),
    [("no", None), ("always", "always"), ("on-failure:3", "on-failure:3")],
)
def test_restart_no_is_compose_default_and_left_out(restart: str, written: str | None) -> None:
    assert one(restart=restart).get("restart") == written


def test_entrypoint_and_command() -> None:
    app = one(entrypoint=["/bin/sh", "-c"], command="echo hi")
    assert app["entrypoint"] == ["/bin/sh", "-c"]
    assert app["command"] == "echo hi"
    assert one(entrypoint="/entry.sh")["entrypoint"] == "/entry.sh"


def test_env_file_is_rebased_like_bind_mounts() -> None:
    spec = spec_of({"app": {"image": "app:1", "env_file": ["./app.env", "/etc/app.env"]}})
    app = service(spec, spec_dir="../../specs/demo")
    assert app["env_file"] == ["../../specs/demo/app.env", "/etc/app.env"]


def test_env_file_of_the_runtime_service_ends_with_the_generated_env() -> None:
    spec = spec_of(
        {"app": {"image": "app:1", "env_file": ["./app.env"]}},
        runtime={"service": "app", "module": "demo_rt"},
    )
    assert service(spec)["env_file"] == ["./app.env", ".env"]


def test_volume_options_anonymous_volumes_and_the_spec_folder() -> None:
    volumes = ["data:/data:z", "/cache", ".:/src:ro,cached", "../shared:/shared:rw", "./x:/x:Z"]
    spec = spec_of({"app": {"image": "app:1", "volumes": volumes}})
    assert service(spec)["volumes"] == [
        "data:/data:z",
        "/cache",
        ".:/src:ro,cached",
        "../shared:/shared",  # `rw` is the default, and the model keeps only `ro`
        "./x:/x:Z",
    ]
    assert service(spec, spec_dir="../../specs/demo")["volumes"] == [
        "data:/data:z",
        "/cache",
        "../../specs/demo:/src:ro,cached",
        "../../specs/shared:/shared",
        "../../specs/demo/x:/x:Z",
    ]
    assert loaded(spec)["volumes"] == {"data": {}}


def test_a_mount_source_from_a_variable_gets_its_relative_default_rebased() -> None:
    variables = {
        "CACHE": {"default": "./cache"},
        "DATA": {"default": "/srv/data"},
        "VOL": {"default": "appdata"},
        "ASK": {"required": True},
    }
    mounts = ["${CACHE}/x:/cache", "${DATA}:/data", "${VOL}:/vol", "${ASK}:/ask:ro"]
    spec = spec_of({"app": {"image": "app:1", "volumes": mounts}}, variables=variables)
    assert service(spec, spec_dir="../specs/demo")["volumes"] == [
        "${CACHE:-../specs/demo/cache}/x:/cache",  # the spec's folder, seen from the output
        "${DATA:-/srv/data}:/data",  # from the root: as it is
        "${VOL:-appdata}:/vol",  # a volume's name: as it is
        "${ASK:?ASK is required: set it in .env}:/ask:ro",
    ]
    assert service(spec)["volumes"][0] == "${CACHE:-./cache}/x:/cache"


def test_a_mount_target_may_be_a_variable() -> None:
    spec = spec_of(
        {"app": {"image": "app:1", "volumes": ["./conf:${PREFIX}/conf"]}},
        variables={"PREFIX": {"default": "/var/run/kong"}},
    )
    assert service(spec)["volumes"] == ["./conf:${PREFIX:-/var/run/kong}/conf"]


def test_a_bind_mount_in_x_compose_is_rebased_as_a_typed_one() -> None:
    volumes = [
        {"type": "bind", "source": "./cache", "target": "/cache"},
        {"type": "tmpfs", "target": "/t", "tmpfs": {"size": 1024}},
    ]
    spec = spec_of({"app": {"image": "app:1", "x-compose": {"volumes": volumes}}})
    written = service(spec, spec_dir="../specs/demo")["volumes"]
    assert written[0] == {"type": "bind", "source": "../specs/demo/cache", "target": "/cache"}
    assert written[1] == volumes[1]


def test_a_named_volume_with_a_dot_keeps_its_name() -> None:
    spec = spec_of({"app": {"image": "app:1", "volumes": ["vhost.d:/etc/nginx/vhost.d"]}})
    assert loaded(spec)["volumes"] == {"vhost.d": {}}


def test_secrets_short_form_by_name_long_form_with_options() -> None:
    spec = spec_of(
        {
            "app": {
                "image": "app:1",
                "secrets": [
                    "db_pw",
                    {"secret": "token", "target": "/etc/token", "uid": "999", "gid": "999"},
                    {"secret": "token", "mode": 0o440},
                ],
            }
        },
        secrets={"db_pw": {"file": "./db.txt"}, "token": {"env": "TOKEN"}},
    )
    data = loaded(spec)
    assert data["services"]["app"]["secrets"] == [
        "db_pw",
        {"source": "token", "target": "/etc/token", "uid": "999", "gid": "999"},
        {"source": "token", "mode": 0o440},
    ]
    # An env-sourced secret mounted as a file: compose-spec's `environment:` source.
    assert data["secrets"] == {"db_pw": {"file": "./db.txt"}, "token": {"environment": "TOKEN"}}


def test_a_secret_mounted_and_used_as_a_file_variable_is_mounted_once() -> None:
    spec = spec_of(
        {
            "db": {
                "image": "postgres:16",
                "environment": {"POSTGRES_PASSWORD": {"secret": "pw"}},
                "secrets": ["pw"],
            }
        },
        secrets={"pw": {"file": "./pw.txt"}},
    )
    assert service(spec, "db")["secrets"] == ["pw"]


def test_healthcheck_disable_and_start_interval() -> None:
    assert one(healthcheck={"disable": True})["healthcheck"] == {"disable": True}
    check = one(healthcheck={"test": "true", "start_period": "30s", "start_interval": "2s"})
    assert check["healthcheck"] == {
        "test": ["CMD-SHELL", "true"],
        "start_period": "30s",
        "start_interval": "2s",
    }


def test_depends_on_conditions_restart_and_required() -> None:
    spec = spec_of(
        {
            "db": {"image": "db:1", "healthcheck": {"test": "true"}},
            "migrate": {"image": "app:1", "restart": "no"},
            "cache": {"image": "cache:1"},
            "app": {
                "image": "app:1",
                "depends_on": {
                    "db": {"condition": "healthy", "restart": True},
                    "migrate": "completed",
                    "cache": {"condition": "started", "required": False},
                },
            },
        }
    )
    assert service(spec)["depends_on"] == {
        "db": {"condition": "service_healthy", "restart": True},
        "migrate": {"condition": "service_completed_successfully"},
        "cache": {"condition": "service_started", "required": False},
    }


def test_a_disabled_dependency_of_the_mapping_form_is_dropped_and_reported() -> None:
    spec = spec_of(
        {
            "cache": {"image": "cache:1", "enabled": False},
            "app": {"image": "app:1", "depends_on": {"cache": "started"}},
        }
    )
    assert "depends_on" not in service(spec)
    assert compose.dropped_dependencies(spec) == [("app", "cache")]


def test_limits() -> None:
    app = one(
        memory="512m",
        shm_size="1g",
        pids_limit=100,
        ulimits={"nofile": {"soft": 1024, "hard": 4096}, "nproc": 512},
    )
    assert app["mem_limit"] == "512m"
    assert app["shm_size"] == "1g"
    assert app["pids_limit"] == 100
    assert app["ulimits"] == {"nofile": {"soft": 1024, "hard": 4096}, "nproc": 512}


def test_labels_logging_and_stop_grace_period() -> None:
    app = one(
        labels=["traefik.enable=true", "com.example.team=core"],
        logging={"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}},
        stop_grace_period="1m30s",
    )
    assert app["labels"] == {"traefik.enable": "true", "com.example.team": "core"}
    assert app["logging"] == {
        "driver": "json-file",
        "options": {"max-size": "10m", "max-file": "3"},
    }
    assert app["stop_grace_period"] == "1m30s"


def test_a_label_key_with_a_variable_is_written_in_the_list_form() -> None:
    spec = spec_of(
        {"app": {"image": "app:1", "labels": {"traefik.http.routers.${ROUTER}.rule": "Host(`x`)"}}},
        variables={"ROUTER": {"default": "web"}},
    )
    assert service(spec)["labels"] == ["traefik.http.routers.${ROUTER:-web}.rule=Host(`x`)"]


def test_image_beside_build_with_target_and_args() -> None:
    app = service(
        spec_of(
            {
                "app": {
                    "image": "registry.example/app:dev",
                    "build": {"context": ".", "target": "dev", "args": {"V": 2, "FROM_ENV": None}},
                }
            }
        )
    )
    assert app["image"] == "registry.example/app:dev"
    assert app["build"] == {"context": ".", "target": "dev", "args": {"V": "2", "FROM_ENV": None}}


def test_service_networks_list_and_mapping() -> None:
    spec = spec_of(
        {
            "web": {"image": "web:1", "networks": ["front", "back"]},
            "db": {
                "image": "db:1",
                "networks": {
                    "back": {"aliases": ["database"], "ipv4_address": "172.30.0.10"},
                    "front": None,
                },
            },
            "loner": {"image": "x:1"},
        },
        networks={"front": None, "back": {"internal": True}},
    )
    data = loaded(spec)
    assert data["services"]["web"]["networks"] == ["front", "back"]
    assert data["services"]["db"]["networks"] == {
        "back": {"aliases": ["database"], "ipv4_address": "172.30.0.10"},
        "front": None,
    }
    # Compose's `default` network, as compose puts it: nothing written.
    assert "networks" not in data["services"]["loner"]
    assert data["networks"] == {"front": {}, "back": {"internal": True}}


def test_top_level_networks_take_every_key() -> None:
    network = {
        "name": "demo-front",
        "driver": "bridge",
        "driver_opts": {"com.docker.network.bridge.name": "br-demo"},
        "internal": True,
        "attachable": True,
        "enable_ipv6": True,
        "ipam": {
            "driver": "default",
            "config": [
                {"subnet": "172.30.0.0/16", "gateway": "172.30.0.1", "ip_range": "172.30.5.0/24"},
                {"subnet": "fd00::/64", "aux_addresses": {"router": "fd00::2"}},
            ],
            "options": {"foo": "bar"},
        },
        "labels": {"team": "core"},
    }
    spec = spec_of({"app": {"image": "app:1", "networks": ["front"]}}, networks={"front": network})
    assert loaded(spec)["networks"] == {"front": network}
    external = spec_of(
        {"app": {"image": "app:1", "networks": ["edge"]}},
        networks={"edge": {"external": True, "name": "proxy"}},
    )
    assert loaded(external)["networks"] == {"edge": {"name": "proxy", "external": True}}


def test_the_one_network_form_still_puts_every_service_on_it() -> None:
    spec = spec_of(
        {"app": {"image": "app:1"}, "vpn": {"image": "vpn:1", "network_mode": "host"}},
        network={"name": "demo-net"},
    )
    data = loaded(spec)
    assert data["networks"] == {"demo-net": {"driver": "bridge"}}
    assert data["services"]["app"]["networks"] == ["demo-net"]
    assert "networks" not in data["services"]["vpn"]  # network_mode excludes networks


def test_prometheus_joins_the_networks_of_what_it_scrapes() -> None:
    monitoring = {"prometheus": {"image": "prom/prometheus:v2.54.1"}}
    spec = spec_of(
        {
            "api": {"image": "api:1", "networks": ["back"], "metrics": {"port": 8000}},
            "web": {"image": "web:1", "networks": ["front"]},
        },
        networks={"front": None, "back": {"internal": True}},
        monitoring=monitoring,
    )
    assert service(spec, "prometheus")["networks"] == ["default", "back"]
    alone = spec_of({"api": {"image": "api:1", "metrics": {"port": 8000}}}, monitoring=monitoring)
    assert "networks" not in service(alone, "prometheus")


def test_top_level_volumes_take_every_key() -> None:
    spec = spec_of(
        {"app": {"image": "app:1", "volumes": ["data:/data", "ext:/ext"]}},
        volumes={
            "data": {
                "driver": "local",
                "driver_opts": {"type": "nfs", "o": "addr=10.0.0.1,rw", "device": ":/export"},
                "labels": {"backup": "daily"},
            },
            "ext": {"external": True, "name": "shared-data"},
        },
    )
    assert loaded(spec)["volumes"] == {
        "data": {
            "driver": "local",
            "driver_opts": {"type": "nfs", "o": "addr=10.0.0.1,rw", "device": ":/export"},
            "labels": {"backup": "daily"},
        },
        "ext": {"external": True, "name": "shared-data"},
    }


def test_x_compose_is_merged_last() -> None:
    spec = spec_of(
        {
            "app": {
                "image": "app:1",
                "labels": {"a": "1"},
                "healthcheck": {"test": "true", "interval": "10s"},
                "x-compose": {
                    "labels": None,  # null removes
                    "healthcheck": {"interval": "5s"},  # mappings merge
                    "command": ["a", "$HOME"],  # others replace; strings are spec strings
                    "deploy": {"resources": {"limits": {"cpus": 0.5}}},
                },
            }
        },
        **{"x-compose": {"x-owner": {"team": "core"}, "volumes": {"extra": {}}}},
    )
    data = loaded(spec)
    app = data["services"]["app"]
    assert "labels" not in app
    assert app["healthcheck"] == {"test": ["CMD-SHELL", "true"], "interval": "5s"}
    assert app["command"] == ["a", "$$HOME"]
    assert app["deploy"] == {"resources": {"limits": {"cpus": 0.5}}}
    assert data["x-owner"] == {"team": "core"}
    assert data["volumes"] == {"extra": {}}


def test_merge_rule() -> None:
    base = {"a": {"b": 1, "c": [1]}, "d": 1, "e": 2}
    patch = {"a": {"c": [2], "f": 3}, "d": None, "g": {"h": 1}}
    assert compose.merged(base, patch) == {"a": {"b": 1, "c": [2], "f": 3}, "e": 2, "g": {"h": 1}}
    assert base == {"a": {"b": 1, "c": [1]}, "d": 1, "e": 2}  # not changed


# --- variables ---------------------------------------------------------------------------

VARIABLES = {
    "TAG": {"default": "15-alpine"},
    "URL": {"default": "postgres://u@db:5432/app"},
    "MIXED": {"default": "a:-b-c/d:e"},
    "PRICE": {"default": "5$ or $HOME"},
    "TOKEN": {"required": True},
    "EMPTY": None,
    "NODEFAULT": {"description": "no default"},
}


def declared() -> Spec:
    return spec_of({"app": {"image": "app:1"}}, variables=VARIABLES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgres:${TAG}", "postgres:${TAG:-15-alpine}"),
        ("${URL}", "${URL:-postgres://u@db:5432/app}"),
        ("${MIXED}", "${MIXED:-a:-b-c/d:e}"),
        ("${PRICE}", "${PRICE:-5$$ or $$HOME}"),
        ("${TOKEN}", "${TOKEN:?TOKEN is required: set it in .env}"),
        ("${EMPTY}", "${EMPTY:-}"),
        ("${NODEFAULT}", "${NODEFAULT:-}"),
        ("$HOME $5 $", "$$HOME $$5 $$"),
        ("$${TAG} is literal", "$${TAG} is literal"),
        ("$$${TAG}", "$$$${TAG}"),  # `$` then a literal `${`
        ("${TAG}${TAG}", "${TAG:-15-alpine}${TAG:-15-alpine}"),
        ("${TAG:-x} ${1}", "$${TAG:-x} $${1}"),  # not references: literal text
        ("no dollar", "no dollar"),
    ],
)
def test_compose_text(text: str, expected: str) -> None:
    assert compose_text(text, declared().variables) == expected


def test_a_required_variable_given_a_default_is_optional_with_it() -> None:
    # as an environment's overlay gives a required variable its value for that environment
    spec = spec_of(
        {"app": {"image": "app:${TAG}", "command": "serve ${HOST}"}},
        variables={"TAG": {"required": True, "default": "1.2"}, "HOST": {"required": True}},
    )
    entry = service(spec)
    assert entry["image"] == "app:${TAG:-1.2}"
    assert entry["command"] == "serve ${HOST:?HOST is required: set it in .env}"


def test_an_undeclared_reference_is_refused() -> None:
    with pytest.raises(ComposeError, match=r"`\$\{NOPE\}` names no variable"):
        compose_text("${NOPE}", declared().variables)


@pytest.mark.parametrize(
    ("default", "match"),
    [("a}b", "holds `}`"), ("a${b", r"holds `\$\{`"), ("}", "holds `}`")],
)
def test_a_default_compose_cannot_read_back_is_refused(default: str, match: str) -> None:
    spec = spec_of(
        {"app": {"image": "app:1", "command": "run ${V}"}}, variables={"V": {"default": default}}
    )
    with pytest.raises(ComposeError, match=match) as error:
        loaded(spec)
    assert "services.app.command" in str(error.value)
    assert default not in str(error.value).split("holds")[0]


def test_a_default_with_a_question_mark_after_a_question_mark_is_refused() -> None:
    # Older compose v2 releases take the kind of every interpolation of a string from its
    # first `?` or `-`: a `?` first makes `${Q:-a?b}` a required variable named `Q:-a`.
    variables = spec_of({"app": {"image": "a"}}, variables={"Q": {"default": "a?b"}}).variables
    assert compose_text("x-${Q}?", variables) == "x-${Q:-a?b}?"
    assert compose_text("${Q}", variables) == "${Q:-a?b}"
    with pytest.raises(ComposeError, match="holding `\\?`"):
        compose_text("why? ${Q}", variables)


def test_references_in_every_kind_of_value() -> None:
    spec = spec_of(
        {
            "db": {
                "image": "postgres:${TAG}",
                "ports": ["${PORT}:5432"],
                "environment": {"URL": "${URL}", "TOKEN": "${TOKEN}"},
                "volumes": ["${DATA_DIR}:/data", "./${SUB}:/sub"],
                "healthcheck": {"test": "pg_isready", "retries": "${RETRIES}", "interval": "${I}"},
                "memory": "${MEM}",
                "pids_limit": "${PIDS}",
                "stop_grace_period": "${GRACE}",
                "command": ["postgres", "-c", "max_connections=${CONN}"],
            }
        },
        variables={
            "TAG": {"default": "15"},
            "PORT": {"default": "5433"},
            "URL": {"default": "postgres://db/app?sslmode=disable"},
            "TOKEN": {"required": True},
            "DATA_DIR": {"default": "/srv/data"},
            "SUB": {"default": "sub"},
            "RETRIES": {"default": "3"},
            "I": {"default": "10s"},
            "MEM": {"default": "256m"},
            "PIDS": {"default": "100"},
            "GRACE": {"default": "30s"},
            "CONN": {"default": "200"},
        },
    )
    db = service(spec, "db", spec_dir="../../specs/demo")
    assert db["image"] == "postgres:${TAG:-15}"
    assert db["ports"] == ["${PORT:-5433}:5432"]
    assert db["environment"] == {
        "URL": "${URL:-postgres://db/app?sslmode=disable}",
        "TOKEN": "${TOKEN:?TOKEN is required: set it in .env}",
    }
    # A source that starts with a variable is the variable's to say: not rebased.
    assert db["volumes"] == ["${DATA_DIR:-/srv/data}:/data", "../../specs/demo/${SUB:-sub}:/sub"]
    assert db["healthcheck"]["retries"] == "${RETRIES:-3}"
    assert db["healthcheck"]["interval"] == "${I:-10s}"
    assert db["mem_limit"] == "${MEM:-256m}"
    assert db["pids_limit"] == "${PIDS:-100}"
    assert db["stop_grace_period"] == "${GRACE:-30s}"
    assert db["command"][2] == "max_connections=${CONN:-200}"


def test_a_named_volume_through_a_variable_is_refused() -> None:
    spec = spec_of(
        {"app": {"image": "app:1", "volumes": ["data_${ENV}:/data"]}},
        variables={"ENV": {"default": "dev"}},
    )
    with pytest.raises(ComposeError, match="does not interpolate the keys"):
        loaded(spec)


def test_a_key_with_a_literal_dollar_is_written_as_it_reads() -> None:
    spec = spec_of({"app": {"image": "app:1", "x-compose": {"x-a$b": "$x", "x-c$${d": "e"}}})
    app = service(spec)
    assert app["x-a$b"] == "$$x"  # compose interpolates values only
    assert app["x-c${d"] == "e"


# --- real tools on a spec that uses every key --------------------------------------------

EVERY_KEY: dict[str, Any] = {
    "stagespec": 1,
    "project": "every",
    "variables": {
        "TAG": {"default": "1.25-alpine", "description": "image tag"},
        "WEB_PORT": {"default": "8080"},
        "RETRIES": {"default": "3"},
        "GRACE": {"default": "20s"},
        "EXTRA": None,
    },
    "networks": {
        "front": {
            "name": "every-front",
            "driver": "bridge",
            "driver_opts": {"com.docker.network.bridge.name": "br-every"},
            "attachable": True,
            "ipam": {
                "driver": "default",
                "config": [
                    {
                        "subnet": "172.29.0.0/16",
                        "gateway": "172.29.0.1",
                        "ip_range": "172.29.5.0/24",
                        "aux_addresses": {"router": "172.29.1.5"},
                    }
                ],
                "options": {"foo": "bar"},
            },
            "labels": {"tier": "front"},
        },
        "back": {"internal": True},
        "shared": {"external": True, "name": "every-shared"},
        "v6": {"enable_ipv6": True},
        "plain": None,
    },
    "volumes": {
        "data": {
            "driver": "local",
            "driver_opts": {"type": "none", "o": "bind", "device": "/srv/every"},
            "labels": {"backup": "daily"},
        },
        "vhost.d": None,
        "ext": {"external": True, "name": "every-ext"},
        "named": {"name": "every-named"},
    },
    "secrets": {"db_pw": {"file": "./secrets/db.txt"}, "api_token": {"env": "API_TOKEN"}},
    "services": {
        "db": {
            "image": "postgres:16",
            "container_name": "every-db",
            "hostname": "db",
            "platform": "linux/amd64",
            "pull_policy": "missing",
            "profiles": ["core"],
            "expose": ["5432", "9000-9010/udp"],
            "env_file": ["./db.env"],
            "environment": {"POSTGRES_PASSWORD": {"secret": "db_pw"}, "discovery.type": "x"},
            "volumes": [
                "data:/var/lib/postgresql/data:z",
                "/var/cache/anon",
                ".:/src:ro,cached",
                "vhost.d:/etc/nginx/vhost.d",
                "ext:/ext:nocopy",
                "named:/named",
            ],
            "tmpfs": ["/run:size=64m"],
            "secrets": [
                "db_pw",
                {"secret": "api_token", "target": "/etc/token", "uid": "999", "gid": "999"},
                {"secret": "api_token", "target": "token2", "mode": 0o440},
            ],
            "healthcheck": {
                "test": ["CMD", "pg_isready"],
                "interval": "10s",
                "timeout": "5s",
                "retries": "${RETRIES}",
                "start_period": "5s",
                "start_interval": "1s",
            },
            "networks": {
                "front": {"aliases": ["database"], "ipv4_address": "172.29.5.10"},
                "back": None,
                "v6": None,
            },
            "restart": "always",
        },
        "migrate": {
            "image": "app:${TAG}",
            "command": ["migrate", "$HOME", "$${NOT_A_VAR}"],
            "networks": ["back"],
            "restart": "no",
        },
        "cache": {"image": "redis:7", "networks": ["back"], "links": ["db:database"]},
        "web": {
            "image": "registry.example/web:${TAG}",
            "build": {
                "context": "./web",
                "dockerfile": "Dockerfile",
                "target": "prod",
                "args": {"VERSION": "${TAG}", "FROM_ENV": None},
            },
            "entrypoint": ["/entry.sh"],
            "command": "serve --port 80",
            "working_dir": "/app",
            "user": "1000:1000",
            "ports": ["${WEB_PORT}:80"],
            "depends_on": {
                "db": {"condition": "healthy", "restart": True},
                "migrate": "completed",
                "cache": {"condition": "started", "required": False},
            },
            "networks": ["front", "back", "shared", "plain"],
            "extra_hosts": ["host.docker.internal:host-gateway"],
            "memory": "512m",
            "shm_size": "256m",
            "pids_limit": 100,
            "ulimits": {"nofile": {"soft": 1024, "hard": 2048}, "nproc": 512},
            "cap_add": ["NET_ADMIN"],
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges:true"],
            "devices": ["/dev/fuse:/dev/fuse"],
            "privileged": True,
            "read_only": True,
            "init": True,
            "stdin_open": True,
            "tty": True,
            "labels": {"traefik.enable": "true", "extra": "${EXTRA}"},
            "logging": {"driver": "json-file", "options": {"max-size": "10m"}},
            "stop_signal": "SIGTERM",
            "stop_grace_period": "${GRACE}",
            "restart": "on-failure:3",
            "x-compose": {"extra_hosts": ["db.local:10.0.0.2"], "deploy": {"replicas": 1}},
        },
        "sidecar": {
            "image": "busybox:1.36",
            "network_mode": "host",
            "healthcheck": {"disable": True},
        },
    },
    "x-compose": {"x-owner": {"team": "core"}},
}

# What docker-compose 1.29 does not know (compose v2 does): removed for its check.
NEWER_THAN_1_29 = {
    ("services", "db", "healthcheck", "start_interval"),
    ("services", "db", "pull_policy"),  # `missing`: 1.29 knows `if_not_present`
    ("services", "web", "depends_on", "db", "restart"),
    ("services", "web", "depends_on", "cache", "required"),
    ("secrets", "api_token"),  # an env-sourced secret as a file: `environment:`
}


def write_every_key(directory: Path) -> Path:
    spec = validate_spec(copy.deepcopy(EVERY_KEY))
    files = compose.render(BuildInput(spec, "stack.yaml"))
    (directory / compose.FILENAME).write_bytes(files[compose.FILENAME])
    (directory / "web").mkdir()
    (directory / "secrets").mkdir()
    (directory / "secrets" / "db.txt").write_text("dummy\n")
    (directory / "db.env").write_text("A=1\n")
    return directory / compose.FILENAME


def test_every_key_reaches_the_compose_file(tmp_path: Path) -> None:
    data = yaml.safe_load(write_every_key(tmp_path).read_text())
    web = data["services"]["web"]
    model_keys = set(EVERY_KEY["services"]["web"]) - {"memory", "x-compose"}
    assert model_keys | {"mem_limit", "deploy"} == set(web)
    assert web["extra_hosts"] == ["db.local:10.0.0.2"]  # x-compose replaced the list
    assert web["labels"] == {"traefik.enable": "true", "extra": "${EXTRA:-}"}
    assert data["services"]["migrate"]["command"] == ["migrate", "$$HOME", "$${NOT_A_VAR}"]
    assert "restart" not in data["services"]["migrate"]
    assert data["x-owner"] == {"team": "core"}
    assert set(data["networks"]) == {"front", "back", "shared", "v6", "plain"}


def _tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        pytest.skip(f"{name} is not installed")
    return tool


@pytest.mark.tools
def test_compose_spec_schema_accepts_every_key(tmp_path: Path) -> None:
    path = write_every_key(tmp_path)
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _without(data: Any, paths: set[tuple[Any, ...]]) -> Any:
    data = copy.deepcopy(data)
    for path in sorted(paths, key=lambda p: [str(k) for k in p], reverse=True):
        node = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return data


@pytest.mark.tools
def test_docker_compose_accepts_what_it_knows_of_every_key(tmp_path: Path) -> None:
    tool = _tool("docker-compose")
    path = write_every_key(tmp_path)
    data = _without(yaml.safe_load(path.read_text()), NEWER_THAN_1_29)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    result = subprocess.run(
        [tool, "-f", path.name, "config", "-q"],
        cwd=tmp_path,
        env=env | {"API_TOKEN": "dummy"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
