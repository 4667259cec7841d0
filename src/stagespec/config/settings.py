"""`.stagespec.yaml`: the levels and options of rules, shared by a team in its repository.

    extends: default          # or strict: every warning becomes an error
    max_findings: 100         # findings of one rule shown per file; 0 shows all
    rules:
      SS402: off              # a level: error, warning, info or off
      secret-plaintext:       # a rule by code or by name
        level: warning
        options: {entropy_base64: 5.0}

`stagespec validate` looks for the file in the spec's folder, then in each folder above it,
up to the root of the repository (the first folder that holds `.git`). An explicit level
wins over `extends`. The checks of loading and the model cannot be configured; of the
suppression checks, SS021 and SS022 can.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path as FsPath
from typing import Any, Literal, get_args

import yaml

from stagespec.capping import DEFAULT_MAX_FINDINGS
from stagespec.diagnostics import Diagnostic, Severity, Span
from stagespec.errors import SpecLoadError, UsageError
from stagespec.load.document import Document, Path, decode, load_text
from stagespec.load.readfile import ReadError, read_bytes
from stagespec.rules.core import CORE_CHECKS, EXPIRED_SUPPRESSION, UNUSED_SUPPRESSION

CONFIG_NAME = ".stagespec.yaml"

Level = Literal["error", "warning", "info", "off"]
Extends = Literal["default", "strict"]
LEVELS: tuple[Level, ...] = get_args(Level)
EXTENDS: tuple[Extends, ...] = get_args(Extends)
TOP_KEYS = ("extends", "max_findings", "rules")
_TOP_KEYS_HINT = "; a config has `extends`, `max_findings` and `rules`"
RULE_KEYS = ("level", "options")
CONFIGURABLE_CORE = (EXPIRED_SUPPRESSION, UNUSED_SUPPRESSION)


@dataclass(frozen=True)
class Option:
    """One option a rule takes: a number in (minimum, maximum], or a list of strings."""

    kind: Literal["number", "strings"]
    doc: str
    minimum: float | None = None
    maximum: float | None = None


# Until rule modules declare their own options, the two rules that take any are listed here.
OPTIONS: dict[str, dict[str, Option]] = {
    "SS301": {
        "entropy_base64": Option(
            "number", "Bits per character above which a base64 token is a secret.", 0, 6
        ),
        "entropy_hex": Option(
            "number", "Bits per character above which a hex token is a secret.", 0, 4
        ),
    },
    "SS402": {
        "allow": Option(
            "strings",
            "Images that may stay unpinned: image names without a tag, or fnmatch patterns "
            "such as `localhost:5000/*`.",
        ),
    },
}


class ConfigError(UsageError):
    """A configuration file that cannot be used; each problem is `file:line:col: message`."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("invalid configuration:")
        self.problems = self.details = tuple(problems)


