"""The command line, on top of everything: one module per command group, `main.run` the
program.

Only this package prints, reads the environment or chooses an exit code; the layers below
return values and diagnostics. May import every other package of stagespec, and imports
the heavy ones inside the commands that use them, so that `--help` and `validate` start
fast.
"""
