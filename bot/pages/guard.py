"""What every public page passes, as plain ASGI around the pages' app: security headers on
every answer, a body size limit before any parsing, and a correlation id for the log.

The headers keep the pages safe to serve on the open internet: a CSP with no inline script
or style (the timezone detection is a static file), no framing (clickjacking), no referrer
(the booking and download links carry tokens in their paths), no MIME sniffing, and no
caching of what may hold personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.handlers.inbound import new_correlation_id
from bot.logging_setup import correlation
from bot.runtime.body_limit import BodyTooLarge, read_limited

log = logging.getLogger(__name__)

# A 5 MB CV, its multipart framing and the form's text fields fit well within this; a body
# past it is refused before it is parsed.
MAX_BODY = 8 * 1024 * 1024
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)

TooLarge = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class PageGuard:
    """`too_large` answers a body over `max_body` (the pages render it as a page)."""

    app: ASGIApp
    too_large: TooLarge
    max_body: int = MAX_BODY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["correlation_id"] = new_correlation_id()
        static = scope.get("path", "").startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                headers += HEADERS
                if not static and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        with correlation(state["correlation_id"]):
            try:
                body_receive = await read_limited(scope, receive, self.max_body)
            except BodyTooLarge:
                log.info("careers pages: a body over %d bytes refused", self.max_body)
                await self.too_large(scope, receive, with_headers)
                return
            await self.app(scope, body_receive, with_headers)
