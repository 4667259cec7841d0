"""The HTTP app: `/health`, `/metrics` behind the API key, and the dependencies' fail switches.

Routes:
- `GET /health`: status, score, tier, level, features and breaker states, as JSON; open
  to everyone, as the container healthcheck calls it without a key.
- `GET /metrics`: the Prometheus exposition; needs the key.
- `POST /dependencies/<name>/fail`, `.../recover`: turn a dependency's fail switch on or
  off; `POST /dependencies/<name>/call`: one call through its breaker. They need the key.

The key is accepted as `Authorization: Bearer <key>`, which is how the generated
Prometheus scrape job sends it (`authorization.credentials_file`), or as `X-API-Key: <key>`.
"""

from __future__ import annotations

import hmac
import json
import re
import sys
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry

from example_dashboard.breaker import BreakerOpenError
from example_dashboard.dependencies import Dependencies, DependencyError
from example_dashboard.health import StackCollector, snapshot
from example_dashboard.runtime import RuntimeModule

_MAX_BODY = 65536
_DEPENDENCY_ROUTE = re.compile(r"^/dependencies/(?P<name>[^/]+)/(?P<action>fail|recover|call)$")


@dataclass
class App:
    """What the request handler serves: the runtime settings and the guarded dependencies."""

    runtime: RuntimeModule
    dependencies: Dependencies
    api_key: str | None
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.registry.register(StackCollector(self.runtime, self.dependencies.states))

    def authorized(self, authorization: str, x_api_key: str) -> bool:
        """Whether a request's headers carry the key (always, when no key is configured)."""
        if self.api_key is None:
            return True
        scheme, _, token = authorization.partition(" ")
        supplied = [x_api_key, token.strip() if scheme.lower() == "bearer" else ""]
        expected = self.api_key.encode()
        return any(hmac.compare_digest(key.encode(), expected) for key in supplied if key)

    def health(self) -> dict[str, Any]:
        """The `/health` body."""
        return snapshot(self.runtime, self.dependencies.states()).as_json(self.runtime)

    def dependency_action(self, name: str, action: str) -> tuple[int, dict[str, Any]]:
        """Run one fail/recover/call action; the HTTP status and body of its answer."""
        if name not in self.dependencies:
            return 404, {"error": f"no dependency {name!r}", "known": list(self.runtime.BREAKERS)}
        body: dict[str, Any] = {"dependency": name}
        status = 200
        if action == "call":
            try:
                body["result"] = self.dependencies.call(name)
            except BreakerOpenError as error:
                status, body["error"] = 503, str(error)
            except DependencyError as error:
                status, body["error"] = 502, str(error)
        else:
            self.dependencies.set_failing(name, action == "fail")
            body["failing"] = action == "fail"
        body["breaker"] = self.dependencies.states()[name]
        return status, body


class DashboardServer(ThreadingHTTPServer):
    """A threading HTTP server that hands every request the same App."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        super().__init__(address, Handler)
        self.app = app


class Handler(BaseHTTPRequestHandler):
    """Routes a request to the App."""

    server: DashboardServer

    def do_GET(self) -> None:
        """`/health` and `/metrics`."""
        path = urlsplit(self.path).path
        if path == "/health":
            self._send_json(200, self.server.app.health())
        elif path == "/metrics":
            if self._check_key():
                encode, content_type = choose_encoder(self.headers.get("Accept", ""))
                self._send(200, encode(self.server.app.registry), content_type)
        else:
            self._send_json(404, {"error": f"no route GET {path}"})

    def do_POST(self) -> None:
        """The dependencies' fail switches and calls."""
        # The body is ignored; read it (up to a bound) so the client gets the answer.
        self.rfile.read(min(int(self.headers.get("Content-Length") or 0), _MAX_BODY))
        route = _DEPENDENCY_ROUTE.match(urlsplit(self.path).path)
        if route is None:
            self._send_json(404, {"error": f"no route POST {self.path}"})
        elif self._check_key():
            self._send_json(*self.server.app.dependency_action(route["name"], route["action"]))

    def log_message(self, format: str, *args: Any) -> None:
        """One access-log line, as JSON when the runtime module says LOG_FORMAT json."""
        runtime = self.server.app.runtime
        message = format % args
        if runtime.LOG_FORMAT != "json":
            sys.stderr.write(f"{self.address_string()} {message}\n")
            return
        line: dict[str, Any] = {"client": self.client_address[0], "message": message}
        headers = getattr(self, "headers", None)  # absent when the request line was bad
        if runtime.REQUEST_ID_HEADER and headers is not None:
            line["request_id"] = headers.get(runtime.REQUEST_ID_HEADER)
        sys.stderr.write(json.dumps(line) + "\n")

    def _check_key(self) -> bool:
        app = self.server.app
        if app.authorized(self.headers.get("Authorization", ""), self.headers.get("X-API-Key", "")):
            return True
        self._send_json(401, {"error": "missing or wrong API key"}, {"WWW-Authenticate": "Bearer"})
        return False

    def _send_json(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = (json.dumps(body, indent=2) + "\n").encode()
        self._send(status, data, "application/json", headers)

    def _send(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        runtime = self.server.app.runtime
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if runtime.CSP:
            self.send_header("Content-Security-Policy", runtime.CSP)
        request_id = runtime.REQUEST_ID_HEADER and self.headers.get(runtime.REQUEST_ID_HEADER)
        if runtime.REQUEST_ID_HEADER and request_id:
            self.send_header(runtime.REQUEST_ID_HEADER, request_id)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
