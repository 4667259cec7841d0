"""Every image is a reference that docker and Kubernetes can pull.

An image reference is `[registry[:port]/]name[:tag][@digest]`, with the name in
lowercase: the distribution project's grammar, which docker, compose and Kubernetes
follow. Anything else (an empty string, spaces, capitals in the name) fails only when
the stack starts, with "invalid reference format"; here it fails at `validate`. An image
that names variables (`postgres:${PG_VERSION}`) is checked with their defaults, and not
at all when one has none.

Failing:

    services:
      api: {image: "MyOrg/API:1.4"}

Fixed: `image: myorg/api:1.4`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stagespec.diagnostics import Severity
from stagespec.model.spec import Spec, images
from stagespec.model.values import substitute
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


def with_defaults(spec: Spec, text: str) -> str | None:
    """`text` with each `${NAME}` replaced by its variable's default; None if one has none."""
    if "${" not in text:
        return text
    defaults = {name: v.default if v else None for name, v in spec.variables.items()}
    return substitute(text, defaults)


def check(ctx: Context) -> Iterator[Finding]:
    for path, written in images(ctx.spec):
        image = with_defaults(ctx.spec, written)
        if image is not None and not is_reference(image):
            yield Finding(
                path,
                "not an image reference such as postgres:16 or ghcr.io/org/app:1.2 "
                "([registry/]name[:tag][@digest], the name in lowercase)",
            )
