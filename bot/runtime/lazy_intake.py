"""The intake API's routes in the server, built when the API is first asked for if it is off.

The API (bot/api/app.py) is FastAPI over pydantic models: importing FastAPI and building its
app and schema models was about a fifth of `hirebot serve`'s start and some megabytes of its
idle memory (docs/benchmarks.md, "Start-up: what was left"). A deployment that sets
HIREBOT_API_TOKEN uses the API, so it is built at start and its first request does not wait.
Without the token every /api request is answered 503 (how to switch it on) and /openapi.json
still describes the API; both are rare, so the app is built at the first of them instead,
in a worker thread (the event loop keeps serving meanwhile), and then kept. Either way the
routes and their answers are the API's own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.bootstrap import Hirebot
from bot.runtime.metrics import Metrics

if TYPE_CHECKING:
    from bot.api.app import IntakeAPI

PREFIX = "/api"  # bot.api.app.PREFIX, not imported: that would load FastAPI


def intake_routes(
    hirebot: Hirebot, metrics: Metrics, on_commit: list[Callable[[], None]]
) -> list[BaseRoute]:
    """/openapi.json and the /api mount: built now when the API is switched on, else lazily."""
    if hirebot.env.api_token:
        return _build(hirebot, metrics, on_commit).routes()
    lazy = _LazyIntake(lambda: _build(hirebot, metrics, on_commit))
    return [
        Route("/openapi.json", lazy.openapi, methods=["GET"], include_in_schema=False),
        Mount(PREFIX, app=lazy),
    ]


def _build(hirebot: Hirebot, metrics: Metrics, on_commit: list[Callable[[], None]]) -> IntakeAPI:
    from bot.api.app import IntakeAPI

    return IntakeAPI(hirebot, metrics, on_commit)


class _LazyIntake:
    """Stands in for the API's routes until the first request, then hands each request to
    what the API itself declares (its guarded app under /api, its schema endpoint)."""

    def __init__(self, build: Callable[[], IntakeAPI]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._parts: tuple[Callable[[Request], Awaitable[Response]], ASGIApp] | None = None

    def _built(self) -> tuple[Callable[[Request], Awaitable[Response]], ASGIApp]:
        with self._lock:
            if self._parts is None:
                routes = self._build().routes()
                schema = next(
                    r for r in routes if isinstance(r, Route) and r.path == "/openapi.json"
                )
                mounted = next(r for r in routes if isinstance(r, Mount) and r.path == PREFIX)
                self._parts = (schema.endpoint, mounted.app)
            return self._parts

    async def _ready(self) -> tuple[Callable[[Request], Awaitable[Response]], ASGIApp]:
        parts = self._parts
        return parts if parts is not None else await asyncio.to_thread(self._built)

    async def openapi(self, request: Request) -> Response:
        endpoint, _ = await self._ready()
        return await endpoint(request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        _, app = await self._ready()
        await app(scope, receive, send)
