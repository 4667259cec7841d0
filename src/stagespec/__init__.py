"""stagespec: one stack.yaml, validated and compiled into every config file of a stack."""

__version__ = "0.1.0"
