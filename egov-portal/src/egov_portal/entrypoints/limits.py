"""Limits of the portal's HTTP side.

* :class:`BodyLimit` — a body size limit for the JSON API (pure ASGI): larger bodies answer 413
  before any parsing.
* :class:`RateLimiter` — at most N calls per window per key (the client's IP for the «1414» status
  look-up), counted on the kit clock (``egov_kit.clock``), so tests move time instead of sleeping;
  over the limit a call answers 429 ``TOO_MANY_REQUESTS`` with ``Retry-After``.
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from egov_kit import clock
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from egov_portal.domain.errors import PortalError


class BodyTooLarge(HTTPException):
    """Raised while a route reads a body over the limit (FastAPI lets HTTPException through)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "request body too large")
        self.limit = limit

    def as_json(self) -> dict[str, str]:
        return too_large_json(self.limit)


def too_large_json(limit: int) -> dict[str, str]:
    kb = limit // 1024
    return {
        "error": "FORM_TOO_LARGE",
        "message_ru": f"Запрос больше {kb} КБ: он не принят, ничего не сохранено",
        "message_kk": f"Сұрау {kb} КБ-тан үлкен: ол қабылданбады, ештеңе сақталмады",
    }


class BodyLimit:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int | None]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        if limit is None:
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _too_large(send, limit)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(too_large_json(limit), ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


# --- calls per window -------------------------------------------------------------------------------
class TooManyRequests(PortalError):
    code = "TOO_MANY_REQUESTS"
    http_status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Слишком много запросов с вашего адреса: повторите через {retry_after} с",
            f"Сіздің мекенжайыңыздан сұраулар тым көп: {retry_after} секундтан кейін қайталаңыз",
        )
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class RateLimiter:
    """At most ``limit`` calls in any ``window`` per key (a sliding log of call moments).

    Time is the kit clock's. At most ``max_keys`` keys are remembered; the longest-unseen are
    forgotten first (a flood of new addresses cannot grow memory without bound).
    """

    def __init__(
        self,
        limit: int,
        window: timedelta,
        *,
        max_keys: int = 10_000,
        now: Callable[[], datetime] = lambda: clock.now(),
    ) -> None:
        if limit < 1 or window <= timedelta(0):
            raise ValueError("a rate limit needs limit >= 1 and a positive window")
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._now = now
        self._calls: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one call of ``key``; :class:`TooManyRequests` (not counted) when over the limit."""
        moment = self._now()
        with self._lock:
            calls = self._calls.pop(key, None) or deque()
            while calls and calls[0] <= moment - self.window:
                calls.popleft()
            if len(calls) >= self.limit:
                self._calls[key] = calls
                wait = (calls[0] + self.window - moment).total_seconds()
                raise TooManyRequests(min(max(1, math.ceil(wait)), math.ceil(self.window.total_seconds())))
            calls.append(moment)
            self._calls[key] = calls  # re-inserted: the dict's order is least recently seen first
            while len(self._calls) > self.max_keys:
                del self._calls[next(iter(self._calls))]
