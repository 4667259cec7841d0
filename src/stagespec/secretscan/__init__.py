"""Secret detection: which strings look like credentials (`scanner`), by their known shapes
and entropy (`shapes`).

Used by the `secret-plaintext` rule and the importer. May import nothing else of stagespec.
"""
