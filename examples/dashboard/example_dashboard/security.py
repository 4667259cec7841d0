"""What the runtime module declares about requests, as plain logic the app's middleware calls.

- The API key: accepted as `X-API-Key: KEY`, and in the form the generated scrape job
  sends it (the module's SCRAPE_AUTH_HEADER and SCRAPE_AUTH_SCHEME: `Authorization:
  Bearer KEY`, or the key alone in a header of its own). `/metrics` takes the scrape
  job's form only, so a scrape job that sends another one is seen to fail. Compared in
  constant time.
- The rate limit: RATE_LIMIT_REQUESTS per RATE_LIMIT_WINDOW_SECONDS per client, over a
  sliding window; the request after the limit gets the seconds until a slot frees.
- The request id: the client's, echoed when it looks like an id, else a new one.
- The headers: HSTS (when on) and the CSP.
"""

from __future__ import annotations

import hmac
import math
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from example_dashboard.runtime import RuntimeModule

API_KEY_HEADER = "X-API-Key"
"""The header that a person or a script sends the key in (the report's `/metrics` check)."""
HSTS_VALUE = "max-age=31536000; includeSubDomains"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")


@dataclass(frozen=True)
class KeyForm:
    """One way a request may carry the key: a header, and the scheme before the key, if any."""

    header: str
    scheme: str | None = None

    def supplied(self, headers: Mapping[str, str]) -> str | None:
        """The key this form finds in the headers (not yet compared), or None."""
        value = headers.get(self.header)
        if value is None:
            return None
        if self.scheme is None:
            return value.strip()
        scheme, _, token = value.strip().partition(" ")
        return token.strip() if scheme.lower() == self.scheme.lower() else None

    def challenge(self) -> str:
        """The `WWW-Authenticate` value of a 401 that asks for this form."""
        return self.scheme if self.scheme else f'APIKey header="{self.header}"'


def scrape_form(runtime: RuntimeModule) -> KeyForm | None:
    """How the generated scrape job sends the key, as the runtime module says; None: no key."""
    if runtime.SCRAPE_AUTH_HEADER is None:
        return None
    return KeyForm(runtime.SCRAPE_AUTH_HEADER, runtime.SCRAPE_AUTH_SCHEME or None)


def api_forms(runtime: RuntimeModule) -> tuple[KeyForm, ...]:
    """The forms every keyed route accepts: `X-API-Key`, and the scrape job's."""
    scrape = scrape_form(runtime)
    own = KeyForm(API_KEY_HEADER)
    return (own,) if scrape is None or scrape == own else (own, scrape)


def has_key(api_key: str | None, headers: Mapping[str, str], forms: tuple[KeyForm, ...]) -> bool:
    """Whether one of the forms carries the key (always true when no key is configured)."""
    if api_key is None:
        return True
    expected = api_key.encode()
    found = False
    for form in forms:
        supplied = form.supplied(headers)
        # every form is compared, so the time does not tell which one was close
        found |= bool(supplied) and hmac.compare_digest((supplied or "").encode(), expected)
    return found


class RateLimiter:
    """At most `limit` requests per `window` seconds per client, over a sliding window."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}
        self._next_sweep = 0.0

    def check(self, client: str) -> float | None:
        """Count a request of `client`: None when it may go on, else seconds to retry after."""
        now = self._clock()
        with self._lock:
            self._sweep(now)
            times = self._seen.setdefault(client, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return times[0] + self.window - now
            times.append(now)
            return None

    def _sweep(self, now: float) -> None:
        """Forget clients that sent nothing for a whole window, once per window."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.window
        stale = [
            c for c, times in self._seen.items() if not times or times[-1] <= now - self.window
        ]
        for client in stale:
            del self._seen[client]


def retry_after(seconds: float) -> str:
    """The `Retry-After` value: whole seconds, at least 1, rounded up."""
    return str(max(1, math.ceil(seconds)))


def request_id(supplied: str | None) -> str:
    """The client's request id when it looks like one, else a new one."""
    if supplied is not None and _REQUEST_ID.match(supplied):
        return supplied
    return uuid.uuid4().hex


def security_headers(runtime: RuntimeModule) -> dict[str, str]:
    """The headers every answer carries: HSTS when on, and the CSP when set."""
    headers: dict[str, str] = {}
    if runtime.HSTS:
        headers["Strict-Transport-Security"] = HSTS_VALUE
    if runtime.CSP:
        headers["Content-Security-Policy"] = runtime.CSP
    return headers
