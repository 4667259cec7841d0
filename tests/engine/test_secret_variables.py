"""Secret variables (`variables.NAME.secret`): no build writes their value.

Compose reads them from the host at deploy time, as any variable; the Kubernetes build,
which substitutes the others, reads them from a Secret at run time: `$(NAME)` where the
kubelet expands it, `${NAME}` where a shell does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stagespec.engine.build import render_all, target_specs
from stagespec.engine.validate import validate_file
from stagespec.engine.variables import VariableError
from stagespec.load.document import load_path
from stagespec.model.validator import validate_spec
from stagespec.plan import secretvars
from stagespec.targets.k8s import K8sError, no_markers

SPEC = """\
stagespec: 1
project: demo
variables:
  TAG: {default: "1.0"}
  CACHE_SIZE: {default: 64mb}
  REDIS_AUTH: {required: true, secret: true}
  DB_PASSWORD: {required: true, secret: true}
secrets:
  db_password: {env: DB_PASSWORD}
services:
  cache:
    image: redis:7-alpine
    command: redis-server --requirepass ${REDIS_AUTH} --save "" --maxmemory ${CACHE_SIZE}
    healthcheck:
      test: [CMD-SHELL, "redis-cli -a ${REDIS_AUTH} ping | grep -q PONG"]
  app:
    image: example/app:${TAG}
    entrypoint: ["/bin/app", "--price=$5", "--auth=${REDIS_AUTH}"]
    command: ["serve", "--cache=redis://:${REDIS_AUTH}@cache:6379"]
    environment:
      LOG: info
      CACHE_URL: "redis://:${REDIS_AUTH}@cache:6379/0"
      AUTH_COPY: ${REDIS_AUTH}
      DB_PASSWORD: {secret: db_password}
      DSN: "postgres://app:${DB_PASSWORD}@db/app"
