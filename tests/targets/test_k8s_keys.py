"""The Kubernetes target and the service keys of real stacks: each maps, or is a note."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_k8s import MAX_GROWTH, _steps, find, make_spec, render, validator_versions, workload

from stagespec.model.spec import Spec
from stagespec.targets import k8s
from stagespec.targets.k8s.names import K8sError
from stagespec.targets.k8s.patch import EXTRA_FILE, merged

Files = dict[str, bytes]


def app(**keys: Any) -> Files:
    return render(make_spec({"app": {"image": "example/app:1", **keys}}))


def pod(files: Files, name: str = "app") -> dict[str, Any]:
    result: dict[str, Any] = workload(files, name)["spec"]["template"]["spec"]
    return result


def box(files: Files, name: str = "app") -> dict[str, Any]:
    result: dict[str, Any] = pod(files, name)["containers"][0]
    return result


def notes_of(**keys: Any) -> str:
    return "\n".join(k8s.unsupported(make_spec({"app": {"image": "example/app:1", **keys}})))


# --- mappings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "field", "value"),
    [
        ({"user": "1000"}, "securityContext", {"runAsUser": 1000}),
        ({"user": "1000:2000"}, "securityContext", {"runAsUser": 1000, "runAsGroup": 2000}),
        ({"user": "node:2000"}, "securityContext", {"runAsGroup": 2000}),
        (
            {"cap_add": ["CAP_NET_ADMIN", "SYS_TIME"], "cap_drop": ["ALL"]},
            "securityContext",
            {"capabilities": {"add": ["NET_ADMIN", "SYS_TIME"], "drop": ["ALL"]}},
        ),
        ({"privileged": True}, "securityContext", {"privileged": True}),
        ({"read_only": True}, "securityContext", {"readOnlyRootFilesystem": True}),
        (
            {"security_opt": ["no-new-privileges:true", "seccomp=unconfined"]},
            "securityContext",
            {"allowPrivilegeEscalation": False, "seccompProfile": {"type": "Unconfined"}},
        ),
        ({"entrypoint": "/bin/sh -c"}, "command", ["/bin/sh", "-c"]),
        ({"entrypoint": ["tini", "--"], "command": "run $X"}, "args", ["run", "$$X"]),
        ({"working_dir": "/srv"}, "workingDir", "/srv"),
        ({"pull_policy": "always"}, "imagePullPolicy", "Always"),
        ({"pull_policy": "never"}, "imagePullPolicy", "Never"),
        ({"pull_policy": "missing"}, "imagePullPolicy", "IfNotPresent"),
        ({"pull_policy": "if_not_present"}, "imagePullPolicy", "IfNotPresent"),
        ({"stdin_open": True}, "stdin", True),
        ({"tty": True}, "tty", True),
        ({"environment": {"A": "$(HOME) $$"}}, "env", [{"name": "A", "value": "$$(HOME) $$$$"}]),
    ],
)
def test_container_fields(keys: dict[str, Any], field: str, value: Any) -> None:
    assert box(app(**keys))[field] == value


def test_nothing_new_without_the_keys() -> None:
    container = box(app())
    for field in ("securityContext", "command", "workingDir", "imagePullPolicy", "stdin"):
        assert field not in container
    assert {"hostname", "hostAliases", "nodeSelector", "volumes"}.isdisjoint(pod(app()))


@pytest.mark.parametrize(
    ("keys", "field", "value"),
    [
        ({"hostname": "db1"}, "hostname", "db1"),
        (
            {"extra_hosts": ["a.local:10.0.0.1", "b.local=10.0.0.1", "c=[::1]"]},
            "hostAliases",
            [
                {"ip": "10.0.0.1", "hostnames": ["a.local", "b.local"]},
                {"ip": "::1", "hostnames": ["c"]},
            ],
        ),
        ({"stop_grace_period": "1m30s"}, "terminationGracePeriodSeconds", 90),
        ({"stop_grace_period": "500ms"}, "terminationGracePeriodSeconds", 1),
        (
            {"platform": "linux/arm64"},
            "nodeSelector",
            {"kubernetes.io/os": "linux", "kubernetes.io/arch": "arm64"},
        ),
        ({"network_mode": "host"}, "hostNetwork", True),
        ({"network_mode": "host"}, "dnsPolicy", "ClusterFirstWithHostNet"),
    ],
)
def test_pod_fields(keys: dict[str, Any], field: str, value: Any) -> None:
    assert pod(app(**keys))[field] == value


def test_memory_volumes_and_anonymous_volumes() -> None:
    files = app(tmpfs=["/tmp:size=64m,mode=1777", "/run"], shm_size="1g", volumes=["/cache"])
    assert pod(files)["volumes"] == [
        {"name": "anonymous-0", "emptyDir": {}},
        {"name": "tmpfs-0", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
        {"name": "tmpfs-1", "emptyDir": {"medium": "Memory"}},
        {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
    ]
    assert [(m["name"], m["mountPath"]) for m in box(files)["volumeMounts"]] == [
        ("anonymous-0", "/cache"),
        ("tmpfs-0", "/tmp"),
        ("tmpfs-1", "/run"),
        ("dshm", "/dev/shm"),
    ]
    assert workload(files, "app")["kind"] == "Deployment"  # no claim for these


def test_a_volume_name_with_a_dot_or_capitals_names_valid_objects() -> None:
    proxy = {"image": "example/proxy:1", "volumes": ["vhost.d:/etc/vhost.d", "Certs:/c"]}
    files = render(make_spec({"proxy": proxy}, volumes={"vhost.d": {}, "Certs": {}}))
    claims = workload(files, "proxy")["spec"]["volumeClaimTemplates"]
    assert [claim["metadata"]["name"] for claim in claims] == ["vhost-d", "certs"]


def test_volume_names_that_become_one_are_an_error() -> None:
    spec = make_spec(
        {"app": {"image": "example/app:1", "volumes": ["conf.d:/a", "conf_d:/b"]}},
        volumes={"conf.d": {}, "conf_d": {}},
    )
    with pytest.raises(K8sError, match="both become 'conf-d'"):
        render(spec)


def test_secret_mounts_are_secret_volumes_and_listed_in_the_readme() -> None:
    spec = make_spec(
        {
            "app": {
                "image": "example/app:1",
                "secrets": [
                    "db_pass",
                    {"secret": "tls_key", "target": "key.pem", "mode": 0o400},
                    {"secret": "tls_key", "target": "/etc/tls/key"},
                ],
            }
        },
        secrets={"db_pass": {"env": "DB_PASS"}, "tls_key": {"file": "./key.pem"}},
    )
    files = render(spec)
    mounts = box(files)["volumeMounts"]
    assert [(m["mountPath"], m["subPath"], m["readOnly"]) for m in mounts] == [
        ("/run/secrets/db_pass", "db_pass", True),
        ("/run/secrets/key.pem", "key.pem", True),
        ("/etc/tls/key", "key", True),
    ]
    volumes = pod(files)["volumes"]
    assert volumes[0]["secret"] == {
        "secretName": "db-pass",
        "items": [{"key": "value", "path": "db_pass"}],
    }
    assert volumes[1]["secret"]["items"][0]["mode"] == 0o400
    readme = files[k8s.README].decode()
    assert "- `db-pass`, read by app" in readme and "- `tls-key`, read by app" in readme


def test_expose_becomes_service_and_container_ports() -> None:
    files = app(expose=["3000", "53/udp", "8000-8002"])
    service = find(files, "Service", "app")["spec"]["ports"]
    assert [(p["port"], p["protocol"]) for p in service] == [
        (3000, "TCP"),
        (53, "UDP"),
        (8000, "TCP"),
        (8001, "TCP"),
        (8002, "TCP"),
    ]
    assert len(box(files)["ports"]) == 5


def test_labels_are_pod_labels_or_annotations() -> None:
    files = app(
        labels={
            "tier": "web",
            "traefik.http.routers.app.rule": "Host(`app.example.com`)",
            "com.example/url": "https://example.com/x",
            "app.kubernetes.io/component": "mine",
            "bad key with spaces": "x",
        }
    )
    meta = workload(files, "app")["spec"]["template"]["metadata"]
    assert meta["labels"]["tier"] == "web"
    assert meta["labels"]["app.kubernetes.io/component"] == "app"  # the generated one stays
    assert meta["annotations"] == {
        "traefik.http.routers.app.rule": "Host(`app.example.com`)",
        "com.example/url": "https://example.com/x",
    }
    notes = notes_of(labels={"app.kubernetes.io/component": "x", "bad key": "y"})
    assert "label 'app.kubernetes.io/component' is one the manifests set themselves" in notes
    assert "label 'bad key' is no Kubernetes label or annotation key" in notes


def test_image_beside_build_is_the_image_run() -> None:
    files = render(make_spec({"app": {"build": {"context": "./app", "target": "prod"}}}))
    assert box(files)["image"] == "demo-app:unset"
    assert "images:" in files[k8s.KUSTOMIZATION].decode()
    files = render(make_spec({"app": {"image": "registry.example/app:2", "build": "./app"}}))
    assert box(files)["image"] == "registry.example/app:2"
    assert "images:" not in files[k8s.KUSTOMIZATION].decode()
    notes = notes_of(build="./app")
    assert "built from './app'" in notes and "push it as 'example/app:1'" in notes


def test_healthcheck_disable_is_no_probe() -> None:
    container = box(app(healthcheck={"disable": True}))
    assert "readinessProbe" not in container and "livenessProbe" not in container


# --- notes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"user": "www-data"}, "`user` 'www-data' names a user or group"),
        ({"init": True}, "`init: true` has no equivalent (shareProcessNamespace"),
        ({"stop_signal": "SIGQUIT"}, "`stop_signal: SIGQUIT` has no equivalent"),
        ({"env_file": ["app.env"]}, "`env_file` ('app.env') is read by compose"),
        ({"ulimits": {"nofile": 1024}}, "`ulimits` has no equivalent"),
        ({"pids_limit": 100}, "`pids_limit` has no per-pod equivalent"),
        ({"security_opt": ["label=disable"]}, "`security_opt` 'label=disable' has no"),
        ({"devices": ["/dev/fuse"]}, "`devices` has no equivalent"),
        ({"logging": {"driver": "syslog"}}, "`logging` has no equivalent"),
        ({"pull_policy": "build"}, "`pull_policy: build` has no equivalent"),
        ({"profiles": ["debug"]}, "`profiles` (debug) have no equivalent"),
        ({"links": ["db"]}, "`links` have no equivalent"),
        ({"network_mode": "service:vpn"}, "`network_mode: service:vpn` has no equivalent"),
        ({"container_name": "the-app"}, "`container_name` has no equivalent"),
        ({"entrypoint": []}, "an empty `entrypoint` clears the image's ENTRYPOINT"),
        ({"hostname": "a.example.com"}, "hostname 'a.example.com' is no DNS label"),
        ({"extra_hosts": ["gw:host-gateway"]}, "extra host 'gw' at host-gateway"),
        ({"platform": "linux/arm/v7"}, "the variant of platform 'linux/arm/v7'"),
        ({"tmpfs": ["/t:mode=1777,noexec"]}, "tmpfs /t options mode=1777, noexec"),
        ({"expose": ["1000-2000"]}, "expose '1000-2000' is more than 100 ports"),
        ({"restart": "on-failure:3"}, "`restart: on-failure:3` has no equivalent"),
        (
            {"healthcheck": {"test": "true", "start_interval": "1s"}},
            "start_interval has no equivalent",
        ),
    ],
)
def test_notes(keys: dict[str, Any], expected: str) -> None:
    assert expected in notes_of(**keys)


def test_notes_of_secrets_dependencies_networks_and_volumes() -> None:
    spec = make_spec(
        {
            "app": {
                "image": "example/app:1",
                "secrets": [{"secret": "key", "uid": "100"}],
                "depends_on": {"init": "completed"},
                "networks": {"front": {"aliases": ["www"], "ipv4_address": "10.5.0.5"}},
                "volumes": ["data:/data"],
            },
            "init": {"image": "example/init:1", "networks": ["front"]},
        },
        secrets={"key": {"env": "KEY"}},
        networks={
            "front": {"external": True, "driver": "overlay", "ipam": {"driver": "default"}},
        },
        volumes={"data": {"external": True, "driver_opts": {"type": "nfs"}}},
    )
    notes = "\n".join(k8s.unsupported(spec))
    assert "secrets.0 sets `uid`/`gid`" in notes
    assert "app waits for init to complete" in notes and "run it as a Job" in notes
    assert "on network 'front', aliases and fixed addresses have no equivalent" in notes
    assert "network 'front' is external" in notes
    assert "network 'front': no equivalent of `driver`, `ipam`; left out" in notes
    assert "volume 'data' is external" in notes
    assert "volume 'data': its `driver_opts` and `name` have no equivalent" in notes


# --- networks ------------------------------------------------------------------------------


def _segmented() -> Spec:
    return make_spec(
        {
            "proxy": {"image": "example/proxy:1", "ports": ["80:80"], "networks": ["front"]},
            "api": {
                "image": "example/api:1",
                "ports": ["8000"],
                "networks": ["front", "back"],
                "depends_on": ["db"],
            },
            "db": {"image": "postgres:16", "networks": ["back"]},
            "tool": {"image": "example/tool:1", "ports": ["9000"]},
        },
        networks={"front": None, "back": {"internal": True}},
    )


def test_networks_become_member_policies() -> None:
    files = render(_segmented())
    labels = workload(files, "api")["spec"]["template"]["metadata"]["labels"]
    assert labels["network.stagespec/front"] == "true" == labels["network.stagespec/back"]
    default = workload(files, "tool")["spec"]["template"]["metadata"]["labels"]
    assert default["network.stagespec/default"] == "true"  # no networks: compose's default
    back = find(files, "NetworkPolicy", "network-back")["spec"]
    members = {"app.kubernetes.io/instance": "demo", "network.stagespec/back": "true"}
    assert back["podSelector"] == {"matchLabels": members}
    assert back["ingress"] == [{"from": [{"podSelector": {"matchLabels": members}}]}]
    assert back["policyTypes"] == ["Ingress", "Egress"]
    assert back["egress"][0] == {"to": [{"podSelector": {"matchLabels": members}}]}
    assert back["egress"][1]["ports"] == [
        {"protocol": "UDP", "port": 53},
        {"protocol": "TCP", "port": 53},
    ]
    front = find(files, "NetworkPolicy", "network-front")["spec"]
    assert front["egress"] == [{}]  # on front too, api still reaches the world
    # the dependents' project-wide rule gives way to the networks
    assert "ingress" not in find(files, "NetworkPolicy", "db")["spec"]
    assert find(files, "NetworkPolicy", "proxy")["spec"]["ingress"] == [
        {"ports": [{"protocol": "TCP", "port": 80}]}
    ]
    notes = "\n".join(k8s.unsupported(_segmented()))
    assert "networks (front, back): Kubernetes has one flat pod network" in notes
    assert "network 'back' is internal" in notes


def test_without_internal_networks_egress_is_not_touched() -> None:
    spec = make_spec({"a": {"image": "x:1", "networks": ["n"]}}, networks={"n": None})
    policy = find(render(spec), "NetworkPolicy", "network-n")["spec"]
    assert policy["policyTypes"] == ["Ingress"] and "egress" not in policy


def test_the_single_network_is_unchanged() -> None:
    spec = make_spec(
        {"a": {"image": "x:1", "depends_on": ["b"]}, "b": {"image": "redis:7"}},
        network={"name": "net"},
    )
    files = render(spec)
    assert not [p for p in files if p.startswith("networkpolicy-network-")]
    rules = find(files, "NetworkPolicy", "b")["spec"]["ingress"]
    assert rules[0]["from"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "demo"}}}
    ]


def test_a_network_that_is_no_label_name_is_an_error() -> None:
    spec = make_spec({"a": {"image": "x:1", "networks": ["n-"]}}, networks={"n-": None})
    with pytest.raises(K8sError, match="network 'n-' cannot be a Kubernetes label name"):
        render(spec)


# --- x-kubernetes --------------------------------------------------------------------------


def test_merge_rule() -> None:
    base = {"a": {"b": 1, "c": [1, 2], "d": "x"}, "e": 1}
    patch = {"a": {"b": 2, "c": [3], "d": None, "new": {"x": None, "y": 1}}, "e": None}
    assert merged(base, patch) == {"a": {"b": 2, "c": [3], "new": {"y": 1}}}
    assert base == {"a": {"b": 1, "c": [1, 2], "d": "x"}, "e": 1}  # unchanged


def test_service_patches_merge_into_its_objects() -> None:
    files = app(
        ports=["8080"],
        **{
            "x-kubernetes": {
                "Deployment": {
                    "spec": {
                        "replicas": 3,
                        "template": {
                            "spec": {"nodeSelector": {"disk": "ssd"}, "enableServiceLinks": None}
                        },
                    }
                },
                "Service": {"spec": {"type": "NodePort"}, "metadata": {"annotations": {"a": "b"}}},
                "NetworkPolicy": {"spec": {"policyTypes": ["Ingress", "Egress"]}},
            }
        },
    )
    deployment = workload(files, "app")
    assert deployment["spec"]["replicas"] == 3
    assert pod(files)["nodeSelector"] == {"disk": "ssd"}
    assert "enableServiceLinks" not in pod(files)
    assert pod(files)["automountServiceAccountToken"] is False  # merged, not replaced
    service = find(files, "Service", "app")
    assert service["spec"]["type"] == "NodePort" and service["metadata"]["annotations"] == {
        "a": "b"
    }
    assert service["spec"]["ports"][0]["port"] == 8080
    policy = find(files, "NetworkPolicy", "app")
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"Ingress": {}}, "unknown kind 'Ingress'"),
        ({"StatefulSet": {}}, "patches a StatefulSet, which app does not have .it has: Deployment"),
        ({"Service": {}}, "patches a Service, which app does not have"),
        ({"Deployment": [1]}, "x-kubernetes.Deployment is not a mapping"),
        ({"Deployment": {"kind": None}}, "once merged, has no `kind`"),
    ],
)
def test_bad_patches_are_errors(patch: dict[str, Any], message: str) -> None:
    with pytest.raises(K8sError, match=message):
        app(**{"x-kubernetes": patch})


def test_top_level_objects_are_written_to_their_own_file() -> None:
    extra = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bot"}},
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "app"},
            "spec": {"maxUnavailable": 1},
        },
    ]
    files = render(make_spec({"app": {"image": "x:1"}}, **{"x-kubernetes": extra}))
    assert [d for d in yaml.safe_load_all(files[EXTRA_FILE]) if d] == extra
    resources = yaml.safe_load(files[k8s.KUSTOMIZATION])["resources"]
    assert resources[-1] == EXTRA_FILE


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"kind": "ConfigMap"}, r"x-kubernetes.0 has no `apiVersion`"),
        ({"apiVersion": "v1"}, r"x-kubernetes.0 has no `kind`"),
        ({"apiVersion": "v1", "kind": ""}, r"x-kubernetes.0 has no `kind`"),
    ],
)
def test_top_level_objects_are_checked(item: dict[str, Any], message: str) -> None:
    with pytest.raises(K8sError, match=message):
        render(make_spec({"app": {"image": "x:1"}}, **{"x-kubernetes": [item]}))


# --- kubernetes-validate, and growth ---------------------------------------------------------


def every_key() -> Spec:
    """A spec that uses every key of a service this target maps or notes."""
    return make_spec(
        {
            "web": {
                "image": "example/web:1",
                "pull_policy": "always",
                "platform": "linux/amd64",
                "entrypoint": ["/bin/run"],
                "command": "serve --home $HOME",
                "working_dir": "/srv",
                "user": "1000:1000",
                "cap_add": ["NET_BIND_SERVICE"],
                "cap_drop": ["ALL"],
                "read_only": True,
                "tmpfs": ["/tmp:size=64m"],
                "shm_size": "256m",
                "security_opt": ["no-new-privileges", "seccomp=unconfined", "apparmor=unconfined"],
                "labels": {"tier": "web", "traefik.http.routers.web.rule": "Host(`x.test`)"},
                "init": True,
                "stop_grace_period": "20s",
                "stop_signal": "SIGQUIT",
                "expose": ["3000", "9000-9001/udp"],
                "ports": ["8080:80"],
                "hostname": "web",
                "extra_hosts": ["db.local:10.0.0.5"],
                "secrets": ["token", {"secret": "token", "target": "t.txt", "mode": 0o440}],
                "env_file": ["web.env"],
                "environment": {"discovery.type": "single-node", "PATH_X": "$(PATH)"},
                "networks": {"front": {"aliases": ["www"]}, "back": None},
                "ulimits": {"nofile": {"soft": 1, "hard": 2}},
                "pids_limit": 50,
                "devices": ["/dev/fuse"],
                "logging": {"driver": "json-file"},
                "profiles": ["p"],
                "links": ["db"],
                "container_name": "w",
                "stdin_open": True,
                "tty": True,
                "depends_on": {"db": "healthy", "migrate": {"condition": "completed"}},
                "healthcheck": {"test": ["CMD", "true"], "start_interval": "1s"},
                "volumes": ["/cache"],
                "x-kubernetes": {
                    "Deployment": {"spec": {"replicas": 2}},
                    "Service": {"metadata": {"annotations": {"a": "b"}}},
                },
            },
            "db": {
                "image": "postgres:16",
                "volumes": ["data:/var/lib/postgresql/data"],
                "networks": ["back"],
                "healthcheck": {"test": "pg_isready"},
                "privileged": True,
            },
            "migrate": {
                "image": "example/web:1",
                "restart": "on-failure:2",
                "network_mode": "host",
            },
            "quiet": {"image": "example/q:1", "healthcheck": {"disable": True}},
        },
        secrets={"token": {"env": "TOKEN"}},
        networks={"front": None, "back": {"internal": True}},
        volumes={"data": {"external": True}},
        **{
            "x-kubernetes": [
                {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "extra"}}
            ]
        },
    )


@pytest.mark.tools
def test_kubernetes_validate_strict_every_key(tmp_path: Path) -> None:
    tool = shutil.which("kubernetes-validate")
    if tool is None:
        pytest.skip("kubernetes-validate is not installed (pip install kubernetes-validate)")
    files = render(every_key())
    paths = []
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        if name.endswith(".yaml") and name != k8s.KUSTOMIZATION:
            paths.append(str(tmp_path / name))
    versions = [arg for version in validator_versions() for arg in ("-k", version)]
    result = subprocess.run(
        [tool, "--strict", *versions, *paths], capture_output=True, text=True, timeout=300
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ERROR" not in output and "WARN" not in output, output
    count = sum(1 for p in paths for d in yaml.safe_load_all(Path(p).read_text()) if d)
    passed = [line for line in output.splitlines() if line.startswith("INFO")]
    assert len(passed) == count * len(validator_versions())


def test_render_with_networks_and_patches_grows_linearly() -> None:
    def build(n: int) -> Any:
        services = {
            f"s{i}": {
                "image": "example/app:1",
                "ports": ["8080"],
                "networks": [f"n{i % 7}", "shared"],
                "depends_on": [f"s{i - 1}"] if i else [],
                "secrets": ["token"],
                "labels": {"tier": "x"},
                "x-kubernetes": {"Deployment": {"spec": {"replicas": 2}}},
            }
            for i in range(n)
        }
        networks: dict[str, Any] = {f"n{i}": {"internal": i == 0} for i in range(7)}
        networks["shared"] = None
        spec = make_spec(services, networks=networks, secrets={"token": {"env": "T"}})
        return lambda: (render(spec), k8s.unsupported(spec))

    small, large = _steps(build(40)), _steps(build(320))  # 8x the services
    assert large / small < MAX_GROWTH
