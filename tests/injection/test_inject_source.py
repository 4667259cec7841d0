"""The spec's path, which every generated file names in its header, changes no structure.

`stagespec build` writes the spec's path, as given, into the first lines of each file:
a comment in YAML, `.env` and Python, an HTML comment in the README, a string in the
dashboard JSON. A path is not a spec value, but it comes from the same untrusted
checkout, and a file name may hold a line break. With such paths every output must
parse to the same structure as with a plain one; the runtime module may instead refuse
with stagespec's own error.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from typing import Any

import pytest
from hostilekit import SOURCE, load_yaml, renamed, shape

from stagespec.envcheck.check import parse_env
from stagespec.plan.inputs import BuildInput
from stagespec.targets import compose, envfile, grafana, k8s, prometheus, runtime
from stagespec.targets.runtime import RuntimeModuleError

PATHS = {
    "line feed": "specs/x\nservices: {injected: {}}\n#/stack.yaml",
    "carriage return": "specs/x\rservices: {injected: {}}\r#/stack.yaml",
    "new variable": "specs/x\nINJECTED=1\n#/stack.yaml",
    "python statement": 'specs/x\nimport os; os.system("id")\n#/stack.yaml',
    "line separator": "specs/x\u2028services: {}/stack.yaml",
    "next line": "specs/x\x85services: {}/stack.yaml",
    "comment end": "specs/x --> <!-- /stack.yaml",
    "quotes": "specs/\"x\" 'y' \\/stack.yaml",
}
SPEC = renamed()


def _parse(path: str, content: bytes) -> Any:
    text = content.decode("utf-8")
    if path.endswith((".yml", ".yaml")):
        return load_yaml(text)
    if path.endswith(".json"):
        return json.loads(text)
    if path.endswith(".py"):
        return ast.dump(ast.parse(text))
    if path.startswith(".env"):
        found, problems = parse_env(text, path)
        assert problems == []
        return sorted(found)
    # README: one entry per line, by kind (comment, heading, list item, fence, other).
    return [line[:4] if line[:1] in "<#-`" else bool(line) for line in text.split("\n")]


EMITTERS: dict[str, Callable[[BuildInput], dict[str, bytes]]] = {
    "compose": compose.render,
    "env": envfile.render,
    "prometheus": prometheus.render,
    "grafana": grafana.render,
    "runtime": runtime.render,
    "k8s": k8s.render,
}


def _structure(emitter: str, source: str) -> dict[str, Any]:
    files = EMITTERS[emitter](BuildInput(SPEC, source, "staging"))
    return {path: shape(_parse(path, content)) for path, content in files.items()}


@pytest.mark.parametrize("source", PATHS.values(), ids=PATHS.keys())
@pytest.mark.parametrize("emitter", EMITTERS)
def test_a_hostile_spec_path_keeps_the_structure(emitter: str, source: str) -> None:
    benign = _structure(emitter, SOURCE)
    try:
        hostile = _structure(emitter, source)
    except RuntimeModuleError as e:
        assert emitter in ("runtime", "k8s")  # the k8s target ships the module in a ConfigMap
        assert "would break out of a comment" in str(e)
        return
    assert hostile == benign
