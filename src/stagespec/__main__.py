"""`python -m stagespec`."""

from stagespec.cli import run

run()
