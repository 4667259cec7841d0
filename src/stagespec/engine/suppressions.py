"""Suppression comments: accept one finding, in the spec itself, with a reason.

Two forms, each a YAML comment that starts with `stagespec:`:

    image: redis  # stagespec: ignore[SS402] reason="pinned by the platform team"

    # stagespec: ignore[image-unpinned, SS403] reason="upstream image" until=2025-06-30
    image: redis

    # stagespec: ignore-file[SS303] reason="secrets shared with the batch stack"

`ignore[...]` covers the findings on its own line when it trails content, or, on a line of
its own, the findings on the next line that is not a comment (so several stack up above
one line). `ignore-file[...]` covers the whole file wherever it stands; put it at the top,
under the header comments, where a reader looks first. Rules are named by code or name;
checks of loading and the model (SS001-SS022) cannot be suppressed: fix the spec instead.

A suppression needs a reason. One without a reason, with an unknown rule, a bad date or bad
syntax suppresses nothing and is reported (SS020); once past `until` (the date itself
still counts) it suppresses nothing and is reported (SS021); a rule it names that has no
finding to suppress is reported (SS022).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal

from stagespec.diagnostics import Diagnostic, Position, Span, at
from stagespec.load.comments import Comment, find_comments
from stagespec.rules.core import (
    CORE_CHECKS,
    EXPIRED_SUPPRESSION,
    INVALID_SUPPRESSION,
    UNUSED_SUPPRESSION,
)

INVALID, EXPIRED, UNUSED = INVALID_SUPPRESSION, EXPIRED_SUPPRESSION, UNUSED_SUPPRESSION
CODES = (INVALID, EXPIRED, UNUSED)
DIRECTIVES = ("ignore", "ignore-file")
FIELDS = ("reason", "until")
SYNTAX = '`# stagespec: ignore[CODE, ...] reason="..."`'

_DIRECTIVE = re.compile(r"\s*stagespec:\s*(?P<word>[A-Za-z][\w-]*)")
_TARGETS = re.compile(r"\[(?P<targets>[^\]]*)\]")
_FIELD = re.compile(r"\s*(?P<key>[A-Za-z_][\w-]*)=(?P<value>\"[^\"]*\"|'[^']*'|[^\s\"']+)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Kind = Literal["line", "file"]


@dataclass(frozen=True)
class Target:
    """A rule named in a suppression, as written, and the 1-based column where it starts."""

    name: str
    column: int


@dataclass(frozen=True)
class Suppression:
    """One suppression comment; `error` says why it is malformed (it then covers nothing)."""

    file: str
    line: int
    column: int
    end_column: int
    kind: Kind
    target_line: int | None
    targets: tuple[Target, ...] = ()
    reason: str | None = None
    until: date | None = None
    error: str | None = None

    @property
    def span(self) -> Span:
        return Span(Position(self.line, self.column), Position(self.line, self.end_column))


@dataclass(frozen=True)
class Outcome:
    """Diagnostics after suppressions: kept, suppressed, and problems with the suppressions."""

    kept: list[Diagnostic] = field(default_factory=list)
    suppressed: list[Diagnostic] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


class _Malformed(Exception):
    pass


def parse(text: str, file: str) -> list[Suppression]:
    """Every suppression comment in a spec's text (the loaded `Document.text`)."""
    comments = find_comments(text)
    comment_lines = {c.line for c in comments if c.own_line}
    found = []
    for comment in comments:
        match = _DIRECTIVE.match(comment.text)
        if match is None:
            continue
        target_line = None
        if match["word"] != "ignore-file":
            target_line = comment.line
            while comment.own_line and target_line in comment_lines:
                target_line += 1
        found.append(_suppression(file, comment, match, target_line))
    return found


def _suppression(
    file: str, comment: Comment, match: re.Match[str], target_line: int | None
) -> Suppression:
    end = comment.column + 1 + len(comment.text.rstrip())
    base = Suppression(file, comment.line, comment.column, end, "line", target_line)
    word = match["word"]
    try:
        if word not in DIRECTIVES:
            raise _Malformed(f"unknown directive {word!r}{_did_you_mean(word, DIRECTIVES)}")
        kind: Kind = "file" if word == "ignore-file" else "line"
        offset = comment.column + 1  # comment.text[0] is the character after `#`
        targets, rest = _targets(comment.text, match.end(), offset)
        reason, until = _fields(rest)
    except _Malformed as e:
        return replace(base, error=str(e))
    return replace(base, kind=kind, targets=targets, reason=reason, until=until)


def _targets(text: str, start: int, offset: int) -> tuple[tuple[Target, ...], str]:
    """The rules in `[...]` at `text[start:]`, and the text after them."""
    match = _TARGETS.match(text, start)
    if match is None:
        raise _Malformed(f"expected a list of rules in brackets, as in {SYNTAX}")
    targets = []
    position = match.start("targets")
    for part in match["targets"].split(","):
        name = part.strip()
        if not name:
            raise _Malformed("an empty rule name in [...]: name rules by code or name")
        column = offset + position + len(part) - len(part.lstrip())
        targets.append(Target(name, column))
        position += len(part) + 1
    return tuple(targets), text[match.end() :]


