"""`diff`: what a spec change means, the generated files' diff, and the old spec from git.

The summaries are snapshots: when one changes, read the new sentences before accepting
them with `python -m pytest tests/diff/test_specdiff.py --snapshot-update`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from stagespec.diff.compare import (
    checked_spec,
    diff_documents,
    generated_diff,
    semantic_diff,
    spec_at_revision,
)
from stagespec.errors import SpecLoadError, UsageError
from stagespec.load.document import load_path, load_text
from stagespec.model.spec import Spec

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "specs" / "inventario-retail" / "stack.yaml"
TEXT = REFERENCE.read_text(encoding="utf-8")
CANARY = "canary-Zq8w-value"

Edits = list[tuple[str, str]]


def _edit(text: str, edits: Edits) -> str:
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _spec(text: str) -> Spec:
    return checked_spec(load_text(text, "stack.yaml"))  # an edit must keep the spec valid


BASE = _spec(TEXT)

PORT = [('ports: ["9000:8080"]', 'ports: ["9100:8080"]')]
SECRET_REMOVED = [
    ("  s3_secret_access_key:   {env: S3_SECRET_ACCESS_KEY}\n", ""),
    ("      S3_SECRET_ACCESS_KEY: {secret: s3_secret_access_key}\n", ""),
]
WORKER = "  worker:\n    image: busybox:1.36\n    depends_on: [redis]\n    memory: 64m\n\n"

CASES: dict[str, Edits] = {
    "port": PORT,
    "port-unpublished": [('    ports: ["5433:5432"]\n', "")],
    "breaker": [
        ("weight: 0.50, failure_threshold: 5", "weight: 0.45, failure_threshold: 3"),
        ("s3:       {weight: 0.05", "s3:       {weight: 0.10"),
    ],
    "tier-features": [
        ("supplier_scorecards, export_to_s3, realtime_stock_updates]", "supplier_scorecards]"),
        ("        min_score: 60\n", "        min_score: 65\n"),
    ],
    "tier-loses-and-gains": [
        (
            "features: [stock_levels_view, inventory_search, low_stock_alerts, product_lookup]",
            "features: [stock_levels_view, inventory_search, product_lookup, stock_movements]",
        ),
    ],
    "feature-added": [
        ("      - smart_reorder_suggestions\n", "      - smart_reorder_suggestions\n      - chat\n")
    ],
    "service-added": [("\nmonitoring:\n", f"\n{WORKER}monitoring:\n")],
    "service-removed": [
        (TEXT[TEXT.index("  localstack:\n") : TEXT.index("  dashboard:\n")], ""),
        (", half_open_requests: 2, service: localstack}", ", half_open_requests: 2}"),
    ],
    "secret-removed": SECRET_REMOVED,
    "secret-source": [("{env: OPENAI_API_KEY}", "{file: ./secrets/openai.txt}")],
    "service-settings": [
        ("postgres:15-alpine", "postgres:16-alpine"),
        ("DB_HOST: postgres", f"DB_HOST: {CANARY}"),
        ("      REDIS_URL: redis://redis:6379/0\n", ""),
        (
            "      DB_PORT: 5432\n",
            f"      DB_PORT: 5432\n      SENTRY_DSN: https://{CANARY}@sentry.example/1\n",
        ),
        ("OPENAI_API_KEY: {secret: openai_api_key}", "OPENAI_API_KEY: {secret: dashboard_api_key}"),
        ("memory: 128m", "memory: 256m"),
        ("depends_on: [postgres, redis]", "depends_on: [postgres]"),
        ("      interval: 15s\n", "      interval: 20s\n"),
        ('--appendonly, "yes"]', f'--appendonly, "yes", --loglevel, {CANARY}]'),
        ("test: [CMD, redis-cli, ping]", f"test: [CMD, redis-cli, -h, {CANARY}, ping]"),
        ("    enabled: false        # paused", "    enabled: true        # paused"),
        (
            '    volumes: ["redis_data:/data"]\n',
            '    volumes: ["redis_data:/data", "./conf:/etc/redis:ro"]\n',
        ),
    ],
    "monitoring-and-runtime": [
        ("retention: 7d", "retention: 15d"),
        ("plugins: [redis-datasource]", "plugins: []"),
        ("    force_https: false\n", "    force_https: true\n"),
        ("rate_limit: {requests: 100, window: 60s}", "rate_limit: {requests: 200, window: 60s}"),
        ("    format: json\n", "    format: text\n"),
    ],
    "top-level-fallback": [
        ("project: inventario-retail", "project: inventario"),
        ("  name: staging-network", "  name: staging-net"),
        ("  grafana_data: {}\n", "  grafana_data: {}\n  scratch: {}\n"),
    ],
    "environments": [
        (
            "        environment: {DB_NAME: inventario_retail_production}\n",
            f"        environment: {{DB_NAME: inventario_retail_production, DB_HOST: {CANARY}}}\n",
        ),
        ("        ports: null\n", "        ports: null\n        memory: 1g\n"),
        ("        s3: {service: null}\n", "        s3: {service: null, failure_threshold: 2}\n"),
        ("      localstack: null\n", "      localstack: null\n    monitoring: {grafana: null}\n"),
        ("  staging: {}\n", "  staging: {}\n  qa: {}\n"),
    ],
}


@pytest.mark.parametrize("case", CASES)
def test_summary(case: str, snapshot: SnapshotAssertion) -> None:
    summary = semantic_diff(BASE, _spec(_edit(TEXT, CASES[case])))
    assert summary == snapshot
    assert CANARY not in "\n".join(summary)


def test_the_five_kinds_the_issue_names() -> None:
    edits = CASES["port"] + CASES["breaker"] + CASES["tier-features"] + SECRET_REMOVED
    edits += CASES["service-added"]
    assert semantic_diff(BASE, _spec(_edit(TEXT, edits))) == [
        "secret s3_secret_access_key: removed",
        "dashboard: host port 9000 → 9100",
        "dashboard: environment S3_SECRET_ACCESS_KEY removed",
        "service worker: added",
        "breaker openai: weight 0.50 → 0.45",
        "breaker openai: failure_threshold 5 → 3",
        "breaker s3: weight 0.05 → 0.10",
        "tier degraded: loses export_to_s3, realtime_stock_updates",
        "tier limited: min_score 60 → 65",
    ]


def test_no_change_no_sentence() -> None:
    assert semantic_diff(BASE, _spec(TEXT)) == []
    same_weight = _spec(_edit(TEXT, [("weight: 0.50", "weight: 0.5")]))  # the same number
    assert semantic_diff(BASE, same_weight) == []
    assert semantic_diff(BASE, BASE) == []


def test_the_reverse_change_reads_the_other_way() -> None:
    new = _spec(_edit(TEXT, SECRET_REMOVED + CASES["service-added"]))
    assert semantic_diff(new, BASE) == [
        "secret s3_secret_access_key: added (env S3_SECRET_ACCESS_KEY)",
        "dashboard: environment S3_SECRET_ACCESS_KEY added (secret s3_secret_access_key)",
        "service worker: removed",
    ]


# --- generated files ----------------------------------------------------------------------


def test_generated_diff() -> None:
    old = {"same.txt": b"x\n", "changed.txt": b"a\nb\n", "gone.txt": b"old\n"}
    new = {"same.txt": b"x\n", "changed.txt": b"a\nc\n", "new.txt": b"fresh\n"}
    text = generated_diff(old, new)
    assert text.index("changed.txt") < text.index("gone.txt") < text.index("new.txt")
    assert "-b\n+c\n" in text
    assert "removed: gone.txt (the new spec no longer produces it)\n" in text
    assert "+fresh\n" in text
    assert "same.txt" not in text
    assert generated_diff(old, old) == ""


def test_diff_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # headers name the spec relative to the working directory
    old, new = load_text(TEXT, "old"), load_text(_edit(TEXT, PORT), "new")
    out = ROOT / "generated" / "inventario-retail"
    diff = diff_documents(old, new, REFERENCE, out)
    assert diff.summary == ["dashboard: host port 9000 → 9100"]
    chunks = diff.files.split("--- a/")[1:]
    assert [chunk.splitlines()[0] for chunk in chunks] == [
        "production/docker-compose.yml",
        "production/smoke/smoke.json",  # the smoke suite checks the published port
        "staging/docker-compose.yml",
        "staging/smoke/smoke.json",
    ]
    composed = [chunk for chunk in chunks if chunk.startswith(("production/d", "staging/d"))]
    assert all('\n-    - "9000:8080"\n+    - "9100:8080"\n' in chunk for chunk in composed)
    same = diff_documents(old, load_text(TEXT, "new"), REFERENCE, out)
    assert (same.summary, same.files) == ([], "")


def test_a_spec_with_errors_is_not_compared() -> None:
    broken = _edit(TEXT, [("failure_threshold: 3", "failure_threshold: 0")])
    with pytest.raises(SpecLoadError, match="failure_threshold"):
        diff_documents(load_text(TEXT, "old"), load_text(broken, "new"), REFERENCE, ROOT)


# --- git ----------------------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with the reference spec committed at specs/stack.yaml."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.com")
    root = tmp_path / "repo"
    (root / "specs").mkdir(parents=True)
    (root / "specs" / "stack.yaml").write_text(TEXT, encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "specs/stack.yaml")
    _git(root, "commit", "-q", "-m", "reference")
    return root


@pytest.mark.tools
@needs_git
@pytest.mark.parametrize("where", ["root", "spec folder"])
def test_compare_with_head(repo: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    spec = repo / "specs" / "stack.yaml"
    spec.write_text(_edit(TEXT, PORT), encoding="utf-8")
    monkeypatch.chdir(repo if where == "root" else spec.parent)
    relative = Path("specs/stack.yaml") if where == "root" else Path("stack.yaml")
    old = spec_at_revision(relative, "HEAD")
    assert old.file == "HEAD:specs/stack.yaml"
    diff = diff_documents(old, load_path(relative), relative, repo / "generated")
    assert diff.summary == ["dashboard: host port 9000 → 9100"]
    assert '+    - "9100:8080"\n' in diff.files
    assert "MANIFEST" not in diff.files  # its hashes change whenever a file does


@pytest.mark.tools
@needs_git
@pytest.mark.parametrize(
    ("rev", "message"),
    [
        ("nope", "cannot read nope:specs/stack.yaml from git"),
        ("--output=/tmp/x", "is not a git revision"),
        ("", "is not a git revision"),
    ],
)
def test_git_failures(repo: Path, rev: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        spec_at_revision(repo / "specs" / "stack.yaml", rev)


@pytest.mark.tools
@needs_git
def test_a_file_git_does_not_have(repo: Path, tmp_path: Path) -> None:
    untracked = repo / "specs" / "new.yaml"
    untracked.write_text(TEXT, encoding="utf-8")
    with pytest.raises(UsageError, match=r"cannot read HEAD:specs/new\.yaml from git"):
        spec_at_revision(untracked, "HEAD")
    outside = tmp_path / "plain" / "stack.yaml"
    outside.parent.mkdir()
    outside.write_text(TEXT, encoding="utf-8")
    with pytest.raises(UsageError, match="is not in a git repository"):
        spec_at_revision(outside, "HEAD")
