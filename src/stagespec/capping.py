"""At most so many findings of one rule in one file: the first ones, then one line for the rest.

A file with 200,000 unknown keys is not 200,000 problems to read but one: the first findings
show what is wrong, and a last line says how many more there are. The model counts what it
leaves out before it formats a message (see `model/parse.py`), so the cost of a finding not
shown is that of counting it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from stagespec.diagnostics import SEVERITY_RANK, Diagnostic

DEFAULT_MAX_FINDINGS = 100
"""Findings of one rule shown per file; `max_findings` in `.stagespec.yaml` changes it."""

Position = tuple[int, int]
Omitted = dict[str, set[Position]]
"""Findings left out before they became diagnostics, by code: where each one starts."""


def merge_omitted(into: Omitted, more: Mapping[str, set[Position]]) -> None:
    """Add the left-out findings of `more` to `into` (one finding at one place counts once)."""
    for code, positions in more.items():
        into.setdefault(code, set()).update(positions)


def cap(
    diagnostics: Iterable[Diagnostic],
    limit: int | None,
    omitted: Mapping[str, set[Position]] | None = None,
) -> list[Diagnostic]:
    """The first `limit` diagnostics of each code in file order, and for each code with more
    (including those in `omitted`) one line that counts them, at the first left out; sorted.

    No limit (None or 0) keeps every diagnostic.
    """
    ordered = sorted(diagnostics)
    if not limit:
        return ordered
    kept: list[Diagnostic] = []
    rest: dict[str, list[Diagnostic]] = {}
    shown: dict[str, int] = {}
    for d in ordered:
        if shown.get(d.code, 0) < limit:
            shown[d.code] = shown.get(d.code, 0) + 1
            kept.append(d)
        else:
            rest.setdefault(d.code, []).append(d)
    left_out = dict(omitted or {})
    for code in sorted(set(rest) | {c for c, p in left_out.items() if p}):
        line = _more_line(code, limit, rest.get(code, []), left_out.get(code, set()), kept)
        if line is not None:
            kept.append(line)
    return sorted(kept)


def _more_line(
    code: str,
    limit: int,
    rest: list[Diagnostic],
    positions: set[Position],
    kept: list[Diagnostic],
) -> Diagnostic | None:
    """The line standing for the findings of `code` not shown; None when there are none."""
    example = rest[0] if rest else next((d for d in kept if d.code == code), None)
    if example is None:
        return None
    shown = {(d.line, d.column) for d in kept if d.code == code}
    everywhere = {(d.line, d.column) for d in rest} | (positions - shown)
    count = len(rest) + len(positions - shown - {(d.line, d.column) for d in rest})
    first = min(everywhere)
    severity = max((d.severity for d in [*rest, example]), key=SEVERITY_RANK.__getitem__)
    message = (
        f"and {count:,} more {code} in this file, not shown: only the first {limit} "
        "findings of a rule are (`max_findings` in .stagespec.yaml sets how many)"
    )
    return replace(
        example,
        line=first[0],
        column=first[1],
        end_line=0,
        end_column=0,
        severity=severity,
        message=message,
        related=(),
    )