"""


def _k8s(tmp_path: Path, text: str, **given: str) -> dict[str, str]:
    path = tmp_path / "stack.yaml"
    path.write_text(text)
    result = validate_file(path)
    assert not result.has_errors, [d.format() for d in result.diagnostics]
    assert result.document is not None
    parsed = target_specs(result.document, "k8s", variables=given)
    files = render_all(result.document, path, tmp_path / "out", target="k8s", parsed=parsed)
    return {name: content.decode() for name, content in files.items()}


def _container(files: dict[str, str], name: str) -> dict[str, Any]:
    for item in yaml.safe_load_all(files[f"{name}.yaml"]):
        if item["kind"] in ("Deployment", "StatefulSet"):
            container: dict[str, Any] = item["spec"]["template"]["spec"]["containers"][0]
            return container
    raise AssertionError(name)


def _ref(secret: str) -> dict[str, Any]:
    return {"secretKeyRef": {"name": secret, "key": "value"}}


def test_kubelet_and_shell_references_never_a_value(tmp_path: Path) -> None:
    files = _k8s(tmp_path, SPEC)
    cache = _container(files, "cache")
    args = ["redis-server", "--requirepass", "$(REDIS_AUTH)", "--save", "", "--maxmemory"]
    assert cache["args"] == [*args, "64mb"]
    assert cache["env"] == [{"name": "REDIS_AUTH", "valueFrom": _ref("redis-auth")}]
    shell = ["sh", "-c", "redis-cli -a ${REDIS_AUTH} ping | grep -q PONG"]
    assert cache["readinessProbe"]["exec"]["command"] == shell
    assert cache["livenessProbe"]["exec"]["command"] == shell
    # where env is when the service sets one: after the ports, before the probes
    assert list(cache)[:6] == ["name", "image", "args", "ports", "env", "readinessProbe"]
    app = _container(files, "app")
    # a literal `$`, escaped; a secret variable, the kubelet's reference
    assert app["command"] == ["/bin/app", "--price=$$5", "--auth=$(REDIS_AUTH)"]
    assert app["args"] == ["serve", "--cache=redis://:$(REDIS_AUTH)@cache:6379"]
    env = {entry["name"]: entry for entry in app["env"]}
    # the kubelet expands a reference only to an earlier entry: the variable comes first
    assert app["env"][0] == {"name": "REDIS_AUTH", "valueFrom": _ref("redis-auth")}
    assert env["CACHE_URL"] == {"name": "CACHE_URL", "value": "redis://:$(REDIS_AUTH)@cache:6379/0"}
    assert env["AUTH_COPY"] == {"name": "AUTH_COPY", "valueFrom": _ref("redis-auth")}
    # a variable that is a secret's source is read from that secret's Secret, once
    assert env["DB_PASSWORD"] == {"name": "DB_PASSWORD", "valueFrom": _ref("db-password")}
    names = [entry["name"] for entry in app["env"]]
    assert names.index("DB_PASSWORD") < names.index("DSN") and names.count("DB_PASSWORD") == 1
    assert env["DSN"]["value"] == "postgres://app:$(DB_PASSWORD)@db/app"
    readme = files["README.md"]
    assert 'kubectl create secret generic redis-auth --from-literal=value="$REDIS_AUTH"' in readme
    assert 'secret generic db-password --from-literal=value="$DB_PASSWORD"' in readme
    assert all("\ue000" not in text and "\ue001" not in text for text in files.values())


def test_compose_reads_them_from_the_host(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(SPEC)
    result = validate_file(path)
    assert result.document is not None
    files = render_all(result.document, path, tmp_path / "out")
    compose = files["docker-compose.yml"].decode()
    assert "--requirepass ${REDIS_AUTH:?REDIS_AUTH is required: set it in .env}" in compose
    example = files[".env.example"].decode()
    assert "# optional; this is its default\nCACHE_SIZE=64mb\n" in example
    assert "# secret: set it on the host, never commit\nREDIS_AUTH=\n" in example
    assert example.index("CACHE_SIZE=") < example.index("REDIS_AUTH=")  # in name order
    assert example.count("DB_PASSWORD=") == 1  # a secret's source is listed once


def test_var_is_refused_for_a_secret_variable(tmp_path: Path) -> None:
    with pytest.raises(VariableError) as caught:
        _k8s(tmp_path, SPEC, REDIS_AUTH="hunter2-hunter2")
    assert str(caught.value) == (
        "--var REDIS_AUTH: variable REDIS_AUTH is secret, and a build never writes a secret's "
        "value: the Kubernetes manifests read it from a Secret at run time (the build's "
        "README.md says which to create)"
    )


@pytest.mark.parametrize(
    ("where", "path"),
    [
        ("    image: example/app:${REDIS_AUTH}\n", "services.app.image"),
        ("    labels: {auth: '${REDIS_AUTH}'}\n", "services.app.labels.auth"),
        ("    working_dir: /srv/${REDIS_AUTH}\n", "services.app.working_dir"),
    ],
)
def test_used_where_no_secret_can_be_read(tmp_path: Path, where: str, path: str) -> None:
    text = SPEC.replace("    image: example/app:${TAG}\n", where + "    image: example/app:1\n")
    if "image:" in where:
        text = SPEC.replace("    image: example/app:${TAG}\n", where)
    with pytest.raises(VariableError) as caught:
        _k8s(tmp_path, text)
    (detail,) = caught.value.details
    assert detail.startswith(f"variable REDIS_AUTH is secret, and is used at {path} (line ")
    assert detail.endswith(
        "where Kubernetes cannot read it from a Secret: use it only in a service's command, "
        "entrypoint, environment or healthcheck test"
    )


def test_exec_form_healthcheck_cannot_expand_one(tmp_path: Path) -> None:
    text = SPEC.replace('[CMD-SHELL, "redis-cli -a ${REDIS_AUTH} ping | grep -q PONG"]',
                        '[CMD, redis-cli, -a, "${REDIS_AUTH}", ping]')  # fmt: skip
    with pytest.raises(K8sError) as caught:
        _k8s(tmp_path, text)
    assert str(caught.value) == (
        "cache: the healthcheck uses secret variable REDIS_AUTH in exec form, and a "
        "Kubernetes probe expands no variable; write the test as CMD-SHELL"
    )


def test_an_environment_key_that_takes_its_name(tmp_path: Path) -> None:
    text = SPEC.replace("      LOG: info\n", "      LOG: info\n      REDIS_AUTH: ${TAG}\n")
    with pytest.raises(K8sError) as caught:
        _k8s(tmp_path, text)
    assert str(caught.value) == (
        "app: `environment` sets REDIS_AUTH, and the secret variable REDIS_AUTH is read into "
        "the container under that name too; rename one"
    )
    same = SPEC.replace("      LOG: info\n", "      LOG: info\n      REDIS_AUTH: ${REDIS_AUTH}\n")
    app = _container(_k8s(tmp_path, same), "app")
    assert [e["name"] for e in app["env"]].count("REDIS_AUTH") == 1


def test_a_secret_that_would_share_its_secret(tmp_path: Path) -> None:
    declared = "  db_password: {env: DB_PASSWORD}\n"
    text = SPEC.replace(declared, declared + "  redis_auth: {env: OTHER}\n")
    with pytest.raises(K8sError, match="secret 'redis_auth' and secret variable REDIS_AUTH"):
        _k8s(tmp_path, text)


def test_a_marker_left_in_any_manifest_is_refused() -> None:
    # the substitution lets a secret variable only where a container resolves it; this
    # guard is for an emitter that would copy such a string elsewhere
    documents: dict[str, list[Any]] = {"a.yaml": [{"data": {"k": "x"}}]}
    no_markers(documents)
    documents["b.yaml"] = [{"data": {"k": f"redis://:{secretvars.marker('S')}@cache"}}]
    with pytest.raises(K8sError, match=r"secret variable S would be written into b\.yaml"):
        no_markers(documents)
    with pytest.raises(K8sError, match=r"secret variable K would be written into c\.yaml"):
        no_markers({"c.yaml": [{"data": {secretvars.marker("K"): "x"}}]})


def test_a_secret_variable_has_no_default(tmp_path: Path) -> None:
    data = yaml.safe_load(SPEC)
    data["variables"]["REDIS_AUTH"]["default"] = "x"
    with pytest.raises(ValueError, match="a secret variable cannot have a default"):
        validate_spec(data)
    path = tmp_path / "stack.yaml"
    path.write_text(
        SPEC.replace("{required: true, secret: true}\n  DB", "{secret: true, default: x}\n  DB")
    )
    assert validate_file(path).has_errors
    assert load_path(path).data["variables"]["REDIS_AUTH"]["secret"] is True


def test_a_secret_of_another_name_read_from_the_variable(tmp_path: Path) -> None:
    # secret `pg` is read from $DB_PASSWORD: the container already has the value, from
    # pg's Secret, so the variable's own Secret is not asked for
    text = SPEC.replace("  db_password: {env: DB_PASSWORD}\n", "  pg: {env: DB_PASSWORD}\n")
    text = text.replace("{secret: db_password}", "{secret: pg}")
    files = _k8s(tmp_path, text)
    app = _container(files, "app")
    names = [entry["name"] for entry in app["env"]]
    assert app["env"][names.index("DB_PASSWORD")]["valueFrom"] == _ref("pg")
    assert names.count("DB_PASSWORD") == 1 and names.index("DB_PASSWORD") < names.index("DSN")
    assert "secret generic db-password" not in files["README.md"]


def test_a_secret_from_another_variable_under_its_name(tmp_path: Path) -> None:
    # env DB_PASSWORD reads secret pg, whose value is $OTHER: not the variable's value
    text = SPEC.replace("  db_password: {env: DB_PASSWORD}\n", "  pg: {env: OTHER}\n")
    text = text.replace("{secret: db_password}", "{secret: pg}")
    with pytest.raises(K8sError, match="`environment` sets DB_PASSWORD"):
        _k8s(tmp_path, text)


def test_the_readme_names_the_variable_as_written(tmp_path: Path) -> None:
    text = SPEC.replace("REDIS_AUTH", "Redis_Auth")
    readme = _k8s(tmp_path, text)["README.md"]
    assert 'secret generic redis-auth --from-literal=value="$Redis_Auth"' in readme
