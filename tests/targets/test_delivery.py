"""Delivery: every file a generated file names is mounted where its reader looks for it.

The runtime module reaches `runtime.service` at `<runtime.path>/<module>.py` (compose: a
read-only bind of the generated file; Kubernetes: a ConfigMap by `subPath`), with that
folder on `PYTHONPATH`; the runtime API key arrives as the module says (a file for a
file-sourced secret, `API_KEY` for an env-sourced one); Prometheus finds each scrape key
file prometheus.yml names. And the committed reference output passes docker-compose 1.29.
"""

from __future__ import annotations

import ast
import contextlib
import os
import posixpath
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import stagespec.targets.compose as compose
import stagespec.targets.k8s as k8s
import stagespec.targets.prometheus as prometheus
import stagespec.targets.runtime as runtime
from stagespec.engine.validate import validate_file
from stagespec.model.spec import Spec
from stagespec.plan import delivery
from stagespec.plan.inputs import BuildInput

ROOT = Path(__file__).parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
SOURCE = "specs/inventario-retail/stack.yaml"
GENERATED = ROOT / "generated" / "inventario-retail"
DASHBOARD = ROOT / "examples" / "dashboard"
ENVIRONMENTS = ("staging", "production")


@pytest.fixture(scope="module")
def reference() -> Spec:
    spec = validate_file(REFERENCE).spec
    assert spec is not None
    return spec


def make_spec(dashboard: dict[str, Any], source: dict[str, str], **settings: Any) -> Spec:
    """A runtime service `app` whose API key and scrape key are one secret from `source`."""
    key = {"secret": "key"}
    service = {"build": "./app", "metrics": {"port": 8080, "api_key": key}, **dashboard}
    own = {"service": "app", "module": "demo_rt", "security": {"api_key": key}, **settings}
    return Spec.model_validate(
        {
            "stagespec": 1,
            "project": "demo",
            "secrets": {"key": source},
            "services": {"app": service},
            "monitoring": {"prometheus": {"image": "prom/prometheus:v3.5.0"}},
            "runtime": own,
        }
    )


ENV_KEY = {"env": "KEY"}
FILE_KEY = {"file": "./secrets/key.txt"}


def compose_service(spec: Spec, name: str = "app") -> dict[str, Any]:
    text = compose.render(BuildInput(spec, SOURCE))[compose.FILENAME]
    service = yaml.safe_load(text)["services"][name]
    assert isinstance(service, dict)
    return service


def k8s_files(spec: Spec) -> dict[str, list[dict[str, Any]]]:
    files = k8s.render(BuildInput(spec, SOURCE))
    return {
        path: [doc for doc in yaml.safe_load_all(text) if doc]
        for path, text in files.items()
        if path.endswith(".yaml")
    }


def pod(files: dict[str, list[dict[str, Any]]], component: str) -> dict[str, Any]:
    kinds = ("Deployment", "StatefulSet")
    (workload,) = [doc for doc in files[f"{component}.yaml"] if doc["kind"] in kinds]
    spec = workload["spec"]["template"]["spec"]
    assert isinstance(spec, dict)
    return spec


def module_constants(spec: Spec) -> dict[str, object]:
    """The module's constants, read from its source (literals only), without running it."""
    (source,) = runtime.render(BuildInput(spec, SOURCE)).values()
    found: dict[str, object] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            with contextlib.suppress(ValueError):
                found[node.target.id] = ast.literal_eval(node.value)
    return found


# --- compose ----------------------------------------------------------------------------


def test_compose_binds_the_module_read_only_on_the_import_path(reference: Spec) -> None:
    service = compose_service(reference, "dashboard")
    assert "./inventario_runtime.py:/app/inventario_runtime.py:ro" in service["volumes"]
    assert service["environment"]["PYTHONPATH"] == "/app"


def test_compose_mounts_the_module_at_runtime_path() -> None:
    spec = make_spec({}, ENV_KEY, path="/srv/code")
    service = compose_service(spec)
    assert service["volumes"] == ["./demo_rt.py:/srv/code/demo_rt.py:ro"]
    assert service["environment"]["PYTHONPATH"] == "/srv/code"


