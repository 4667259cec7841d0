"""Checks built into loading and the model; they report under stable codes like rules do."""

from __future__ import annotations

from dataclasses import dataclass

from stagespec.diagnostics import Severity

# The checks of suppression comments (engine/suppressions.py), named for config/ too.
INVALID_SUPPRESSION, EXPIRED_SUPPRESSION, UNUSED_SUPPRESSION = "SS020", "SS021", "SS022"
NOT_CHECKED = "SS012"  # a rule that could not run on a spec with schema errors (engine/validate.py)


@dataclass(frozen=True)
class CoreCheck:
    CODE: str
    NAME: str
    SEVERITY: Severity
    DOC: str


_SUPPRESSION_INVALID = """\
A suppression comment is well formed, names known rules and gives a reason.

`# stagespec: ignore[CODE-or-name, ...] reason="..."` after a finding, or on its own line
above it, accepts that finding; `until=YYYY-MM-DD` makes it lapse after that date.
`# stagespec: ignore-file[...]` accepts the findings of the whole file wherever it stands;
put it at the top, under the header comments. A suppression with bad syntax, a bad date,
an unknown rule or no reason suppresses nothing. The checks of loading and the model
(SS001-SS022) cannot be suppressed. It is an error: a suppression that does not do what its
author meant is a mistake in the file, like a syntax error.

Failing:

    services:
      redis:
        image: redis  # stagespec: ignore[SS402]

Fixed:

    services:
      redis:
        image: redis  # stagespec: ignore[SS402] reason="the platform team pins it"
"""

_SUPPRESSION_EXPIRED = """\
A suppression with `until=` is not past its date (the date itself still counts).

An expired suppression suppresses nothing: its findings are reported again at their own
level, and this warning says why they came back. It is a warning so that an expired waiver
of a warning does not fail a build that the warning itself would not fail;
`extends: strict` or `SS021: error` in `.stagespec.yaml` makes it an error.

Failing:

    # stagespec: ignore[SS402] reason="until 7.4 is approved" until=2024-03-31
    image: redis

Fixed: pin the image and remove the suppression, or renew the date if the reason holds.

    image: redis:7.4-alpine
"""

_SUPPRESSION_UNUSED = """\
Every rule a suppression names has a finding to suppress.

A suppression left behind after its finding was fixed would silently hide the next,
unrelated finding on that line. Remove it, or set `SS022: off` in `.stagespec.yaml`.

Failing:

    image: redis:7-alpine  # stagespec: ignore[SS402] reason="was unpinned"

Fixed:

    image: redis:7-alpine
"""


_YAML_SYNTAX = """The file is valid YAML and keys are plain names.

Failing:

    services:
      api: {image: "api:1.0"

Fixed: close the flow mapping: `api: {image: "api:1.0"}`.
"""

_DUPLICATE_KEY = """A mapping has each key once.

YAML parsers silently keep one of two duplicates; stagespec reports both positions.

Failing:

    services:
      api: {image: api:1.0}
      api: {image: api:2.0}

Fixed: keep one `api:` entry, or rename the second service.
"""

_UNSUPPORTED_TAG = """Only plain YAML values are allowed.

Tags such as `!!python/object/apply` or custom `!tags` are refused without being
constructed, so a spec can never run code.

Failing:

    project: !!python/object/apply:os.system [ls]

Fixed: `project: demo`.
"""

_YAML_LIMIT = """Aliases and nesting stay within bounds.

Anchors and aliases may not expand to more than 20,000 nodes (a 'billion laughs'
document is refused at once), nesting may not go deeper than 64 levels, and numbers may
not have more than 400 digits.

Failing:

    x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
    x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    x-c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]   # ... and so on, nine levels deep

Fixed: write the values out, or share a small anchor a few times only.
"""

_UNREADABLE_FILE = """The spec file exists, is UTF-8 text, is not empty and is at most 8 MiB.

Failing: an empty `stack.yaml`, a binary or UTF-16 file, or a control character in the
text.

Fixed: save the spec as UTF-8 text starting with `stagespec: 1`.
"""

_NOT_A_MAPPING = """The top level of a spec is a mapping.

Failing:

    - stagespec: 1
    - project: demo

Fixed:

    stagespec: 1
    project: demo
"""

_SCHEMA = """Every value has the type and form the spec model requires.

See `schemas/stack.schema.json` (`stagespec schema` prints it).

Failing:

    services:
      api: {image: api:1.0, ports: ["http"]}

Fixed: `ports: ["8080:80"]`.
"""

_UNKNOWN_KEY = """Every key is one the spec model knows; a misspelt key gets a did-you-mean.

Failing:

    services:
      api: {image: api:1.0, healthchek: {test: [CMD, ping]}}

Fixed: `healthcheck: {test: [CMD, ping]}`.
"""

_NOT_CHECKED = """Every rule ran: no part of the spec it reads has schema errors.

A spec with schema errors (SS010, SS011) is still checked: each part that holds an error
(a top-level section, or one entry such as a service, a secret, a breaker, or the
degradation tiers) is left out, and every rule that reads none of those parts runs on the
rest. A rule that reads a part left out does not run, and this line, at that part, says so:
one line for all the rules that the same parts stopped. It is for information only: fix
the schema errors and the rules run.

Failing:

    services:
      api: {image: api:1.0, healthchek: {test: [CMD, ping]}}
      web: {image: web:1.0, depends_on: [api]}

Here `services.api` is left out, so the rules that compare services or follow references
to them (unresolved-reference, dependency-cycle, ...) are not checked; those that look at
one service at a time still check `web`, and the rules on other sections all run.

Fixed: `healthcheck: {test: [CMD, ping]}`.
"""


CORE_CHECKS: dict[str, CoreCheck] = {
    c.CODE: c
    for c in (
        CoreCheck("SS001", "yaml-syntax", "error", _YAML_SYNTAX),
        CoreCheck("SS002", "duplicate-key", "error", _DUPLICATE_KEY),
        CoreCheck("SS003", "unsupported-tag", "error", _UNSUPPORTED_TAG),
        CoreCheck("SS004", "yaml-limit", "error", _YAML_LIMIT),
        CoreCheck("SS005", "unreadable-file", "error", _UNREADABLE_FILE),
        CoreCheck("SS006", "not-a-mapping", "error", _NOT_A_MAPPING),
        CoreCheck("SS010", "schema", "error", _SCHEMA),
        CoreCheck("SS011", "unknown-key", "error", _UNKNOWN_KEY),
        CoreCheck(NOT_CHECKED, "not-checked", "info", _NOT_CHECKED),
        CoreCheck(INVALID_SUPPRESSION, "suppression-invalid", "error", _SUPPRESSION_INVALID),
        CoreCheck(EXPIRED_SUPPRESSION, "suppression-expired", "warning", _SUPPRESSION_EXPIRED),
        CoreCheck(UNUSED_SUPPRESSION, "suppression-unused", "warning", _SUPPRESSION_UNUSED),
    )
}
