"""Every image is a reference that docker and Kubernetes can pull.

An image reference is `[registry[:port]/]name[:tag][@digest]`, with the name in
lowercase: the distribution project's grammar, which docker, compose and Kubernetes
follow. Anything else (an empty string, spaces, capitals in the name, a `${VAR}` that
was meant to be interpolated) fails only when the stack starts, with "invalid reference
format"; here it fails at `validate`.

Failing:

    services:
      api: {image: "MyOrg/API:1.4"}

Fixed: `image: myorg/api:1.4`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.model.spec import images
from stagespec.rules.base import Context, Finding

CODE = "SS408"
NAME = "image-reference"
SEVERITY: Severity = "error"
READS: tuple[str, ...] = ("services.*", "monitoring.*")

# Written with no two ways to match the same text, so a long value cannot make it backtrack.
_REFERENCE = re.compile(
    r"(?:[A-Za-z0-9]+(?:-+[A-Za-z0-9]+)*(?:\.[A-Za-z0-9]+(?:-+[A-Za-z0-9]+)*)*(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)
_MAX_LENGTH = 512  # docker allows 255 characters in a name; a tag and a digest add more


def is_reference(image: str) -> bool:
    """Whether `image` is an image reference docker would parse."""
    return len(image) <= _MAX_LENGTH and _REFERENCE.fullmatch(image) is not None


def check(ctx: Context) -> Iterator[Finding]:
    for path, image in images(ctx.spec):
        if not is_reference(image):
            yield Finding(
                path,
                "not an image reference such as postgres:16 or ghcr.io/org/app:1.2 "
                "([registry/]name[:tag][@digest], the name in lowercase)",
            )
