"""docs/features.md has one row for each key of the spec's top level and of a service.

Checked against the committed JSON Schema (itself held to the model by test_schema.py), so a
key added to the model without a row in the table, or a row left behind by a removed key,
fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "features.md"
SCHEMA = ROOT / "schemas" / "stack.schema.json"


def _sections(text: str) -> dict[str, list[list[str]]]:
    """The rows of each `## ` section's table, as lists of cells (header rows left out)."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
        elif line.startswith("|") and current is not None:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if cells[0] != "feature" and not set(cells[0]) <= {"-", ":"}:
                current.append(cells)
    return sections


def _keys(rows: list[list[str]]) -> list[str]:
    """The spec keys the rows name: each `code` span of the second column."""
    return [key for row in rows for key in re.findall(r"`([^`]+)`", row[1])]


def _properties(name: str) -> set[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    node = schema if name == "Spec" else schema["$defs"][name]
    return set(node["properties"])


@pytest.mark.parametrize(("section", "model"), [("Top level", "Spec"), ("Services", "Service")])
def test_every_key_has_one_row_and_every_row_a_key(section: str, model: str) -> None:
    rows = _sections(DOC.read_text(encoding="utf-8"))[section]
    keys = _keys(rows)
    assert len(keys) == len(set(keys)), "a key has two rows"
    assert set(keys) == _properties(model)


def test_every_row_says_what_each_target_makes_of_it() -> None:
    for rows in _sections(DOC.read_text(encoding="utf-8")).values():
        for row in rows:
            assert len(row) == 4 and all(row), f"row {row[0]!r} has an empty cell"


def test_the_parser_sees_a_missing_row() -> None:
    text = DOC.read_text(encoding="utf-8")
    without = "\n".join(line for line in text.splitlines() if "`shm_size`" not in line)
    assert "shm_size" not in _keys(_sections(without)["Services"])
    assert "shm_size" in _properties("Service")
