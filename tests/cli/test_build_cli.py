"""`stagespec build` end to end: atomic, deterministic, secret-free, and `--check` aware."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from stagespec.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
COMMITTED = ROOT / "generated" / "inventario-retail"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the reference spec at the same relative path, as the cwd."""
    spec = tmp_path / "specs" / "inventario-retail" / "stack.yaml"
    spec.parent.mkdir(parents=True)
    shutil.copy(REFERENCE, spec)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _build(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("target", ["compose", "k8s"])
def test_committed_output_is_current(target: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "stagespec",
            "build",
            "specs/inventario-retail/stack.yaml",
            "--target",
            target,
            "--check",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "up to date" in done.stdout


def test_k8s_target_writes_its_own_folder_and_reports_what_it_drops(workdir: Path) -> None:
    code, _ = _build("specs/inventario-retail/stack.yaml")
    assert code == 0
    compose = _tree(workdir / "generated" / "inventario-retail")
    code, output = _build("specs/inventario-retail/stack.yaml", "--target", "k8s")
    assert code == 0, output
    out = workdir / "generated" / "inventario-retail.k8s"
    assert {p.split("/")[0] for p in _tree(out)} == {"staging", "production"}
    assert (out / "staging" / "kustomization.yaml").is_file()
    assert _tree(workdir / "generated" / "inventario-retail") == compose  # left alone
    assert "note: dashboard: `depends_on` (postgres, redis) has no equivalent" in output
    assert "in environment 'staging': postgres: host port 5433" in output
    (out / "production" / "redis.yaml").write_text("edited by hand\n")
    code, output = _build("specs/inventario-retail/stack.yaml", "--target", "k8s", "--check")
    assert code == 1
    assert "stagespec build specs/inventario-retail/stack.yaml --target k8s" in output
    assert "note:" not in output  # --check stays quiet for pre-commit


def test_build_then_check(workdir: Path) -> None:
    code, output = _build("specs/inventario-retail/stack.yaml")
    assert code == 0, output
    out = workdir / "generated" / "inventario-retail"
    assert (out / "staging" / "docker-compose.yml").is_file()
    assert (out / "production" / "docker-compose.yml").is_file()
    assert _tree(out) == _tree(COMMITTED)
    assert _build("specs/inventario-retail/stack.yaml", "--check")[0] == 0


@pytest.mark.parametrize("drift", ["hand-edit", "stale", "missing"])
def test_check_catches_drift(workdir: Path, drift: str) -> None:
    assert _build("specs/inventario-retail/stack.yaml")[0] == 0
    out = workdir / "generated" / "inventario-retail" / "staging"
    if drift == "hand-edit":
        compose = out / "docker-compose.yml"
        compose.write_text(compose.read_text().replace("5433:5432", "5434:5432"))
    elif drift == "stale":
        (out / "old-dashboard.json").write_text("{}")
    else:
        (out / ".env").unlink()
    before = _tree(workdir / "generated")
    code, output = _build("specs/inventario-retail/stack.yaml", "--check")
    assert code == 1
    assert "stagespec build specs/inventario-retail/stack.yaml" in output
    expected = {"hand-edit": '+    - "5433:5432"', "stale": "stale file", "missing": "(missing)"}
    assert expected[drift] in output
    assert _tree(workdir / "generated") == before


def test_check_gives_a_command_a_shell_can_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(REFERENCE, tmp_path / "my stack.yaml")
    assert _build("my stack.yaml", "--out", "out dir")[0] == 0
    (tmp_path / "out dir" / "staging" / ".env").unlink()
    code, output = _build("my stack.yaml", "--out", "out dir", "--check")
    assert code == 1
    assert "run `stagespec build 'my stack.yaml' --out 'out dir'` to update it" in output


def test_failed_validation_leaves_output_untouched(workdir: Path) -> None:
    assert _build("specs/inventario-retail/stack.yaml")[0] == 0
    before = _tree(workdir)
    spec = workdir / "specs" / "inventario-retail" / "stack.yaml"
    spec.write_text(spec.read_text().replace("weight: 0.15", "weight: 0.10"))
    before[spec.relative_to(workdir).as_posix()] = spec.read_bytes()
    code, output = _build("specs/inventario-retail/stack.yaml")
    assert code == 1
    assert "SS201" in output and "not built" in output
    assert _tree(workdir) == before


def test_same_output_for_every_hash_seed(workdir: Path) -> None:
    trees = []
    for seed in ("0", "1", "12345"):
        out = workdir / f"out-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "stagespec",
                "build",
                "specs/inventario-retail/stack.yaml",
                "--out",
                str(out),
            ],
            cwd=workdir,
            env=env,
            check=True,
            capture_output=True,
        )
        trees.append(_tree(out))
    assert trees[0] == trees[1] == trees[2]


CANARIES = {
    "POSTGRES_PASSWORD": "canary-pg-7f3a9c",
    "DASHBOARD_API_KEY": "canary-api-51be02",
    "OPENAI_API_KEY": "canary-openai-c0ffee",
    "GRAFANA_ADMIN_PASSWORD": "canary-grafana-9d8e7f",
    "S3_SECRET_ACCESS_KEY": "canary-s3-a1b2c3",
}


