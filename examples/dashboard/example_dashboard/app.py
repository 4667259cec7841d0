"""The FastAPI app: `/health`, `/metrics`, `/api/features` and the dependencies' switches.

Routes:
- `GET /health`: status, score, tier, level, features, breakers and tiers, as JSON; open
  to everyone, as the container healthcheck calls it without a key.
- `GET /metrics`: the Prometheus exposition; needs the key in the form the generated
  scrape job sends it (the module's SCRAPE_AUTH_HEADER and SCRAPE_AUTH_SCHEME), only;
  open when the scrape job sends no key.
- `GET /api/features`: the features enabled now; needs the key.
- `POST /dependencies/<name>/fail`, `.../recover`: turn a dependency's fail switch on or
  off; `POST /dependencies/<name>/call`: one call through its breaker. They need the key.

"Needs the key" means `X-API-Key: KEY`, or the scrape job's form. Every answer carries the
request id header, HSTS and the CSP as the module says; every route but `/health` and
`/metrics` is rate-limited per client; each request is one access-log line.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry

from example_dashboard.accesslog import AccessLog
from example_dashboard.breaker import BreakerOpenError
from example_dashboard.dependencies import Dependencies, DependencyError
from example_dashboard.health import StackCollector, snapshot
from example_dashboard.runtime import RuntimeModule
from example_dashboard.security import (
    KeyForm,
    RateLimiter,
    api_forms,
    has_key,
    request_id,
    retry_after,
    scrape_form,
    security_headers,
)

UNLIMITED = frozenset({"/health", "/metrics"})
"""The paths the rate limit leaves alone: the healthcheck's and the scrape's."""


@dataclass
class Dashboard:
    """What the app serves: the runtime settings, the guarded dependencies and the key."""

    runtime: RuntimeModule
    dependencies: Dependencies
    api_key: str | None
    probe_interval: float = 0.0
    clock: Callable[[], float] = time.monotonic
    log: AccessLog | None = None
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.registry.register(StackCollector(self.runtime, self.dependencies.states))
        runtime = self.runtime
        self.limiter: RateLimiter | None = None
        if runtime.RATE_LIMIT_REQUESTS is not None and runtime.RATE_LIMIT_WINDOW_SECONDS:
            self.limiter = RateLimiter(
                runtime.RATE_LIMIT_REQUESTS, runtime.RATE_LIMIT_WINDOW_SECONDS, self.clock
            )
        self.scrape = scrape_form(runtime)
        self.forms = api_forms(runtime)
        self.headers = security_headers(runtime)
        self.access_log = self.log or AccessLog(runtime)

    def health(self) -> dict[str, Any]:
        """The `/health` body."""
        return snapshot(self.runtime, self.dependencies.states()).as_json(self.runtime)

    def features(self) -> dict[str, Any]:
        """The `/api/features` body."""
        now = snapshot(self.runtime, self.dependencies.states())
        return {"score": now.score, "tier": now.tier.name, "features": list(now.features)}

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


def _unauthorized(forms: tuple[KeyForm, ...]) -> JSONResponse:
    return JSONResponse(
        {"error": "missing or wrong API key"},
        status_code=401,
        headers={"WWW-Authenticate": ", ".join(form.challenge() for form in forms)},
    )


def _probe_forever(dependencies: Dependencies, interval: float, stop: threading.Event) -> None:
    """Call every dependency each `interval` seconds until `stop` is set."""
    while not stop.wait(interval):
        dependencies.probe()


def create_app(dashboard: Dashboard) -> FastAPI:
    """The ASGI app serving `dashboard`."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        if dashboard.probe_interval > 0:
            args = (dashboard.dependencies, dashboard.probe_interval, stop)
            threading.Thread(target=_probe_forever, args=args, daemon=True).start()
        try:
            yield
        finally:
            stop.set()

    runtime = dashboard.runtime
    app = FastAPI(
        title=f"{runtime.PROJECT} dashboard ({runtime.ENVIRONMENT})",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.middleware("http")
    async def enforce(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        header = runtime.REQUEST_ID_HEADER
        rid = request_id(request.headers.get(header) if header else None)
        client = request.client.host if request.client else "unknown"
        path = request.url.path
        response: Response
        limiter = dashboard.limiter
        wait = limiter.check(client) if limiter is not None and path not in UNLIMITED else None
        if wait is not None:
            window = runtime.RATE_LIMIT_WINDOW_SECONDS
            response = JSONResponse(
                {
                    "error": "rate limit exceeded",
                    "limit": f"{runtime.RATE_LIMIT_REQUESTS} requests per {window:g}s",
                },
                status_code=429,
                headers={"Retry-After": retry_after(wait)},
            )
        elif (
            runtime.FORCE_HTTPS
            and path not in UNLIMITED
            and request.headers.get("X-Forwarded-Proto", "").lower() == "http"
        ):
            # Behind a proxy that terminates TLS: a request it got over plain HTTP goes to https.
            response = RedirectResponse(str(request.url.replace(scheme="https")), 308)
        else:
            try:
                response = await call_next(request)
            except Exception:
                response = JSONResponse({"error": "internal error"}, status_code=500)
        response.headers.update(dashboard.headers)
        if header:
            response.headers[header] = rid
        dashboard.access_log.request(
            method=request.method,
            path=path,
            status=response.status_code,
            duration_ms=(time.perf_counter() - started) * 1000,
            client=client,
            request_id=rid,
        )
        return response

    @app.get("/health")
    def health() -> dict[str, Any]:
        return dashboard.health()

    @app.get("/metrics")
    def metrics(request: Request) -> Response:
        # A scrape job that sends no key (SCRAPE_AUTH_HEADER None) scrapes an open /metrics.
        scrape = () if dashboard.scrape is None else (dashboard.scrape,)
        if scrape and not has_key(dashboard.api_key, request.headers, scrape):
            return _unauthorized(scrape)
        encode, content_type = choose_encoder(request.headers.get("Accept", ""))
        return Response(encode(dashboard.registry), media_type=content_type)

    @app.get("/api/features")
    def features(request: Request) -> Response:
        if not has_key(dashboard.api_key, request.headers, dashboard.forms):
            return _unauthorized(dashboard.forms)
        return JSONResponse(dashboard.features())

    def action(name: str, verb: str, request: Request) -> Response:
        if not has_key(dashboard.api_key, request.headers, dashboard.forms):
            return _unauthorized(dashboard.forms)
        status, body = dashboard.dependency_action(name, verb)
        return JSONResponse(body, status_code=status)

    @app.post("/dependencies/{name}/fail")
    def fail(name: str, request: Request) -> Response:
        return action(name, "fail", request)

    @app.post("/dependencies/{name}/recover")
    def recover(name: str, request: Request) -> Response:
        return action(name, "recover", request)

    @app.post("/dependencies/{name}/call")
    def call(name: str, request: Request) -> Response:
        return action(name, "call", request)

    return app
