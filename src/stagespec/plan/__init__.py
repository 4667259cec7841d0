"""Plan: what a build will contain, derived from a Spec, for the targets and the rules alike.

The alerts and the dashboard's panels with their queries, the runtime's metric names, the
quoting of .env values, and `BuildInput`, what every emitter reads. The rules check these
(an alert that can never fire, a value .env cannot hold) without importing a target.
May import model, load, diagnostics and errors; never targets, rules or anything above.
"""
