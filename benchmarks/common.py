"""What the benchmark scripts share: finding the tools they time, naming the processor."""

from __future__ import annotations

import platform
import shutil
import sys
from pathlib import Path


def tool(name: str) -> str:
    """The console script beside this interpreter, so every Python tool starts the same way."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        sys.exit(f"{name} is not installed (pip install -e '.[test]')")
    return found


def cpu_model() -> str:
    """The processor's model name (Linux), else the machine type."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()
