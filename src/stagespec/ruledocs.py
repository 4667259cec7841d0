"""Rule documentation for `stagespec explain` and `docs/rules.md`, from the rule docstrings."""

from __future__ import annotations

import textwrap

from stagespec.rules import RuleInfo, all_rules


def find_rule(code_or_name: str) -> RuleInfo | None:
    """The rule with this code (any case) or kebab-case name."""
    wanted = code_or_name.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            return rule
    return None


def explain(rule: RuleInfo) -> str:
    """The full text `stagespec explain` prints."""
    body = textwrap.dedent(rule.doc).strip()
    return f"{rule.code} {rule.name} (default: {rule.severity})\n\n{body}\n"


def rules_markdown() -> str:
    """docs/rules.md: a table of every rule, then each rule's documentation."""
    rules = all_rules()
    lines = [
        "# Rules",
        "",
        "Generated from the rule modules by `stagespec rules --format markdown`; do not edit.",
        "",
        "| code | name | default | summary |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.code} | `{r.name}` | {r.severity} | {r.summary} |" for r in rules]
    for rule in rules:
        body = textwrap.dedent(rule.doc).strip()
        lines += ["", f"## {rule.code} `{rule.name}`", "", f"Default level: {rule.severity}.", ""]
        lines += [body]
    return "\n".join(lines) + "\n"
