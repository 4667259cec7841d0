"""`stagespec fmt`: a spec rewritten in canonical layout, keeping its comments.

`formatter` orders the keys; `layout` moves the lines. May import load and the bottom
modules; never cli or another command family.
"""
