"""Load: a spec's bytes to `Document`s, YAML nodes with their positions, and its comments.

Reads files (bounded, `readfile`) and turns YAML into data with 1-based positions
(`document`, `events`). May import only diagnostics, errors and gcpause.
"""
