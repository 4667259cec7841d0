"""`stagespec import`: a docker-compose file turned into a stack.yaml.

`convert` drives it, `service` maps one service, `values` converts values, `emit` writes
the spec in canonical order. A command family: may import fmt, engine and everything
below it; never cli or another command family.
"""
