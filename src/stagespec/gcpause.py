"""Pausing the cyclic garbage collector around work that allocates much and frees little."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: building a large spec allocates many objects
    and frees almost none, so the collector's passes over them are pure cost (about a third
    of a build's time). Collection resumes, as it was, on the way out."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
