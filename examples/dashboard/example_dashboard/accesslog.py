"""The access log: one line per request on stdout, a JSON object when LOG_FORMAT is json."""

from __future__ import annotations

import json
import sys
import threading
from datetime import UTC, datetime
from typing import Any, TextIO

from example_dashboard.runtime import RuntimeModule

LEVELS = ("debug", "info", "warning", "error")


class AccessLog:
    """Writes one line per answered request, at the module's LOG_FORMAT and LOG_LEVEL."""

    def __init__(self, runtime: RuntimeModule, stream: TextIO | None = None) -> None:
        self._json = runtime.LOG_FORMAT == "json"
        self._threshold = LEVELS.index(runtime.LOG_LEVEL) if runtime.LOG_LEVEL in LEVELS else 1
        self._stream = stream
        self._lock = threading.Lock()

    def request(
        self,
        *,
        method: str,
        path: str,
        status: int,
        duration_ms: float,
        client: str,
        request_id: str,
    ) -> None:
        """Log one answered request (a 5xx at level error, the rest at info)."""
        level = "error" if status >= 500 else "info"
        if LEVELS.index(level) < self._threshold:
            return
        fields: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": level,
            "message": f"{method} {path} {status}",
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(duration_ms, 3),
            "client": client,
            "request_id": request_id,
        }
        if self._json:
            line = json.dumps(fields, ensure_ascii=True)
        else:
            # escaped as in JSON: a decoded path may hold a line break
            shown = json.dumps(path, ensure_ascii=True)[1:-1]
            line = (
                f"{fields['time']} {level.upper()} {client} {method} {shown} {status}"
                f" {fields['duration_ms']}ms request_id={request_id}"
            )
        stream = self._stream or sys.stdout
        with self._lock:
            stream.write(line + "\n")
            stream.flush()
