"""`python -m stagespec`."""

from stagespec.cli.main import run

run()
