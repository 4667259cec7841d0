"""The hostile-input corpus: case metadata, inputs generated at test time, the README table.

Every case is described once, in `cases.yaml`; a case's input is `files/<name>.yaml`, or,
for inputs too big or too odd to commit, the file its generator below writes at test time.
`python tests/hostile/hostile_corpus.py` rewrites the table of cases in README.md, and a
test fails while that table is stale.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
CASES_FILE = HERE / "cases.yaml"
README = HERE / "README.md"
TABLE_START = "<!-- table of cases: generated from cases.yaml by hostile_corpus.py -->"
TABLE_END = "<!-- end of table -->"

DEPTH = 10_000
MIB = 1024 * 1024
SPEC_LIMIT = 8 * MIB  # the documented limit of a spec file (SS005)

HEAD = (
    "stagespec: 1\nproject: demo\nservices:\n  api:\n    image: api:1.0\n"
    "    healthcheck: {test: [CMD, ping]}\n"
)


@dataclass(frozen=True)
class Case:
    """One input and what stagespec must answer: an exit code and diagnostic codes."""

    name: str
    section: str
    about: str
    exit: int
    codes: tuple[str, ...]
    generated: str | None = None  # what the generator writes, for the table
    at: tuple[str, ...] = ()  # `LINE:COL` of diagnostics, where the position is the point
    default_out: bool = False  # build without --out, as a user would
    absent: tuple[str, ...] = ()  # text that must appear in no output
    services: tuple[str, ...] = ()  # accepted cases: the services of the compose file
    xfail: str | None = None  # a known bug in src: the case is a strict xfail

    def input_label(self) -> str:
        if self.generated:
            return f"`{self.name}` (generated: {self.generated})"
        return f"`files/{self.name}.yaml`"

    def materialise(self, folder: Path) -> Path:
        """The path of this case's input, written into `folder` when it is generated."""
        if self.generated is None:
            return FILES / f"{self.name}.yaml"
        return GENERATORS[self.name](folder)


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    """Every case of `cases.yaml`, in file order."""
    sections: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [_case(section["section"], entry) for section in sections for entry in section["cases"]]


def _case(section: str, entry: dict[str, Any]) -> Case:
    return Case(
        name=entry["name"],
        section=section,
        about=entry["about"],
        exit=entry["exit"],
        codes=tuple(entry.get("codes", ())),
        generated=entry.get("generated"),
        at=tuple(entry.get("at", ())),
        default_out=entry.get("default_out", False),
        absent=tuple(entry.get("absent", ())),
        services=tuple(entry.get("services", ())),
        xfail=entry.get("xfail"),
    )


# --- inputs generated at test time ------------------------------------------------------


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _padded(folder: Path, name: str, size: int) -> Path:
    """A valid spec followed by comment lines up to exactly `size` bytes."""
    line = "# " + "x" * 97 + "\n"
    path = folder / f"{name}.yaml"
    with open(path, "w", encoding="ascii", newline="\n") as handle:
        handle.write(HEAD)
        written = len(HEAD)
        while written + len(line) <= size:
            handle.write(line)
            written += len(line)
        handle.write("#" * (size - written))
    return path


def _sparse(folder: Path, name: str, size: int) -> Path:
    """A regular file of `size` bytes that takes no disk space: a hole, never written."""
    path = folder / f"{name}.yaml"
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


def _endless_fifo(folder: Path, name: str) -> Path:
    """A FIFO (what a shell's `<(...)` gives) whose writer never stops until the reader goes.

    The writer is a daemon thread: it writes a valid spec's head, then comments, until
    the reader closes its end (BrokenPipeError) or pytest ends.
    """
    path = folder / f"{name}.yaml"
    os.mkfifo(path)

    def feed() -> None:
        with contextlib.suppress(OSError), open(path, "wb") as pipe:
            pipe.write(HEAD.encode())
            line = b"# " + b"x" * 1021 + b"\n"
            while True:
                pipe.write(line * 64)

    threading.Thread(target=feed, daemon=True).start()
    return path


def _generator(name: str, text: Callable[[], str]) -> Callable[[Path], Path]:
    return lambda folder: _write(folder, name, text())


def _million_digit_weights() -> str:
    """Two breaker weights of a million decimal digits each that add up to exactly 1."""
    row = "    {}: {{weight: 0.{}, failure_threshold: 3, recovery_timeout: 20s}}\n"
    first, second = "1" * 1_000_000, "8" * 999_999 + "9"
    return HEAD + "resilience:\n  breakers:\n" + row.format("a", first) + row.format("b", second)


