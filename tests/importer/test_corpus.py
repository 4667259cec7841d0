"""Every corpus compose file: import -> validate -> build -> the compose-spec schema ->
`docker-compose config` of both files, equal after the normalisations of `roundtrip`;
and build --target k8s -> `kubernetes-validate --strict`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import import_roundtrip as roundtrip
import pytest
import yaml
from click.testing import CliRunner

from stagespec.cli.main import main
from stagespec.engine.validate import validate_file
from stagespec.importer.convert import ImportResult, import_compose

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FILES = sorted(CORPUS.glob("*.yml"))  # the include/ folder's files are parts, not entries
BIN = Path(sys.executable).parent
COMPOSE_V1 = shutil.which("docker-compose")
# Values the manifest names for variables the files need set to a value of a kind (a
# version, a number), set for every file; every variable the import requires gets a marker.
KNOWN = {"STACK_VERSION": "8.13.4", "HEALTHCHECK_RETRIES": "3"}


def _refused_by_v1() -> set[str]:
    """The files the manifest marks as refused by docker-compose 1.29."""
    refused = set()
    for line in (CORPUS / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 6 and cells[1].startswith("`") and cells[-3].startswith("no"):
            refused.add(cells[1].strip("`"))
    return refused


REFUSED = _refused_by_v1()


def marker(name: str) -> str:
    return f"imported-{name.lower().replace('_', '-')}-value"


def _tool(name: str) -> str:
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the corpus: the spec and the build land beside the compose file."""
    folder = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def _import(workdir: Path, file: Path) -> tuple[ImportResult, Path]:
    compose = workdir / file.name
    result = import_compose(compose.read_text(encoding="utf-8"), compose.as_posix())
    spec = workdir / f"{file.stem}.stack.yaml"
    spec.write_text(result.text, encoding="utf-8")
    return result, spec


def _build(spec: Path, out: Path, target: str, *options: str) -> None:
    args = ["build", str(spec), "--out", str(out), "--target", target, *options]
    outcome = CliRunner().invoke(main, args)
    assert outcome.exit_code == 0, outcome.output


_MIXED = re.compile(r"^variables\.(\w+): (compose gives it different defaults|some mentions)")


def _env(result: ImportResult) -> dict[str, str]:
    """The variables both files are read with: each one the import requires, and each
    whose mentions compose gave different defaults (the spec declares one, and says so),
    set to a marker; every other one unset, so that the defaults are compared."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")} | KNOWN
    mixed = [m.group(1) for note in result.notes if (m := _MIXED.match(note))]
    for name in [*result.variables, *mixed]:
        env[name] = KNOWN.get(name, marker(name))
    return env


def _config(path: Path, env: dict[str, str], own: bool) -> dict[str, Any]:
    if own:
        return roundtrip.resolve(path, env)
    assert COMPOSE_V1 is not None
    done = subprocess.run(
        [COMPOSE_V1, "-f", path.name, "config"],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"docker-compose config {path.name} failed:\n{done.stderr}"
    data: dict[str, Any] = yaml.safe_load(done.stdout)
    return data


def compared(
    original: dict[str, Any], generated: dict[str, Any], result: ImportResult
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both configs after the normalisations, in the order docs/import.md gives them."""
    markers = {name: marker(name) for name in result.variables}
    before = roundtrip.top_form(roundtrip.project_name(original))
    after = roundtrip.top_form(roundtrip.project_name(generated))
    for config in (before, after):
        config.pop("version", None)
    before = roundtrip.renamed(before, result.renames)
    for config in (before, after):
        roundtrip.restart_default(config)
        roundtrip.memory_limit(config)
    before = roundtrip.secret_markers(before, after, markers)
    return before, after


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_corpus_file_round_trips(workdir: Path, file: Path) -> None:
    result, spec = _import(workdir, file)
    validated = validate_file(spec)
    assert not validated.has_errors, [d.format() for d in validated.diagnostics]
    out = workdir / f"out-{file.stem}"
    _build(spec, out, "compose")
    generated = out / "docker-compose.yml"
    schema = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(generated)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    env = _env(result)
    own = file.name in REFUSED or COMPOSE_V1 is None
    original = _config(workdir / file.name, env, own)
    built = _config(generated, env, own)
    before, after = compared(original, built, result)
    assert before == after, roundtrip.differences(before, after)


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_corpus_file_builds_valid_kubernetes(workdir: Path, file: Path) -> None:
    result, spec = _import(workdir, file)
    out = workdir / f"k8s-{file.stem}"
    # the k8s target substitutes variables at build time: each required one is given,
    # but a secret one never: the manifests read it from a Secret
    declared = yaml.safe_load(result.text).get("variables") or {}
    secret = [name for name, v in declared.items() if v and v.get("secret")]
    required = [n for n, v in declared.items() if v and v.get("required") and n not in secret]
    values = [f"--var={name}={KNOWN.get(name, marker(name))}" for name in required]
    _build(spec, out, "k8s", *values)
    manifests = sorted(str(p) for p in out.rglob("*.yaml")) + sorted(
        str(p) for p in out.rglob("*.yml")
    )
    assert manifests
    readme = (out / "README.md").read_text(encoding="utf-8")
    for name in secret:  # each one the manifests read, the README says how to create
        read = any(f"- name: {name}\n" in Path(m).read_text(encoding="utf-8") for m in manifests)
        assert read == (f'--from-literal=value="${name}"' in readme), name
    done = subprocess.run(
        [_tool("kubernetes-validate"), "--strict", *manifests],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
