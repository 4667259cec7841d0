"""Config: `.stagespec.yaml` found, read and checked (`settings`), and its JSON Schema
(`schema`).

May import rules (for the codes and names it configures), model, load and the bottom
modules; never engine, targets or anything above.
"""
