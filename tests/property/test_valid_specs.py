"""Generated valid specs validate without an error, build, build the same bytes every time,
and their outputs pass the real tools' checks that the reference stack's outputs pass."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from specgen import budget, spec_texts
from specparts import SHORT
from toolcheck import check_build, missing_tools

from stagespec.engine.build import render_all
from stagespec.engine.validate import validate_file
from stagespec.load.document import Document


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("valid")


def build(text: str, directory: Path) -> tuple[Document, dict[str, bytes]]:
    """Validate `text` as `stack.yaml` in `directory`, failing on any error, and build it."""
    path = directory / "stack.yaml"
    path.write_text(text, encoding="utf-8")
    result = validate_file(path)
    errors = [d.format() for d in result.diagnostics if d.severity == "error"]
    assert not errors, "\n".join(errors)
    assert result.document is not None
    return result.document, render_all(result.document, path, directory / "out")


@budget(ci=40, long=1500)
@given(text=spec_texts())
def test_valid_spec_builds_deterministically(text: str, workdir: Path) -> None:
    _, first = build(text, workdir)
    assert first
    assert build(text, workdir)[1] == first


# Another process with another hash seed: no set or dict order may reach the output.
_RENDER = """\
import hashlib, sys
from pathlib import Path
from stagespec.engine.build import render_all
from stagespec.engine.validate import validate_file
path = Path(sys.argv[1])
files = render_all(validate_file(path).document, path, path.parent / "out")
for name in sorted(files):
    print(name, hashlib.sha256(files[name]).hexdigest())
"""


@budget(ci=3, long=50)
@given(text=spec_texts())
def test_another_process_builds_the_same_bytes(text: str, workdir: Path) -> None:
    _, files = build(text, workdir)
    done = subprocess.run(
        [sys.executable, "-c", _RENDER, str(workdir / "stack.yaml")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    expected = "".join(f"{n} {hashlib.sha256(files[n]).hexdigest()}\n" for n in sorted(files))
    assert done.stdout == expected


@pytest.mark.tools
@budget(ci=5, long=50)
@given(text=spec_texts(timeouts=SHORT))
def test_outputs_pass_the_real_tools(text: str, workdir: Path) -> None:
    if missing := missing_tools():
        pytest.skip(f"not installed: {', '.join(missing)}")
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        root = Path(scratch)
        document, files = build(text, root)
        failures = check_build(document, files, root)
    assert not failures, "\n\n".join(failures)
