"""Engine: the pipelines. `validate` (load, parse, rules, suppressions, caps) and `build`
(per-environment specs through a target's emitters), and `writer`, which puts the files
on disk atomically with a manifest.

May import config, targets, rules, plan, model, load and the bottom modules; never the
commands, report or cli.
"""