def test_compose_keeps_the_specs_own_pythonpath() -> None:
    spec = make_spec({"environment": {"PYTHONPATH": "/srv/lib:/app"}}, ENV_KEY)
    assert compose_service(spec)["environment"]["PYTHONPATH"] == "/srv/lib:/app"


def test_compose_env_sourced_key_is_the_variable_the_module_names() -> None:
    spec = make_spec({}, ENV_KEY)
    service = compose_service(spec)
    constants = module_constants(spec)
    assert constants["API_KEY_SECRET_FILE"] is None
    assert constants["API_KEY_ENV"] == "API_KEY"
    assert service["environment"]["API_KEY"] == "${KEY:?KEY is required}"
    assert "secrets" not in service  # never `environment:`-sourced: docker-compose 1.29


def test_compose_file_sourced_key_is_mounted_where_the_module_names_it() -> None:
    spec = make_spec({}, FILE_KEY)
    data = yaml.safe_load(compose.render(BuildInput(spec, SOURCE))[compose.FILENAME])
    service = data["services"]["app"]
    constants = module_constants(spec)
    assert constants["API_KEY_ENV"] is None
    assert constants["API_KEY_SECRET_FILE"] == "/run/secrets/key"
    assert service["environment"]["API_KEY_FILE"] == "/run/secrets/key"
    assert "key" in service["secrets"]  # compose mounts a secret at /run/secrets/<name>
    assert data["secrets"]["key"] == {"file": "./secrets/key.txt"}


# --- Kubernetes ---------------------------------------------------------------------------


def test_k8s_mounts_the_module_from_a_config_map(reference: Spec) -> None:
    files = k8s_files(reference)
    (config,) = files["configmap-dashboard-runtime.yaml"]
    spec = pod(files, "dashboard")
    (container,) = spec["containers"]
    mount = {
        "name": "dashboard-runtime",
        "mountPath": "/app/inventario_runtime.py",
        "subPath": "inventario_runtime.py",
        "readOnly": True,
    }
    assert mount in container["volumeMounts"]
    volume = {"name": "dashboard-runtime", "configMap": {"name": config["metadata"]["name"]}}
    assert volume in spec["volumes"]
    assert {"name": "PYTHONPATH", "value": "/app"} in container["env"]
    assert "configmap-dashboard-runtime.yaml" in files["kustomization.yaml"][0]["resources"]


def test_module_in_the_config_map_is_byte_identical(reference: Spec) -> None:
    for environment in ENVIRONMENTS:
        build = BuildInput(reference, SOURCE, environment=environment)
        (module,) = runtime.render(build).values()
        config = yaml.safe_load(k8s.render(build)["configmap-dashboard-runtime.yaml"])
        assert config["data"]["inventario_runtime.py"].encode("utf-8") == module


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_committed_config_map_holds_the_committed_module(environment: str) -> None:
    module = (GENERATED / environment / "inventario_runtime.py").read_bytes()
    k8s_dir = GENERATED.with_name("inventario-retail.k8s") / environment
    config = yaml.safe_load((k8s_dir / "configmap-dashboard-runtime.yaml").read_bytes())
    assert config["data"]["inventario_runtime.py"].encode("utf-8") == module


def test_k8s_env_sourced_key_is_the_variable() -> None:
    (container,) = pod(k8s_files(make_spec({}, ENV_KEY)), "app")["containers"]
    (entry,) = [e for e in container["env"] if e["name"] == "API_KEY"]
    assert entry["valueFrom"]["secretKeyRef"] == {"name": "key", "key": "value"}
    assert not [e for e in container["env"] if e["name"] == "API_KEY_FILE"]


