"""Images are pinned to a tag other than `latest`.

An image without a tag, or tagged `latest`, changes under the stack without any change
to the spec, so two builds of the same spec may run different software. A digest
(`@sha256:...`) pins it best.

Failing:

    services:
      redis: {image: redis}

Fixed: `image: redis:7-alpine`.

Option `allow`: a list of image names (without a tag) or fnmatch patterns such as
`localhost:5000/*` that may stay unpinned.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.model.spec import images
from stagespec.rules.base import Context, Finding
from stagespec.rules.image_reference import is_reference, with_defaults

CODE = "SS402"
NAME = "image-unpinned"
SEVERITY: Severity = "warning"
READS: tuple[str, ...] = ("services.*", "monitoring.*")


def _unpinned(image: str) -> bool:
    if "@" in image:
        return False
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return True
    return tag == "latest"


def _allowed(image: str, patterns: list[str]) -> bool:
    """Option `allow`: image names (without tag) or fnmatch patterns left unpinned."""
    name = image.split("@", 1)[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(image, p) for p in patterns)


def check(ctx: Context) -> Iterator[Finding]:
    allowed = list(ctx.options_for(CODE).get("allow", []))
    for path, written in images(ctx.spec):
        image = with_defaults(ctx.spec, written)
        if image is None or not is_reference(image):
            continue  # image-reference reports it, or a variable has no default to judge
        if _unpinned(image) and not _allowed(image, allowed):
            yield Finding(
                path, f"image {written!r} is not pinned: give it a version tag other than latest"
            )