GENERATORS: dict[str, Callable[[Path], Path]] = {
    "SS004-weights-of-a-million-digits": _generator(
        "SS004-weights-of-a-million-digits", _million_digit_weights
    ),
    "SS004-unclosed-10000-brackets": _generator(
        "SS004-unclosed-10000-brackets", lambda: HEAD + "x-deep: " + "[" * DEPTH + "\n"
    ),
    "SS001-plain-key-over-1024-chars": _generator(
        "SS001-plain-key-over-1024-chars", lambda: HEAD + "k" * 2000 + ": 1\n"
    ),
    "SS004-nesting-10000-flow-sequences": _generator(
        "SS004-nesting-10000-flow-sequences",
        lambda: HEAD + "x-deep: " + "[" * DEPTH + "]" * DEPTH + "\n",
    ),
    "SS004-nesting-10000-flow-mappings": _generator(
        "SS004-nesting-10000-flow-mappings",
        lambda: HEAD + "x-deep: " + "{a: " * DEPTH + "1" + "}" * DEPTH + "\n",
    ),
    "SS004-nesting-10000-block-sequences": _generator(
        "SS004-nesting-10000-block-sequences",
        lambda: HEAD + "x-deep:\n  " + "- " * DEPTH + "x\n",
    ),
    "SS004-nesting-10000-then-50000-items": _generator(
        "SS004-nesting-10000-then-50000-items",
        lambda: HEAD + "x-deep: " + "[" * DEPTH + "a, " * 50_000 + "a" + "]" * DEPTH + "\n",
    ),
    "SS005-file-50-mib": lambda folder: _padded(folder, "SS005-file-50-mib", 50 * MIB),
    "SS005-file-8-mib-plus-one": lambda folder: _padded(
        folder, "SS005-file-8-mib-plus-one", SPEC_LIMIT + 1
    ),
    "SS005-endless-input": lambda folder: Path("/dev/zero"),
    "SS005-sparse-file-3-gib": lambda folder: _sparse(folder, "SS005-sparse-file-3-gib", 3 << 30),
    "SS005-endless-fifo": lambda folder: _endless_fifo(folder, "SS005-endless-fifo"),
    "SS010-duration-20-kib": _generator(
        "SS010-duration-20-kib",
        lambda: HEAD.replace("ping]}", "ping], interval: " + "soon" * 5000 + "}"),
    ),
    "SS010-project-name-7-mib": _generator(
        "SS010-project-name-7-mib",
        lambda: HEAD.replace("project: demo", "project: " + "demo" * (7 * MIB // 4)),
    ),
    "SS011-20000-unknown-keys": _generator(
        "SS011-20000-unknown-keys", lambda: HEAD + "".join(f"k{i}: 1\n" for i in range(20_000))
    ),
    "SS011-explicit-key-7-mib": _generator(
        "SS011-explicit-key-7-mib", lambda: HEAD + "? " + "k" * (7 * MIB) + "\n: 1\n"
    ),
}


# --- the README table -------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(cases: list[Case]) -> str:
    """The README's table of cases, one sub-table per section."""
    lines: list[str] = []
    for section in dict.fromkeys(c.section for c in cases):
        rows = [c for c in cases if c.section == section]
        lines += ["", f"### {section} ({len(rows)})", ""]
        lines += ["| input | case | exit | diagnostics |", "|---|---|---|---|"]
        for case in rows:
            about = case.about + (f" **Known bug:** {case.xfail}" if case.xfail else "")
            codes = ", ".join(case.codes) or "none"
            lines.append(
                f"| {_cell(case.input_label())} | {_cell(about)} | {case.exit} | {codes} |"
            )
    failing = sum(1 for c in cases if c.exit in (1, 2))
    known = sum(1 for c in cases if c.xfail)
    summary = (
        f"{len(cases)} cases: {failing} exit 1 or 2, {len(cases) - failing} accepted (exit 0); "
        + (
            f"{known} show a known bug and run as strict xfails."
            if known
            else "none shows a known bug (such a case would run as a strict xfail)."
        )
    )
    return "\n".join([TABLE_START, "", summary, *lines, "", TABLE_END])


def readme_with_table(readme: str, table: str) -> str:
    """`readme` with the text between the table markers replaced by `table`."""
    head, start, rest = readme.partition(TABLE_START)
    _, end, tail = rest.partition(TABLE_END)
    if not (start and end):
        raise ValueError(f"README.md lacks the markers {TABLE_START!r} ... {TABLE_END!r}")
    return head + table + tail


def main() -> int:
    """Rewrite the table of cases in README.md."""
    text = README.read_text(encoding="utf-8")
    README.write_text(readme_with_table(text, render_table(load_cases())), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
