"""Tests for image-unpinned (SS402) on its own: what is pinned, and the `allow` option."""

from __future__ import annotations

import pytest

from stagespec.load.document import load_text
from stagespec.model.parse import parse_spec
from stagespec.rules import image_unpinned
from stagespec.rules.base import Context

DIGEST = "sha256:" + "0123456789abcdef" * 4


def _unpinned(images: list[str], allow: list[str] | None = None) -> list[str]:
    """The images the rule reports, in spec order."""
    services = "".join(f'  s{i}: {{image: "{image}"}}\n' for i, image in enumerate(images))
    doc = load_text(f"stagespec: 1\nproject: demo\nservices:\n{services}", "stack.yaml")
    spec, problems = parse_spec(doc)
    assert spec is not None, problems
    options = {} if allow is None else {image_unpinned.CODE: {"allow": allow}}
    findings = image_unpinned.check(Context(doc=doc, spec=spec, options=options))
    return [images[int(f.path[1][1:])] for f in findings]


@pytest.mark.parametrize(
    ("image", "unpinned"),
    [
        ("redis", True),
        ("redis:latest", True),
        ("localhost:5000/api", True),  # the colon is the registry's port, not a tag
        ("localhost:5000/api:latest", True),
        ("redis:7.4", False),
        ("localhost:5000/api:1.2", False),
        (f"redis@{DIGEST}", False),
        (f"redis:latest@{DIGEST}", False),  # the digest pins it, whatever the tag
    ],
)
def test_what_is_pinned(image: str, unpinned: bool) -> None:
    assert _unpinned([image]) == ([image] if unpinned else [])


@pytest.mark.parametrize(
    ("allow", "left"),
    [
        ([], ["redis", "redis:latest", "localhost:5000/api", "localhost:5000/api:latest"]),
        (["redis"], ["localhost:5000/api", "localhost:5000/api:latest"]),
        (["localhost:5000/*"], ["redis", "redis:latest"]),
        (["localhost:5000/api"], ["redis", "redis:latest"]),  # by name, with or without a tag
        (["redis:latest"], ["redis", "localhost:5000/api", "localhost:5000/api:latest"]),
        (["red*", "*/api"], []),
        (
            ["redi", "REDIS", "api"],
            ["redis", "redis:latest", "localhost:5000/api", "localhost:5000/api:latest"],
        ),  # neither a prefix, another case nor a part of the name
    ],
)
def test_allow_names_or_patterns(allow: list[str], left: list[str]) -> None:
    images = ["redis", "redis:latest", "localhost:5000/api", "localhost:5000/api:latest"]
    assert _unpinned(images, allow) == left
