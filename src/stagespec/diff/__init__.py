"""`stagespec diff`: what a spec change means, and the diff of its generated files.

`compare` builds both sides and summarises; `revision` reads a spec as a git revision has
it. May import engine and everything below it; never cli or another command family.
"""