def test_no_secret_value_reaches_any_generated_file(workdir: Path) -> None:
    env = {**os.environ, **CANARIES}
    done = subprocess.run(
        [sys.executable, "-m", "stagespec", "build", "specs/inventario-retail/stack.yaml"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    files = _tree(workdir / "generated")
    assert len(files) > 10
    for name, content in files.items():
        for canary in CANARIES.values():
            assert canary.encode() not in content, f"{canary} leaked into {name}"
    for canary in CANARIES.values():
        assert canary not in done.stdout + done.stderr


def test_build_of_unreadable_spec_exits_2(workdir: Path) -> None:
    code, output = _build("missing.yaml")
    assert code == 2
    assert "SS005" in output


def test_dependency_on_disabled_service_is_reported(tmp_path: Path) -> None:
    spec = tmp_path / "stack.yaml"
    spec.write_text(
        "stagespec: 1\nproject: demo\nservices:\n"
        "  db: {image: 'postgres:15', enabled: false, healthcheck: {test: [CMD, pg_isready]}}\n"
        "  api: {image: 'api:1', depends_on: [db], healthcheck: {test: [CMD, ping]}}\n"
    )
    result = CliRunner().invoke(main, ["build", str(spec), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "'api' depends on 'db', which is disabled" in result.output
    compose = (tmp_path / "out" / "docker-compose.yml").read_text()
    assert "depends_on" not in compose and "  db:" not in compose


def test_build_one_environment_leaves_the_others(workdir: Path) -> None:
    assert _build("specs/inventario-retail/stack.yaml")[0] == 0
    out = workdir / "generated" / "inventario-retail"
    staging_before = _tree(out / "staging")
    (out / "production" / "docker-compose.yml").write_text("edited\n")
    assert _build("specs/inventario-retail/stack.yaml", "--env", "production", "--check")[0] == 1
    assert _build("specs/inventario-retail/stack.yaml", "--env", "production")[0] == 0
    assert _tree(out / "staging") == staging_before
    assert _tree(out) == _tree(COMMITTED)
    code, output = _build("specs/inventario-retail/stack.yaml", "--env", "qa")
    assert code == 2 and "no environment 'qa'" in output


def test_production_differs_from_staging_as_the_overlay_says() -> None:
    import yaml

    staging = yaml.safe_load((COMMITTED / "staging" / "docker-compose.yml").read_text())
    production = yaml.safe_load((COMMITTED / "production" / "docker-compose.yml").read_text())
    assert staging["services"]["postgres"]["ports"] == ["5433:5432"]
    assert "ports" not in production["services"]["postgres"]
    assert "ports" not in production["services"]["redis"]
    assert "localstack" not in production["services"]
    assert "FORCE_HTTPS=true" in (COMMITTED / "production" / ".env").read_text()
    assert "FORCE_HTTPS=false" in (COMMITTED / "staging" / ".env").read_text()


SINGLE = (
    "stagespec: 1\nproject: demo\nservices:\n"
    "  api: {image: 'api:1', healthcheck: {test: [CMD, ping]}}\n"
)


@pytest.mark.parametrize("env", [None, "staging"])
def test_a_spec_inside_its_own_output_folder_is_not_deleted(
    tmp_path: Path, env: str | None
) -> None:
    # A spec without environments, or one environment, is built into the folder itself:
    # once the spec is moved in there, a rebuild would replace the folder and the spec.
    out = tmp_path / "out"
    spec = tmp_path / "stack.yaml"
    spec.write_bytes(REFERENCE.read_bytes() if env else SINGLE.encode())
    chosen = ["--env", env] if env else []
    assert _build(str(spec), "--out", str(out), *chosen)[0] == 0
    spec = spec.rename(out / "stack.yaml")
    before = _tree(out)
    code, output = _build(str(spec), "--out", str(out), *chosen)
    assert code == 2, output
    assert f"{out} holds {spec}, which this build reads" in output
    assert _tree(out) == before


def test_a_folder_that_holds_the_config_is_not_replaced(tmp_path: Path) -> None:
    from stagespec.engine.build import build_inputs

    (tmp_path / ".git").mkdir()
    spec = tmp_path / "app" / "stack.yaml"
    spec.parent.mkdir()
    spec.write_text(SINGLE)
    assert build_inputs(spec) == [spec]
    config = tmp_path / ".stagespec.yaml"
    config.write_text("extends: default\n")
    assert build_inputs(spec) == [spec, config]
    out = tmp_path / "out"
    assert _build(str(spec), "--out", str(out))[0] == 0
    shared = out / "shared-config.yaml"  # the team's config, kept (by mistake) in the output
    config.rename(shared)
    config.symlink_to(shared)
    code, output = _build(str(spec), "--out", str(out))
    assert code == 2, output
    assert f"{out} holds {config}, which this build reads" in output
    assert shared.read_text() == "extends: default\n"
