"""`python -m stagespec`."""

from stagespec.cli import main

main()
