"""Hands the pages' paths to their app with the scope untouched.

Starlette's `Mount` takes one prefix and moves it into `root_path`; the pages live under
several (/jobs, /files, /static/careers), and their app routes on full paths, so it gets
every request whose path is one of those prefixes or below one.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import ASGIApp, Receive, Scope, Send


class Prefixed(BaseRoute):
    def __init__(self, prefixes: Sequence[str], app: ASGIApp) -> None:
        self.prefixes = tuple(p.rstrip("/") for p in prefixes)
        self.app = app

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        path: str = scope.get("path", "")
        for prefix in self.prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: object) -> URLPath:
        raise NoMatchFound(name, dict(path_params))

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