@dataclass(frozen=True)
class Config:
    """The levels and options of rules, by code; empty means every rule at its default."""

    levels: dict[str, Level] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    extends: Extends = "default"
    file: str | None = None
    max_findings: int = DEFAULT_MAX_FINDINGS
    """Findings of one rule shown per file, the rest counted in one line; 0: all of them."""

    def level_for(self, code: str, default: Severity) -> Severity | None:
        """The level of a rule or check; None when it is off."""
        level = self.levels.get(code)
        if level == "off":
            return None
        if level is not None:
            return level
        return "error" if self.extends == "strict" and default == "warning" else default

    def options_for(self, code: str) -> dict[str, Any]:
        """The options given for a rule, by option name (empty when none)."""
        return self.options.get(code, {})

    def apply_levels(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """Diagnostics at their configured levels, without those of rules that are off."""
        result = []
        for d in diagnostics:
            level = self.level_for(d.code, d.severity)
            if level is not None:
                result.append(d if level == d.severity else replace(d, severity=level))
        return result


def configurable() -> dict[str, str]:
    """Every rule and check a config may set, code to name, in code order."""
    from stagespec.rules import RULES

    found = {r.CODE: r.NAME for r in RULES.values()}
    found |= {code: CORE_CHECKS[code].NAME for code in CONFIGURABLE_CORE}
    return dict(sorted(found.items()))


def find_config(spec_path: FsPath) -> FsPath | None:
    """The `.stagespec.yaml` nearest to a spec, up to the repository root; None if none."""
    folder = FsPath(os.path.abspath(spec_path)).parent
    for candidate in (folder, *folder.parents):
        config = candidate / CONFIG_NAME
        if config.is_file():
            return config
        if (candidate / ".git").exists():
            return None
    return None


def load_config(path: FsPath, display: str | None = None) -> Config:
    """Read and check a config file; raise ConfigError (exit 2) naming every problem."""
    name = display or str(path)
    try:  # read once, bounded: the empty check below must not read the file again
        text = decode(name, read_bytes(path, display=name))
    except ReadError as e:
        raise ConfigError([f"{name}:{e.line}:{e.column}: {e.reason}"]) from None
    except SpecLoadError as e:
        raise ConfigError([_load_problem(d) for d in e.diagnostics]) from None
    try:
        doc = load_text(text, name)
    except SpecLoadError as e:
        if _is_empty(text):
            return Config(file=name)
        raise ConfigError([_load_problem(d) for d in e.diagnostics]) from None
    reader = _Reader(doc)
    config = reader.read()
    if reader.problems:
        raise ConfigError(reader.problems)
    return config


def _is_empty(text: str) -> bool:
    """Whether a config holds only comments and blank lines (a config with every default)."""
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return False
    return node is None or node.tag == "tag:yaml.org,2002:null"


def _load_problem(d: Diagnostic) -> str:
    if d.code == "SS006":
        return f"{d.file}:{d.line}:{d.column}: the top level of a config is a mapping"
    return f"{d.file}:{d.line}:{d.column}: {d.message}"


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    import difflib  # only for a mistake: not on every start

    hint = difflib.get_close_matches(word, list(known), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def _show(value: Any) -> str:
    """A YAML value as the user wrote it, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value) if isinstance(value, str) else str(value)


@dataclass
class _Reader:
    """Checks a loaded config document, collecting every problem with its position."""

    doc: Document
    problems: list[str] = field(default_factory=list)

    def problem(self, span: Span, message: str) -> None:
        start = span.start
        self.problems.append(f"{self.doc.file}:{start.line}:{start.column}: {message}")

    def read(self) -> Config:
        data = self.doc.data
        for key in data:
            if key not in TOP_KEYS:
                hint = _did_you_mean(key, TOP_KEYS) or _TOP_KEYS_HINT
                self.problem(self.doc.key_span((key,)), f"unknown key {key!r}{hint}")
        extends = data.get("extends", "default")
        if extends not in EXTENDS:
            hint = _did_you_mean(extends, EXTENDS) if isinstance(extends, str) else ""
            message = f"extends is default or strict, not {_show(extends)}{hint}"
            self.problem(self.doc.span(("extends",)), message)
            extends = "default"
        levels, options = self.rules(data.get("rules"))
        limit = self.max_findings(data.get("max_findings", DEFAULT_MAX_FINDINGS))
        return Config(levels, options, extends, self.doc.file, limit)

    def max_findings(self, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        message = f"max_findings is a whole number (0 shows every finding), not {_show(value)}"
        self.problem(self.doc.span(("max_findings",)), message)
        return DEFAULT_MAX_FINDINGS

    def rules(self, rules: Any) -> tuple[dict[str, Level], dict[str, dict[str, Any]]]:
        levels: dict[str, Level] = {}
        options: dict[str, dict[str, Any]] = {}
        if rules is None:
            return levels, options
        if not isinstance(rules, dict):
            message = f"rules is a mapping of rule to level, not {_show(rules)}"
            self.problem(self.doc.span(("rules",)), message)
            return levels, options
        seen: dict[str, str] = {}
        for key, value in rules.items():
            code = self.rule_code(key)
            if code is None:
                continue
            if code in seen:
                where = self.doc.key_span(("rules", seen[code])).start
                message = f"{key!r} is configured twice (also as {seen[code]!r}, line {where.line})"
                self.problem(self.doc.key_span(("rules", key)), message)
                continue
            seen[code] = key
            level, rule_options = self.entry(("rules", key), code, value)
            levels |= {code: level} if level is not None else {}
            options |= {code: rule_options} if rule_options else {}
        return levels, options

    def rule_code(self, key: str) -> str | None:
        known = configurable()
        by_name = {name: code for code, name in known.items()}
        if key in known or key in by_name:
            return by_name.get(key, key)
        core = {c.NAME: c.CODE for c in CORE_CHECKS.values()}
        if key in CORE_CHECKS or key in core:
            message = f"{key!r} is a core check and cannot be configured"
        else:
            message = f"unknown rule {key!r}{_did_you_mean(key, [*known, *by_name])}"
        self.problem(self.doc.key_span(("rules", key)), message)
        return None

    def entry(self, path: Path, code: str, value: Any) -> tuple[Level | None, dict[str, Any]]:
        """The level and options of one rule: `CODE: level` or `CODE: {level, options}`."""
        if value is not None and not isinstance(value, dict | list):
            return self.level(path, value), {}
        if not isinstance(value, dict):
            levels = ", ".join(LEVELS)
            message = f"give {path[-1]} a level ({levels}) or a mapping with level and options"
            self.problem(self.doc.span(path), message)
            return None, {}
        for key in value:
            if key not in RULE_KEYS:
                hint = _did_you_mean(key, RULE_KEYS) or "; a rule has `level` and `options`"
                self.problem(self.doc.key_span((*path, key)), f"unknown key {key!r}{hint}")
        level = self.level((*path, "level"), value["level"]) if "level" in value else None
        options = self.options((*path, "options"), code, value.get("options", {}))
        return level, options

    def level(self, path: Path, value: Any) -> Level | None:
        for level in LEVELS:
            if value == level:
                return level
        hint = _did_you_mean(value, LEVELS) if isinstance(value, str) else ""
        message = f"level is one of {', '.join(LEVELS)}, not {_show(value)}{hint}"
        self.problem(self.doc.span(path), message)
        return None

    def options(self, path: Path, code: str, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.problem(self.doc.span(path), f"options is a mapping, not {_show(value)}")
            return {}
        known = OPTIONS.get(code, {})
        result: dict[str, Any] = {}
        for name, option_value in value.items():
            if name not in known:
                takes = ", ".join(known) or "none"
                hint = _did_you_mean(name, known) or f" (options of {code}: {takes})"
                message = f"unknown option {name!r} for {code}{hint}"
                self.problem(self.doc.key_span((*path, name)), message)
                continue
            checked = self.option((*path, name), known[name], option_value)
            if checked is not None:
                result[name] = checked
        return result

    def option(self, path: Path, option: Option, value: Any) -> float | list[str] | None:
        name = path[-1]
        if option.kind == "strings":
            if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
                return list(value)
            self.problem(self.doc.span(path), f"{name} is a list of names, not {_show(value)}")
            return None
        if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
            self.problem(self.doc.span(path), f"{name} is a number, not {_show(value)}")
            return None
        number = float(value)
        low, high = option.minimum, option.maximum
        if (low is not None and number <= low) or (high is not None and number > high):
            self.problem(self.doc.span(path), f"{name} is above {low} and at most {high}")
            return None
        return number
