"""The Kubernetes emitter: objects, probes, secrets, policies, notes, and kubernetes-validate."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import yaml

from stagespec.engine.build import environment_spec
from stagespec.load.document import load_path
from stagespec.model.spec import Healthcheck, SecretSource, Spec
from stagespec.model.values import Size
from stagespec.plan import alerts
from stagespec.plan.inputs import BuildInput
from stagespec.targets import envfile, grafana, k8s, prometheus
from stagespec.targets.base import header
from stagespec.targets.k8s.names import K8sError, memory_quantity, object_name, unique_names
from stagespec.targets.k8s.readme import secret_users
from stagespec.targets.k8s.workload import probe_command, probes

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
SOURCE = "specs/inventario-retail/stack.yaml"
ENVIRONMENTS = ("staging", "production")
LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
)
STATEFUL = {
    "postgres": ("postgres-data", "/var/lib/postgresql/data"),
    "redis": ("redis-data", "/data"),
    "prometheus": ("prometheus-data", "/prometheus"),
    "grafana": ("grafana-data", "/var/lib/grafana"),
}
Files = dict[str, bytes]


@pytest.fixture(scope="module")
def specs() -> dict[str, Spec]:
    doc = load_path(REFERENCE)
    return {env: environment_spec(doc, env) for env in ENVIRONMENTS}


@pytest.fixture(scope="module")
def outputs(specs: dict[str, Spec]) -> dict[str, Files]:
    return {env: render(spec, env) for env, spec in specs.items()}


@pytest.fixture(scope="module")
def staging(outputs: dict[str, Files]) -> Files:
    return outputs["staging"]


def render(spec: Spec, environment: str = "staging") -> Files:
    return k8s.render(BuildInput(spec, SOURCE, environment))


def make_spec(services: dict[str, Any], **extra: Any) -> Spec:
    return Spec.model_validate({"stagespec": 1, "project": "demo", "services": services, **extra})


def documents(files: Files, path: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(files[path].decode("utf-8")) if doc]


def every_object(files: Files) -> list[dict[str, Any]]:
    paths = [p for p in files if p.endswith(".yaml") and p != k8s.KUSTOMIZATION]
    return [doc for path in paths for doc in documents(files, path)]


def find(files: Files, kind: str, name: str) -> dict[str, Any]:
    found = [d for d in every_object(files) if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name)
    return found[0]


def workload(files: Files, name: str) -> dict[str, Any]:
    found = [d for d in documents(files, f"{name}.yaml") if d["kind"] != "Service"]
    assert len(found) == 1
    return found[0]


def container(files: Files, name: str) -> dict[str, Any]:
    pod = workload(files, name)["spec"]["template"]["spec"]
    assert len(pod["containers"]) == 1
    result: dict[str, Any] = pod["containers"][0]
    return result


def env_of(files: Files, name: str) -> dict[str, Any]:
    return {
        e["name"]: e.get("value", e.get("valueFrom")) for e in container(files, name).get("env", [])
    }


# --- files and kustomization ---------------------------------------------------------------


def test_file_list(staging: Files) -> None:
    assert list(staging) == [
        "configmap-dashboard-settings.yaml",
        "configmap-dashboard-runtime.yaml",
        "configmap-prometheus-config.yaml",
        "configmap-prometheus-rules.yaml",
        "configmap-grafana-datasources.yaml",
        "configmap-grafana-dashboard-providers.yaml",
        "configmap-grafana-dashboards.yaml",
        "postgres.yaml",
        "redis.yaml",
        "dashboard.yaml",
        "prometheus.yaml",
        "grafana.yaml",
        "networkpolicy-postgres.yaml",
        "networkpolicy-redis.yaml",
        "networkpolicy-dashboard.yaml",
        "networkpolicy-prometheus.yaml",
        "networkpolicy-grafana.yaml",
        "kustomization.yaml",
        "README.md",
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_kustomization_lists_every_manifest(outputs: dict[str, Files], env: str) -> None:
    files = outputs[env]
    data = documents(files, k8s.KUSTOMIZATION)[0]
    assert data["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert data["kind"] == "Kustomization"
    manifests = [p for p in files if p not in (k8s.KUSTOMIZATION, k8s.README)]
    assert data["resources"] == manifests  # each exists, each once, in the written order
    assert data["images"] == [{"name": "inventario-retail-dashboard", "newTag": "unset"}]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_yaml_file_starts_with_the_header(outputs: dict[str, Files], env: str) -> None:
    start = header(BuildInput(make_spec({}), SOURCE, env)).encode()
    for path, content in outputs[env].items():
        if path.endswith(".yaml"):
            assert content.startswith(start), path
    assert outputs[env][k8s.README].startswith(b"<!-- generated by stagespec from ")


def test_disabled_services_are_left_out(staging: Files) -> None:
    assert not any("localstack" in path for path in staging)
    components = {
        d["metadata"]["labels"]["app.kubernetes.io/component"] for d in every_object(staging)
    }
    assert components == {"postgres", "redis", "dashboard", "prometheus", "grafana"}


# --- workloads -----------------------------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_named_volumes_make_statefulsets(outputs: dict[str, Files], env: str, name: str) -> None:
    claim, path = STATEFUL[name]
    item = workload(outputs[env], name)
    assert item["kind"] == "StatefulSet"
    assert item["spec"]["serviceName"] == name
    assert find(outputs[env], "Service", name)["spec"]["type"] == "ClusterIP"
    [template] = item["spec"]["volumeClaimTemplates"]
    assert template["metadata"]["name"] == claim
    assert template["spec"] == {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "1Gi"}},
    }
    assert {"name": claim, "mountPath": path} in container(outputs[env], name)["volumeMounts"]


def test_stateless_service_is_a_deployment(staging: Files) -> None:
    item = workload(staging, "dashboard")
    assert item["kind"] == "Deployment"
    assert item["spec"]["replicas"] == 1
    assert "volumeClaimTemplates" not in item["spec"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize(
    ("name", "port"),
    [
        ("postgres", 5432),
        ("redis", 6379),
        ("dashboard", 8080),
        ("prometheus", 9090),
        ("grafana", 3000),
    ],
)
def test_services_have_the_container_ports(
    outputs: dict[str, Files], env: str, name: str, port: int
) -> None:
    # In production postgres and redis publish nothing: their images' ports are used.
    service = find(outputs[env], "Service", name)
    named = f"tcp-{port}"
    assert service["spec"]["ports"] == [
        {"name": named, "port": port, "targetPort": named, "protocol": "TCP"}
    ]
    assert service["spec"]["selector"] == {
        "app.kubernetes.io/instance": "inventario-retail",
        "app.kubernetes.io/component": name,
    }
    ports = container(outputs[env], name)["ports"]
    assert ports == [{"name": named, "containerPort": port, "protocol": "TCP"}]


def test_command_becomes_args(staging: Files) -> None:
    redis = container(staging, "redis")
    assert redis["args"][:3] == ["redis-server", "--maxmemory", "64mb"]
    assert "command" not in redis
    spec = make_spec({"app": {"image": "busybox:1", "command": "sleep 'a b' 10"}})
    assert container(render(spec), "app")["args"] == ["sleep", "a b", "10"]
    with pytest.raises(K8sError, match="cannot be split"):
        render(make_spec({"app": {"image": "busybox:1", "command": "echo 'open"}}))


@pytest.mark.parametrize(
    ("name", "quantity"), [("postgres", "256Mi"), ("redis", "128Mi"), ("dashboard", "512Mi")]
)
def test_memory_is_limit_and_request_in_binary_units(
    staging: Files, name: str, quantity: str
) -> None:
    assert container(staging, name)["resources"] == {
        "limits": {"memory": quantity},
        "requests": {"memory": quantity},
    }


@pytest.mark.parametrize(
    ("size", "quantity"),
    [
        ("512m", "512Mi"),
        ("1g", "1Gi"),
        ("2048m", "2Gi"),
        ("1536m", "1536Mi"),
        ("512k", "512Ki"),
        ("512mb", "512Mi"),
        ("1000b", "1000"),
        (1000, "1000"),
    ],
)
def test_memory_quantity(size: str | int, quantity: str) -> None:
    assert memory_quantity(Size.parse(size)) == quantity


def test_pgdata_is_a_subdirectory_of_the_claim(staging: Files) -> None:
    assert env_of(staging, "postgres")["PGDATA"] == "/var/lib/postgresql/data/pgdata"
    assert "PGDATA" not in env_of(staging, "redis")


def test_pods_get_no_token_and_no_service_links(staging: Files) -> None:
    for name in ("postgres", "dashboard", "prometheus"):
        pod = workload(staging, name)["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        assert pod["enableServiceLinks"] is False


# --- probes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("test", "command"),
    [
        (["CMD", "pg_isready", "-U", "x"], ["pg_isready", "-U", "x"]),
        (["CMD-SHELL", "curl -f http://x || exit 1"], ["sh", "-c", "curl -f http://x || exit 1"]),
        ("wget -qO- http://x", ["sh", "-c", "wget -qO- http://x"]),
        (["redis-cli", "ping"], ["redis-cli", "ping"]),
        (["NONE"], None),
        ([], None),
    ],
)
def test_probe_command(test: str | list[str], command: list[str] | None) -> None:
    assert probe_command(test) == command


def test_reference_probes(staging: Files) -> None:
    postgres = container(staging, "postgres")
    expected = {
        "exec": {
            "command": ["pg_isready", "-U", "inventario_user", "-d", "inventario_retail_staging"]
        },
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "failureThreshold": 5,
    }
    assert postgres["readinessProbe"] == expected
    assert postgres["livenessProbe"] == expected
    dashboard = container(staging, "dashboard")["livenessProbe"]
    assert dashboard["exec"]["command"][:2] == ["python", "-c"]
    assert (dashboard["periodSeconds"], dashboard["failureThreshold"]) == (15, 3)
    assert container(staging, "prometheus")["readinessProbe"]["httpGet"] == {
        "path": "/-/ready",
        "port": "tcp-9090",
    }
    assert container(staging, "grafana")["livenessProbe"]["httpGet"]["path"] == "/api/health"


def test_probe_timing_defaults_and_rounding() -> None:
    check = Healthcheck.model_validate({"test": ["CMD", "true"]})
    probe = probes(check)["readinessProbe"]
    assert (probe["periodSeconds"], probe["timeoutSeconds"], probe["failureThreshold"]) == (
        30,
        30,
        3,
    )
    assert "initialDelaySeconds" not in probe
    timed = Healthcheck.model_validate(
        {"test": "true", "interval": "1500ms", "timeout": "200ms", "start_period": "1m"}
    )
    probe = probes(timed)["livenessProbe"]
    assert (probe["periodSeconds"], probe["timeoutSeconds"]) == (2, 1)
    assert probe["initialDelaySeconds"] == 60
    # a start period of 0 is no delay (the periods and timeouts are at least 1 s)
    started = probes(Healthcheck.model_validate({"test": "true", "start_period": "0s"}))
    assert started["readinessProbe"]["initialDelaySeconds"] == 0
    assert probes(Healthcheck.model_validate({"test": ["NONE"]})) == {}
    assert probes(None) == {}


# --- secrets -------------------------------------------------------------------------------


def test_secrets_are_referenced_by_name_only(staging: Files) -> None:
    env = env_of(staging, "dashboard")
    assert env["DB_PASSWORD"] == {"secretKeyRef": {"name": "postgres-password", "key": "value"}}
    assert env["OPENAI_API_KEY"] == {"secretKeyRef": {"name": "openai-api-key", "key": "value"}}
    assert env["API_KEY"] == {"secretKeyRef": {"name": "dashboard-api-key", "key": "value"}}
    assert env_of(staging, "grafana")["GF_SECURITY_ADMIN_PASSWORD"] == {
        "secretKeyRef": {"name": "grafana-admin-password", "key": "value"}
    }
    assert not [d for d in every_object(staging) if d["kind"] == "Secret"]


def test_scrape_credentials_come_from_a_secret_volume(staging: Files) -> None:
    pod = workload(staging, "prometheus")["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == "scrape-credentials")
    assert volume["projected"]["sources"] == [
        {
            "secret": {
                "name": "dashboard-api-key",
                "items": [{"key": "value", "path": "dashboard_api_key"}],
            }
        }
    ]
    mounts = pod["containers"][0]["volumeMounts"]
    assert {"name": "scrape-credentials", "mountPath": "/run/secrets", "readOnly": True} in mounts
    config = documents(staging, "configmap-prometheus-config.yaml")[0]["data"]["prometheus.yml"]
    assert "- /run/secrets/dashboard_api_key" in config  # the X-API-Key header's file


def test_no_secret_value_reaches_any_file(
    specs: dict[str, Spec], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    canary = "canary-3f9a1c"
    for var in (
        "POSTGRES_PASSWORD",
        "OPENAI_API_KEY",
        "DASHBOARD_API_KEY",
        "GRAFANA_ADMIN_PASSWORD",
        "S3_SECRET_ACCESS_KEY",
    ):
        monkeypatch.setenv(var, f"{canary}-{var}")
    secret_file = tmp_path / "pg.txt"
    secret_file.write_text(canary)
    spec = specs["staging"]
    secrets = {**spec.secrets, "postgres_password": SecretSource(file=str(secret_file))}
    file_sourced = spec.model_copy(update={"secrets": secrets})
    for each in (*specs.values(), file_sourced):
        for path, content in render(each).items():
            assert canary.encode() not in content, path
    readme = render(file_sourced)[k8s.README].decode()
    assert f"--from-file=value={secret_file}" in readme


def test_readme_lists_secrets_images_and_notes(staging: Files) -> None:
    readme = staging[k8s.README].decode()
    for secret, var in [
        ("postgres-password", "POSTGRES_PASSWORD"),
        ("grafana-admin-password", "GRAFANA_ADMIN_PASSWORD"),
        ("dashboard-api-key", "DASHBOARD_API_KEY"),
    ]:
        assert f'kubectl create secret generic {secret} --from-literal=value="${var}"' in readme
    assert "- `dashboard-api-key`, read by dashboard, prometheus" in readme
    assert "kustomize edit set image inventario-retail-dashboard=REGISTRY/IMAGE:TAG" in readme
    for note in k8s.unsupported(load_spec_staging()):
        assert f"- {note}" in readme


def load_spec_staging() -> Spec:
    return environment_spec(load_path(REFERENCE), "staging")


# --- config maps ---------------------------------------------------------------------------


def test_runtime_settings_configmap(staging: Files, specs: dict[str, Spec]) -> None:
    data = documents(staging, "configmap-dashboard-settings.yaml")[0]["data"]
    expected = {
        key: value
        for title, settings in envfile.sections(specs["staging"])
        for key, value in settings
        if key != "COMPOSE_PROJECT_NAME"
    }
    assert data == expected
    assert data["CSP_POLICY"] == "default-src 'self'"
    assert container(staging, "dashboard")["envFrom"] == [
        {"configMapRef": {"name": "dashboard-settings"}}
    ]
    annotations = workload(staging, "dashboard")["spec"]["template"]["metadata"]["annotations"]
    assert len(annotations["checksum/config"]) == 64


def test_monitoring_files_are_configmaps(staging: Files, specs: dict[str, Spec]) -> None:
    build = BuildInput(specs["staging"], SOURCE, "staging")
    generated = prometheus.render(build) | grafana.render(build)
    maps = {
        "configmap-prometheus-config.yaml": {"prometheus.yml": prometheus.CONFIG_PATH},
        "configmap-prometheus-rules.yaml": {"stagespec-alerts.yml": prometheus.RULES_PATH},
        "configmap-grafana-datasources.yaml": {"datasources.yml": grafana.DATASOURCES_PATH},
        "configmap-grafana-dashboards.yaml": {
            "inventario-retail.json": "grafana/dashboards/inventario-retail.json"
        },
    }
    for path, keys in maps.items():
        data = documents(staging, path)[0]["data"]
        assert data == {key: generated[source].decode() for key, source in keys.items()}


@pytest.mark.parametrize(
    ("name", "mount"),
    [
        (
            "prometheus",
            {
                "name": "prometheus-config",
                "mountPath": "/etc/prometheus/prometheus.yml",
                "subPath": "prometheus.yml",
                "readOnly": True,
            },
        ),
        (
            "prometheus",
            {"name": "prometheus-rules", "mountPath": "/etc/prometheus/rules", "readOnly": True},
        ),
        (
            "grafana",
            {
                "name": "grafana-datasources",
                "mountPath": "/etc/grafana/provisioning/datasources",
                "readOnly": True,
            },
        ),
        (
            "grafana",
            {
                "name": "grafana-dashboards",
                "mountPath": "/var/lib/grafana/dashboards",
                "readOnly": True,
            },
        ),
    ],
)
def test_monitoring_mounts(staging: Files, name: str, mount: dict[str, Any]) -> None:
    assert mount in container(staging, name)["volumeMounts"]
    pod = workload(staging, name)["spec"]["template"]["spec"]
    assert {"name": mount["name"], "configMap": {"name": mount["name"]}} in pod["volumes"]


def test_monitoring_flags_and_variables(staging: Files) -> None:
    assert container(staging, "prometheus")["args"] == [
        "--config.file=/etc/prometheus/prometheus.yml",
        "--storage.tsdb.path=/prometheus",
        "--storage.tsdb.retention.time=7d",
    ]
    env = env_of(staging, "grafana")
    assert env["GF_SECURITY_ADMIN_USER"] == "admin"
    assert env["GF_INSTALL_PLUGINS"] == "redis-datasource"


# --- labels and network policies -------------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_labels_and_selectors(outputs: dict[str, Files], env: str) -> None:
    for item in every_object(outputs[env]):
        object_labels = item["metadata"]["labels"]
        assert tuple(object_labels) == LABELS
        assert object_labels["app.kubernetes.io/managed-by"] == "stagespec"
        assert object_labels["app.kubernetes.io/instance"] == "inventario-retail"
        assert object_labels["app.kubernetes.io/part-of"] == "inventario-retail"
        if item["kind"] in ("Deployment", "StatefulSet"):
            selector = item["spec"]["selector"]["matchLabels"]
            assert set(selector) == {"app.kubernetes.io/instance", "app.kubernetes.io/component"}
            template_labels = item["spec"]["template"]["metadata"]["labels"]
            assert selector.items() <= template_labels.items()
    assert find(outputs[env], "StatefulSet", "postgres")["metadata"]["labels"][LABELS[0]] == (
        "postgres"
    )


def policy_rules(files: Files, name: str) -> list[dict[str, Any]]:
    policy = documents(files, f"networkpolicy-{name}.yaml")[0]
    assert policy["kind"] == "NetworkPolicy"
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == name
    rules: list[dict[str, Any]] = policy["spec"].get("ingress", [])
    return rules


PROJECT_PODS = [
    {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "inventario-retail"}}}
]


def pods_of(component: str) -> list[dict[str, Any]]:
    labels = {
        "app.kubernetes.io/instance": "inventario-retail",
        "app.kubernetes.io/component": component,
    }
    return [{"podSelector": {"matchLabels": labels}}]


def tcp(port: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port}]


@pytest.mark.parametrize(
    ("env", "name", "rules"),
    [
        ("staging", "postgres", [{"ports": tcp(5432)}]),
        ("production", "postgres", [{"from": PROJECT_PODS, "ports": tcp(5432)}]),
        ("production", "redis", [{"from": PROJECT_PODS, "ports": tcp(6379)}]),
        ("production", "dashboard", [{"ports": tcp(8080)}]),
        ("production", "prometheus", [{"from": pods_of("grafana"), "ports": tcp(9090)}]),
        ("production", "grafana", [{"ports": tcp(3000)}]),
    ],
)
def test_network_policies(
    outputs: dict[str, Files], env: str, name: str, rules: list[dict[str, Any]]
) -> None:
    assert policy_rules(outputs[env], name) == rules


def test_network_policy_denies_what_nothing_uses() -> None:
    files = render(
        make_spec(
            {
                "app": {"image": "a:1", "depends_on": ["db"], "metrics": {"port": 9100}},
                "db": {"image": "postgres:16"},
                "worker": {"image": "w:1", "ports": ["7000"]},
            },
            monitoring={"prometheus": {"image": "prom/prometheus:v2.54.1"}},
        )
    )
    assert policy_rules(files, "worker") == []  # a container port alone publishes nothing
    scraped = policy_rules(files, "app")
    assert [r["ports"] for r in scraped] == [tcp(9100)]
    assert scraped[0]["from"][0]["podSelector"]["matchLabels"][LABELS[2]] == "prometheus"
    assert policy_rules(files, "db")[0]["ports"] == tcp(5432)


@pytest.mark.parametrize(
    ("port", "opened"),
    [
        ("7001:7000", True),
        ("0.0.0.0:7001:7000", True),
        ("127.0.0.1:7001:7000", False),
        ("[::1]:7001:7000", False),
        ("7000", False),
    ],
)
def test_only_host_ports_reachable_from_outside_open_to_anywhere(port: str, opened: bool) -> None:
    files = render(make_spec({"app": {"image": "a:1", "ports": [port]}}))
    assert policy_rules(files, "app") == ([{"ports": tcp(7000)}] if opened else [])


# --- what cannot be expressed --------------------------------------------------------------


def test_unsupported_reference(specs: dict[str, Spec]) -> None:
    notes = k8s.unsupported(specs["staging"])
    assert any("`depends_on` (postgres, redis)" in note for note in notes)
    assert any("host port 5433" in note and "service/postgres 5433:5432" in note for note in notes)
    assert any("host port 3003" in note for note in notes)
    assert any("built from '../../examples/dashboard'" in note for note in notes)
    assert not any("localstack" in note for note in notes)
    production = k8s.unsupported(specs["production"])
    assert any("postgres declares no port: its Service uses 5432" in n for n in production)
    assert not any("host port 5433" in note for note in production)


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ({"restart": "no"}, "`restart: no` has no equivalent"),
        ({"restart": "on-failure"}, "`restart: on-failure` has no equivalent"),
        ({"volumes": ["./conf:/etc/conf:ro"]}, "bind mount './conf' at /etc/conf"),
        ({"environment": {"HOST_VAR": None}}, "variable HOST_VAR is null"),
        ({"healthcheck": {"test": "true", "interval": "500ms"}}, "interval 500ms is rounded up"),
        ({"ports": ["5353:53/udp"]}, "port 53: expose it with a NodePort"),
        ({"ports": ["8000:80"]}, "`kubectl port-forward service/app 8000:80`"),
    ],
)
def test_unsupported_service_keys(service: dict[str, Any], expected: str) -> None:
    spec = make_spec({"app": {"image": "a:1", **service}})
    assert any(expected in note for note in k8s.unsupported(spec))


def test_unsupported_stack_keys() -> None:
    spec = make_spec(
        {
            "my_app": {"image": "a:1", "volumes": ["shared:/a"], "depends_on": ["cache"]},
            "other": {"image": "b:1", "volumes": ["shared:/b"]},
            "cache": {"image": "example/cache:1"},
        },
        volumes={"shared": {"driver": "local"}},
    )
    notes = "\n".join(k8s.unsupported(spec))
    assert "service 'my_app' is 'my-app' in Kubernetes" in notes
    assert "volume 'shared' is mounted by my_app, other" in notes
    assert "uses driver 'local'" in notes
    assert "cache declares no port, and its image's is not known: my_app depend" in notes
    assert "restart" not in notes  # unless-stopped, the default, is what a Deployment does


def test_nothing_unsupported_in_a_plain_stack() -> None:
    spec = make_spec({"app": {"image": "a:1", "ports": ["8080"], "restart": "always"}})
    assert k8s.unsupported(spec) == []
    assert "Nothing: every key maps." in render(spec)[k8s.README].decode()


# --- names -------------------------------------------------------------------------------


def test_underscores_become_hyphens() -> None:
    files = render(make_spec({"my_app": {"image": "a:1", "volumes": ["app_data:/d"]}}))
    item = workload(files, "my-app")
    assert item["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "app-data"
    # A StatefulSet without ports still gets its governing Service: a headless one.
    assert find(files, "Service", "my-app")["spec"]["clusterIP"] == "None"


@pytest.mark.parametrize(
    ("services", "monitoring", "message"),
    [
        ({"a_b": {"image": "x"}, "a-b": {"image": "x"}}, None, "both become 'a-b'"),
        ({"app_": {"image": "x"}}, None, "cannot name a Kubernetes object"),
        ({"prometheus": {"image": "x"}}, {"prometheus": {"image": "p"}}, "clashes with"),
        ({"kustomization": {"image": "x"}}, None, "would both be 'kustomization.yaml'"),
    ],
)
def test_names_that_cannot_be_objects(
    services: dict[str, Any], monitoring: dict[str, Any] | None, message: str
) -> None:
    extra = {"monitoring": monitoring} if monitoring else {}
    with pytest.raises(K8sError, match=message):
        render(make_spec(services, **extra))


def test_object_name() -> None:
    assert object_name("postgres_password", "secret") == "postgres-password"
    with pytest.raises(K8sError):
        object_name("x" * 64, "service")


# --- safety and determinism ----------------------------------------------------------------


@pytest.mark.parametrize(
    "evil",
    [
        "default-src 'self'\nkind: Secret\ndata: {x: eQ==}",
        "a\" b: 'c'\n  nested: true\n---\napiVersion: v1",
        "trailing spaces   \n\tand a tab: here  ",
    ],
)
def test_values_cannot_add_yaml_keys(specs: dict[str, Spec], evil: str) -> None:
    spec = specs["staging"]
    assert spec.runtime is not None
    security = spec.runtime.security.model_copy(update={"csp": evil})
    runtime = spec.runtime.model_copy(update={"security": security})
    services = dict(spec.services)
    services["redis"] = services["redis"].model_copy(update={"environment": {"NOTE": evil}})
    files = render(spec.model_copy(update={"runtime": runtime, "services": services}))
    settings = documents(files, "configmap-dashboard-settings.yaml")
    assert len(settings) == 1
    assert settings[0]["data"]["CSP_POLICY"] == evil
    assert set(settings[0]["data"]) == set(
        documents(render(spec), "configmap-dashboard-settings.yaml")[0]["data"]
    )
    assert env_of(files, "redis")["NOTE"] == evil
    assert [d["kind"] for d in documents(files, "redis.yaml")] == ["Service", "StatefulSet"]


@pytest.mark.parametrize("seed", ["0", "4242"])
def test_is_deterministic(outputs: dict[str, Files], seed: str) -> None:
    def digest(files: Files) -> str:
        return hashlib.sha256(
            b"".join(p.encode() + b"\0" + c for p, c in files.items())
        ).hexdigest()

    code = (
        "import hashlib, sys; from pathlib import Path\n"
        "from stagespec.engine.build import environment_spec\n"
        "from stagespec.load.document import load_path\n"
        "from stagespec.targets import k8s\n"
        "from stagespec.targets.base import BuildInput\n"
        "spec = environment_spec(load_path(Path(sys.argv[1])), sys.argv[3])\n"
        "files = k8s.render(BuildInput(spec, sys.argv[2], sys.argv[3]))\n"
        "data = b''.join(p.encode() + b'\\0' + c for p, c in files.items())\n"
        "print(hashlib.sha256(data).hexdigest())\n"
    )
    for env in ENVIRONMENTS:
        done = subprocess.run(
            [sys.executable, "-c", code, str(REFERENCE), SOURCE, env],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert done.stdout.strip() == digest(outputs[env])


# --- kubernetes-validate -------------------------------------------------------------------


def kitchen_sink() -> Spec:
    """Features the reference stack lacks: headless Service, UDP, string command, ro mount."""
    return make_spec(
        {
            "cache_store": {"image": "memcached:1.6", "volumes": ["cache_data:/data:ro"]},
            "job": {
                "build": {"context": "./job"},
                "command": "run --fast",
                "healthcheck": {"test": ["CMD-SHELL", "test -f /tmp/ok"], "start_period": "20s"},
                "ports": ["127.0.0.1:5353:53/udp"],
                "memory": "1g",
            },
        },
        secrets={"token": {"file": "./token.txt"}},
        runtime={
            "service": "job",
            "module": "job_runtime",
            "security": {"api_key": {"secret": "token"}},
        },
    )


def validator_versions() -> list[str]:
    from kubernetes_validate.utils import latest_version  # type: ignore[import-untyped]

    return ["1.30.0", latest_version()]


@pytest.mark.tools
@pytest.mark.parametrize("case", [*ENVIRONMENTS, "kitchen sink"])
def test_kubernetes_validate_strict(case: str, specs: dict[str, Spec], tmp_path: Path) -> None:
    tool = shutil.which("kubernetes-validate")
    if tool is None:
        pytest.skip("kubernetes-validate is not installed (pip install kubernetes-validate)")
    spec = kitchen_sink() if case == "kitchen sink" else specs[case]
    files = render(spec, case if case in ENVIRONMENTS else "staging")
    paths = []
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        if name.endswith(".yaml") and name != k8s.KUSTOMIZATION:  # not a Kubernetes object
            paths.append(str(tmp_path / name))
    versions = [arg for version in validator_versions() for arg in ("-k", version)]
    result = subprocess.run(
        [tool, "--strict", *versions, *paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ERROR" not in output and "WARN" not in output, output  # WARN: no schema found
    passed = [line for line in output.splitlines() if line.startswith("INFO")]
    assert len(passed) == len(every_object(files)) * len(validator_versions())


# -- growth: the target's work is linear in the number of services ---------------------
# Counted in steps (lines of the emitters run, and comparisons of names), not timed: a
# count is the same on a busy machine, and an `in` on a list shows up as comparisons.

SMALL, LARGE = 200, 1600  # 8x the services: linear work takes about 8x the steps, N * N 64x
MAX_GROWTH = 12
# The emitters and the plan they read (alerts, panels), as one folder held them before.
EMITTERS = (str(Path(k8s.__file__).parents[1]), str(Path(alerts.__file__).parent))


class _Name(str):
    """A name that counts how often it is compared."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        _Name.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def _steps(work: Callable[[], object]) -> int:
    """Lines of the emitters run, plus comparisons of `_Name`s, while `work` runs."""
    lines = 0

    def local(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal lines
        lines += event == "line"
        return local

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        return local if frame.f_code.co_filename.startswith(EMITTERS) else None

    _Name.comparisons = 0
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        work()
    finally:
        sys.settrace(previous)
    return lines + _Name.comparisons


def _growth(work: Callable[[int], Callable[[], object]]) -> float:
    return _steps(work(LARGE)) / _steps(work(SMALL))


def _chain_spec(n: int) -> Spec:
    """n services in a chain of `depends_on`, every one mounting the same named volume;
    every name is a `_Name`."""
    services = {
        f"s{i}": {
            "image": "example/app:1.0",
            "ports": ["8080"],
            "depends_on": [f"s{i - 1}"] if i else [],
            "volumes": ["shared:/data"],
        }
        for i in range(n)
    }
    spec = make_spec(services, volumes={"shared": {}})
    counted = {
        _Name(name): service.model_copy(
            update={"depends_on": [_Name(d) for d in service.depends_on]}
        )
        for name, service in spec.services.items()
    }
    return spec.model_copy(update={"services": counted})


def test_notes_grow_linearly() -> None:
    def notes(n: int) -> Callable[[], object]:
        spec = _chain_spec(n)
        return lambda: k8s.unsupported(spec)

    assert _growth(notes) < MAX_GROWTH


def test_unique_names_grow_linearly() -> None:
    def names(n: int) -> Callable[[], object]:
        spec_names = [f"service_{i}" for i in range(n)]
        return lambda: unique_names(spec_names, "service")

    assert _growth(names) < MAX_GROWTH


def test_secret_readers_grow_linearly() -> None:
    def readers(n: int) -> Callable[[], object]:
        secret = {"env": [{"valueFrom": {"secretKeyRef": {"name": "db-password"}}}]}
        objects = [
            {
                "kind": "Deployment",
                "metadata": {"name": _Name(f"w{i}")},
                "spec": {"template": secret},
            }
            for i in range(n)
        ]
        return lambda: secret_users(objects)

    assert _growth(readers) < MAX_GROWTH


def test_linear_helpers_keep_their_answers() -> None:
    spec = _chain_spec(3)
    notes = k8s.unsupported(spec)
    assert "volume 'shared' is mounted by s0, s1, s2: each StatefulSet" in " ".join(notes)
    with pytest.raises(K8sError, match="'a_b' and 'a-b' both become 'a-b'"):
        unique_names(["a_b", "c", "a-b"], "service")
    objects = [
        {"kind": kind, "metadata": {"name": name}, "spec": {"template": {"secret": {"name": s}}}}
        for kind, name, s in [
            ("Deployment", "b", "x"), ("Service", "z", "x"), ("StatefulSet", "a", "x"),
            ("Deployment", "b", "y"), ("Deployment", "b", "x"),
        ]
    ]  # fmt: skip
    assert secret_users(objects) == {"x": ["b", "a"], "y": ["b"]}
