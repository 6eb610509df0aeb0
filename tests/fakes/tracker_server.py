"""What the fake Jira, Trello and Asana servers share: a loopback HTTP server on its own
thread, JSON routes by method and path pattern, a log of every call, and failures on demand
(`fail_next(429, times=5, retry_after=30)`, a 5xx, or "created, then answered 502") so tests
can make the real clients meet a rate-limit storm or a flaky tracker."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    status: int
    times: int
    retry_after: str | None
    method: str | None
    path: str | None
    after: bool  # let the call happen, then answer with the failure (a lost answer)


Handler = Callable[[Call, re.Match[str]], Answer]


class HTTPError(Exception):
    """Raised by a route: answered as the status and error body given."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body


class FakeTrackerServer:
    """Subclasses add routes in `routes()` and check auth in `authorize(call)`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._failures: list[_Failure] = []
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.routes()

    # -- what subclasses declare --------------------------------------------------------------

    def routes(self) -> None:
        raise NotImplementedError

    def authorize(self, call: Call) -> Answer | None:
        """None when the call is authorised, else the answer refusing it."""
        return None

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    # -- what tests use -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | str | None = None,
        method: str | None = None,
        path: str | None = None,
        after: bool = False,
    ) -> None:
        """The next `times` matching calls answer `status` (with Retry-After when given);
        `after`: the call is carried out first, as when a tracker's answer is lost."""
        with self.lock:
            self._failures.append(
                _Failure(
                    status,
                    times,
                    None if retry_after is None else str(retry_after),
                    method,
                    path,
                    after,
                )
            )

    def calls_to(self, method: str, path_part: str) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method and path_part in c.path]

    # -- serving -------------------------------------------------------------------------------

    def _failure_for(self, call: Call) -> _Failure | None:
        with self.lock:
            for failure in self._failures:
                if failure.times <= 0:
                    continue
                if failure.method and failure.method != call.method:
                    continue
                if failure.path and failure.path not in call.path:
                    continue
                failure.times -= 1
                return failure
        return None

    def _fail(self, failure: _Failure) -> Answer:
        headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
        return Answer(
            failure.status, {"errorMessages": [f"fake failure {failure.status}"]}, headers
        )

    def handle(self, call: Call) -> Answer:
        with self.lock:
            self.calls.append(call)
        refused = self.authorize(call)
        if refused is not None:
            return refused
        failure = self._failure_for(call)
        if failure is not None and not failure.after:
            return self._fail(failure)
        for method, pattern, handler in self._routes:
            match = pattern.match(call.path)
            if match and method == call.method:
                try:
                    with self.lock:
                        answer = handler(call, match)
                except HTTPError as exc:
                    return Answer(exc.status, exc.body)
                return self._fail(failure) if failure is not None else answer
        return Answer(404, {"errorMessages": [f"not modelled: {call.method} {call.path}"]})

    def start(self: Self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                call = Call(
                    self.command,
                    unquote(parts.path),
                    {k: v[-1] for k, v in parse_qs(parts.query).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                answer = fake.handle(call)
                data = b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def do_PUT(self) -> None:
                self._serve()

            def do_DELETE(self) -> None:
                self._serve()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self: Self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
