"""Rule documentation for `stagespec explain` and `docs/rules.md`, from the rule docstrings."""

from __future__ import annotations

import textwrap

from stagespec.rules import RuleInfo, all_rules

_CLOSE_ENOUGH = 0.6  # difflib's own default cut-off
_AS_CLOSE = 0.05


def find_rule(code_or_name: str) -> RuleInfo | None:
    """The rule with this code (any case) or kebab-case name."""
    wanted = code_or_name.strip()
    for rule in all_rules():
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            return rule
    return None


def similar_rules(code_or_name: str, limit: int = 3) -> list[RuleInfo]:
    """The rules whose code or name is closest to a mistyped one, best first.

    Only those about as close as the best one: `SS30` may mean SS301, SS302 or SS303,
    but `secret-plaintex` means secret-plaintext alone.
    """
    import difflib  # only a failed look-up pays for it

    wanted = code_or_name.strip()

    def score(rule: RuleInfo) -> float:
        by_code = difflib.SequenceMatcher(None, wanted.upper(), rule.code).ratio()
        by_name = difflib.SequenceMatcher(None, wanted.lower(), rule.name).ratio()
        return max(by_code, by_name)

    scored = sorted(((score(rule), rule) for rule in all_rules()), key=lambda s: -s[0])
    floor = max(_CLOSE_ENOUGH, scored[0][0] - _AS_CLOSE) if scored else 1.0
    return [rule for value, rule in scored if value >= floor][:limit]


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