def _fields(text: str) -> tuple[str | None, date | None]:
    """`reason="..."` and `until=YYYY-MM-DD`, in any order; nothing else."""
    values: dict[str, str] = {}
    position = 0
    while text[position:].strip():
        match = _FIELD.match(text, position)
        if match is None:
            rest = text[position:].strip()
            hint = '; a reason is quoted: reason="..."' if rest.startswith("reason") else ""
            raise _Malformed(f"unexpected {rest[:40]!r} after the rules{hint}")
        key, value = match["key"], match["value"]
        if key not in FIELDS:
            raise _Malformed(f"unknown field {key!r}{_did_you_mean(key, FIELDS)}")
        if key in values:
            raise _Malformed(f"{key}= is given twice")
        values[key] = value
        position = match.end()
    reason = values.get("reason")
    if reason is not None and reason[:1] not in "\"'":
        raise _Malformed('a reason is quoted: reason="..."')
    return (reason[1:-1] if reason else None), _until(values.get("until"))


def _until(value: str | None) -> date | None:
    if value is None:
        return None
    value = value.strip("\"'")
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise _Malformed(f"until={value} is not a date: write it as YYYY-MM-DD") from None


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    hint = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def _problem(code: str, s: Suppression, message: str, target: Target | None = None) -> Diagnostic:
    check = CORE_CHECKS[code]
    span = s.span
    if target is not None:
        end = Position(s.line, target.column + len(target.name))
        span = Span(Position(s.line, target.column), end)
    return at(s.file, span, code, check.NAME, check.SEVERITY, message)


def _resolve(
    s: Suppression, target: Target, rules: Mapping[str, str]
) -> tuple[str | None, Diagnostic | None]:
    """The rule code a target names, or the problem with it."""
    by_name = {name: code for code, name in rules.items()}
    if target.name in rules or target.name in by_name:
        return by_name.get(target.name, target.name), None
    core = {c.NAME: c.CODE for c in CORE_CHECKS.values()}
    if target.name in CORE_CHECKS or target.name in core:
        check = CORE_CHECKS[core.get(target.name, target.name)]
        message = f"{check.CODE} {check.NAME} is a core check, not suppressible: fix the spec"
        return None, _problem(INVALID, s, message, target)
    hint = _did_you_mean(target.name, [*rules, *by_name])
    return None, _problem(INVALID, s, f"unknown rule {target.name!r}{hint}", target)


def _active(
    s: Suppression, rules: Mapping[str, str], today: date
) -> tuple[dict[str, Target], list[Diagnostic]]:
    """The rules a suppression covers, by code, and the problems that it has."""
    if s.error is not None:
        return {}, [_problem(INVALID, s, f"malformed suppression: {s.error}")]
    covered: dict[str, Target] = {}
    problems = []
    for target in s.targets:
        code, problem = _resolve(s, target, rules)
        problems += [problem] if problem else []
        if code is not None:
            covered.setdefault(code, target)
    if not (s.reason or "").strip():
        message = 'suppression has no reason, so it suppresses nothing: add reason="why"'
        return {}, [_problem(INVALID, s, message), *problems]
    if s.until is not None and s.until < today:
        message = (
            f"suppression expired on {s.until.isoformat()}, so it suppresses nothing: "
            "fix the findings, or renew until= if the reason still holds"
        )
        return {}, [_problem(EXPIRED, s, message), *problems]
    return covered, problems


def apply(
    diagnostics: Sequence[Diagnostic],
    suppressions: Sequence[Suppression],
    rules: Mapping[str, str],
    today: date,
    *,
    enabled: bool = True,
    unchecked: Collection[str] = (),
) -> Outcome:
    """Suppress what the suppressions cover; `rules` maps each suppressible code to its name.

    A suppression of a rule in `unchecked` (one that did not run, see engine/validate.py) is not
    reported unused: its finding may be there once the rule runs.
    """
    if not enabled:
        return Outcome(kept=list(diagnostics))
    problems: list[Diagnostic] = []
    active: list[tuple[Suppression, str, Target]] = []
    for s in suppressions:
        covered, found = _active(s, rules, today)
        problems += found
        active += [(s, code, target) for code, target in covered.items()]
    used: set[int] = set()
    outcome = Outcome()
    for d in diagnostics:
        hits = {i for i, (s, code, _) in enumerate(active) if _covers(s, code, d)}
        used |= hits
        (outcome.suppressed if hits else outcome.kept).append(d)
    for i, (s, code, target) in enumerate(active):
        if i not in used and code not in unchecked:
            where = "in this file" if s.kind == "file" else f"on line {s.target_line}"
            message = f"nothing to suppress: no {target.name} finding {where}; remove it"
            problems.append(_problem(UNUSED, s, message, target))
    outcome.problems.extend(sorted(problems))
    return outcome


def _covers(s: Suppression, code: str, d: Diagnostic) -> bool:
    return d.code == code and d.file == s.file and s.target_line in (None, d.line)
