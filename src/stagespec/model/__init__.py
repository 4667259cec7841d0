"""The spec model: pydantic models (`spec.py`) of typed values (`values.py`).

Importing the package imports pydantic first, without asyncio: see `_import_pydantic`.

May import load and the bottom modules (diagnostics, errors, capping) only.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from typing import Any

_ASYNCIO = ("asyncio", "asyncio.coroutines")


class _StandIn(types.ModuleType):
    """Answers for an asyncio module while pydantic is imported; loads the real one on need."""

    coroutines: _StandIn  # set on the package's stand-in only

    def iscoroutinefunction(self, func: object) -> bool:
        # asyncio's own answer for every function it did not mark itself, and with asyncio
        # not yet imported, no function is marked; for a coroutine function, ask asyncio.
        return inspect.iscoroutinefunction(func) and bool(
            _real(self.__name__).iscoroutinefunction(func)
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(_real(self.__name__), name)


def _real(name: str) -> Any:
    """The real module `name`, replacing the stand-ins."""
    for stand_in in _ASYNCIO:
        if isinstance(sys.modules.get(stand_in), _StandIn):
            del sys.modules[stand_in]
    return importlib.import_module(name)


def _import_pydantic() -> None:
    """Import pydantic without running asyncio's package, a tenth of a `validate`'s work.

    typing_extensions' `@deprecated`, which pydantic and pydantic-core apply to some of their
    functions as they load, imports `asyncio.coroutines` to ask whether each is a coroutine
    function; that import runs all of asyncio. None of them is, so stand-ins answer while
    pydantic loads; anything else asked of them loads the real asyncio and answers from it.
    """
    if any(name in sys.modules for name in ("pydantic", *_ASYNCIO)):
        return
    package, coroutines = _StandIn(_ASYNCIO[0]), _StandIn(_ASYNCIO[1])
    package.coroutines = coroutines
    sys.modules.update(zip(_ASYNCIO, (package, coroutines), strict=True))
    try:
        importlib.import_module("pydantic.main")  # BaseModel; it loads pydantic-core too
    finally:
        for name in _ASYNCIO:
            if isinstance(sys.modules.get(name), _StandIn):
                del sys.modules[name]


_import_pydantic()
