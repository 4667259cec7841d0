"""Checks built into loading and the model; they report under stable codes like rules do."""

from __future__ import annotations

from dataclasses import dataclass

from stagespec.diagnostics import Severity


@dataclass(frozen=True)
class CoreCheck:
    CODE: str
    NAME: str
    SEVERITY: Severity
    DOC: str


CORE_CHECKS: dict[str, CoreCheck] = {
    c.CODE: c
    for c in (
        CoreCheck(
            "SS001", "yaml-syntax", "error", "The file is valid YAML and keys are plain names."
        ),
        CoreCheck(
            "SS002",
            "duplicate-key",
            "error",
            "A mapping has each key once. YAML parsers silently keep one of two duplicates; "
            "stagespec reports both positions.",
        ),
        CoreCheck(
            "SS003",
            "unsupported-tag",
            "error",
            "Only plain YAML values are allowed. Tags such as `!!python/object/apply` or custom "
            "`!tags` are refused without being constructed.",
        ),
        CoreCheck(
            "SS004",
            "yaml-limit",
            "error",
            "Anchors and aliases may not expand to more than 20,000 nodes (a 'billion laughs' "
            "document is refused at once), and nesting may not go deeper than 64 levels.",
        ),
        CoreCheck(
            "SS005",
            "unreadable-file",
            "error",
            "The spec file exists, is UTF-8 text, is not empty and is at most 8 MiB.",
        ),
        CoreCheck("SS006", "not-a-mapping", "error", "The top level of a spec is a mapping."),
        CoreCheck(
            "SS010",
            "schema",
            "error",
            "Every value has the type and form the spec model requires (see "
            "`schemas/stack.schema.json`).",
        ),
        CoreCheck(
            "SS011",
            "unknown-key",
            "error",
            "Every key is one the spec model knows; a misspelt key gets a did-you-mean.",
        ),
    )
}
