"""What every output format renders: the checked files, their diagnostics and the rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from stagespec.diagnostics import SEVERITY_RANK, Diagnostic, Severity

if TYPE_CHECKING:
    from stagespec.engine.validate import Result
    from stagespec.rules import RuleInfo

TOOL_NAME = "stagespec"


@dataclass(frozen=True, kw_only=True)
class Report:
    """The outcome of one `stagespec validate` run, as every format sees it."""

    files: list[str]
    diagnostics: list[Diagnostic]  # sorted, as the engine returns them
    suppressed: int = 0
    rules: list[RuleInfo]
    tool_version: str


def report_for(results: Sequence[Result], *, tool_version: str, suppressed: int = 0) -> Report:
    """Gather the results of validating several files into one report."""
    from stagespec.rules import all_rules

    return Report(
        files=[result.file for result in results],
        diagnostics=sorted(d for result in results for d in result.diagnostics),
        suppressed=suppressed,
        rules=all_rules(),
        tool_version=tool_version,
    )


def counts(report: Report) -> dict[Severity, int]:
    """How many diagnostics of each severity, from the most severe down."""
    found: dict[Severity, int] = {"error": 0, "warning": 0, "info": 0}
    for d in report.diagnostics:
        found[d.severity] += 1
    return found


def fails(severity: Severity, threshold: Severity) -> bool:
    """Whether a finding of `severity` fails a run that fails at `threshold` and above."""
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]


def summary_line(report: Report) -> str:
    """`2 files checked: 1 error, 2 warnings (3 suppressed)`; errors are always counted."""
    files = _plural(len(report.files), "file")
    parts = [
        _plural(n, severity) for severity, n in counts(report).items() if n or severity == "error"
    ]
    suppressed = f" ({report.suppressed} suppressed)" if report.suppressed else ""
    return f"{files} checked: {', '.join(parts)}{suppressed}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def posix_path(path: str) -> str:
    """A file name as repositories and CI services write it: forward slashes, no `./`."""
    return PurePosixPath(path.replace("\\", "/")).as_posix()
