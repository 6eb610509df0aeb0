"""What every intake API request passes before any parsing: a correlation id, the bearer token,
the body size limit; and after it: one audit row and one metric.

Done as plain ASGI around the API app rather than as FastAPI dependencies because the order
matters: FastAPI reads and parses a JSON body before it runs dependencies, so a stranger's
malformed or huge body would get a 422 (or be read whole) instead of a 401 or 413.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.bootstrap import Hirebot
from bot.handlers.dispatcher import new_correlation_id
from bot.logging_setup import correlation
from bot.runtime.body_limit import BodyTooLarge, read_limited
from bot.runtime.metrics import Metrics
from bot.services import intake
from bot.services.context import Context

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
CORRELATION_HEADER = "X-Correlation-Id"
_CID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


@dataclass
class RequestGuard:
    """ASGI middleware for the API app. `token` None means the API is switched off (503)."""

    app: ASGIApp
    hirebot: Hirebot
    metrics: Metrics
    token: str | None
    prefix: str = "/api"
    max_body: int = MAX_BODY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        offered = headers.get(CORRELATION_HEADER.lower(), "")
        cid = offered if _CID.match(offered) else new_correlation_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["correlation_id"] = cid
        status = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (CORRELATION_HEADER.lower().encode(), cid.encode()),
                ]
            await send(message)

        with correlation(cid):
            try:
                refusal = self._refuse(scope, headers)
                if refusal is not None:
                    await _json(send_with_id, *refusal)
                else:
                    try:
                        body_receive = await read_limited(scope, receive, self.max_body)
                    except BodyTooLarge:
                        await _json(
                            send_with_id,
                            413,
                            f"the request body is over the {self.max_body // 1024} KiB limit",
                        )
                    else:
                        await self.app(scope, body_receive, send_with_id)
            except Exception:
                # FastAPI has already answered 500; record it and keep the server quiet.
                log.exception("intake API request failed")
            await self._after(scope, state, status["code"], cid)

    def _refuse(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        if self.token is None:
            return 503, "the intake API is switched off: set HIREBOT_API_TOKEN to enable it"
        scheme, _, offered = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not offered:
            return 401, "missing bearer token (Authorization: Bearer <HIREBOT_API_TOKEN>)"
        if not hmac.compare_digest(offered.strip().encode(), self.token.encode()):
            return 401, "wrong bearer token"
        return None

    async def _after(self, scope: Scope, state: dict[str, Any], status: int, cid: str) -> None:
        # The API's own router replaces the outer Mount in scope["route"] once it has run.
        route = scope.get("route")
        path = getattr(route, "path", None)
        template = self.prefix + path if path and path != self.prefix else "unrouted"
        self.metrics.api_request(scope["method"], template, status)
        if state.get("audited"):
            return
        line = f"{scope['method']} {scope.get('path', '')[:200]} -> {status}"
        error = state.get("error")
        try:
            await run_in_threadpool(self._audit, line, status, cid, error)
        except Exception:
            log.exception("could not record the API request in the audit log")

    def _audit(self, line: str, status: int, cid: str, error: str | None) -> None:
        with self.hirebot.uow() as uow:
            ctx = Context(
                uow,
                self.hirebot.catalog,
                self.hirebot.clock,
                intake.api_actor(),
                cid,
                self.hirebot.channels,
            )
            extra: dict[str, Any] = {"error": intake.safe_summary(error, 500)} if error else {}
            intake.record_request(ctx, line, status=status, **extra)
            uow.commit()


async def _json(send: Callable[[Message], Any], status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="hirebot"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