def test_k8s_file_sourced_key_is_a_file_where_the_module_names_it() -> None:
    spec = make_spec({}, FILE_KEY, path="/srv")
    files = k8s_files(spec)
    pod_spec = pod(files, "app")
    (container,) = pod_spec["containers"]
    path = module_constants(spec)["API_KEY_SECRET_FILE"]
    assert path == "/run/secrets/key"
    assert {"name": "API_KEY_FILE", "value": path} in container["env"]
    assert not [e for e in container["env"] if e["name"] == "API_KEY"]
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == path]
    assert mount["readOnly"] and mount["subPath"] == "key"
    (volume,) = [v for v in pod_spec["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"] == {"secretName": "key", "items": [{"key": "value", "path": "key"}]}
    modules = [m for m in container["volumeMounts"] if m["mountPath"] == "/srv/demo_rt.py"]
    assert len(modules) == 1


# --- Prometheus's scrape keys -----------------------------------------------------------


def credential_files(spec: Spec) -> list[str]:
    """Every file prometheus.yml names for a scrape's credentials, whatever the auth form."""
    text = prometheus.render(BuildInput(spec, SOURCE))[prometheus.CONFIG_PATH]
    found: list[str] = []
    for job in yaml.safe_load(text)["scrape_configs"]:
        if file := job.get("authorization", {}).get("credentials_file"):
            found.append(file)
        for header in job.get("http_headers", {}).values():
            found.extend(header.get("files", []))
    return found


@pytest.mark.parametrize("source", [ENV_KEY, FILE_KEY], ids=["env", "file"])
@pytest.mark.parametrize("auth", ["bearer", {"header": "X-API-Key"}], ids=["bearer", "header"])
def test_prometheus_has_every_credentials_file_it_names(
    source: dict[str, str], auth: object
) -> None:
    spec = make_spec(
        {"metrics": {"port": 8080, "api_key": {"secret": "key"}, "auth": auth}}, source
    )
    files = credential_files(spec)
    assert files == ["/run/secrets/key"]
    assert [
        n.path for n in delivery.named_files(spec, "demo_rt.py") if n.reader == "prometheus"
    ] == files
    service = compose_service(spec, "prometheus")
    for path in files:
        secret = posixpath.basename(path)
        if source is ENV_KEY:  # written by its entrypoint into a tmpfs at /run/secrets
            assert service["tmpfs"] == [posixpath.dirname(path)]
            assert f"> {path};" in service["entrypoint"][2]
        else:
            assert secret in service["secrets"]
    (container,) = pod(k8s_files(spec), "prometheus")["containers"]
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/run/secrets"]
    (volume,) = [
        v for v in pod(k8s_files(spec), "prometheus")["volumes"] if v["name"] == mount["name"]
    ]
    items = [i["path"] for s in volume["projected"]["sources"] for i in s["secret"]["items"]]
    assert [f"/run/secrets/{item}" for item in items] == files


def test_reference_named_files(reference: Spec) -> None:
    named = delivery.named_files(reference, "inventario_runtime.py")
    assert [(n.reader, n.path) for n in named] == [
        ("dashboard", "/app/inventario_runtime.py"),
        ("prometheus", "/run/secrets/dashboard_api_key"),
    ]
    assert credential_files(reference) == ["/run/secrets/dashboard_api_key"]


# --- the committed output, with docker-compose 1.29 -----------------------------------


def dotenv_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "=" in line:
            names.add(line.split("=", 1)[0])
    return names


@pytest.mark.tools
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_docker_compose_accepts_the_committed_output(environment: str) -> None:
    """`docker-compose config -q` on generated/, as shipped: the `.env` beside it is read
    by compose itself, and the only variables set here are the secrets' (dummy values, as
    the deploy host's environment would hold the real ones)."""
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("docker-compose is not installed (Debian package docker-compose)")
    if not (DASHBOARD / "Dockerfile").is_file():
        pytest.skip(
            "examples/dashboard/Dockerfile, the reference dashboard's build, is not there yet"
        )
    folder = GENERATED / environment
    spec = validate_file(REFERENCE).spec
    assert spec is not None
    secrets = {source.env for source in spec.secrets.values() if source.env}
    assert not secrets & dotenv_names(folder / ".env")  # .env holds no secret
    base = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    result = subprocess.run(
        [tool, "-f", "docker-compose.yml", "config", "-q"],
        cwd=folder,
        env=base | {name: f"dummy-{name.lower()}" for name in sorted(secrets)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
