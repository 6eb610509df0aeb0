"""When each answer reached the fake platform API, and a small control server that tells.

The end-to-end time of a command ends when its answer arrives where the platform would show
it: a POST to Slack's response_url, a `sendMessage` to Telegram. The fakes in `tests/fakes/`
record those calls for tests but not when they came, and they run in their own process (so
they never share the server's or the load generator's event loop). So the bench's fake
process stamps each recorded call as it is appended (`StampedCalls` replaces the fake's
`calls` list; the fake itself is unchanged) and serves the stamps on a second loopback port:

    GET /next?key=K&after=T&timeout=S   the first answer for K at or after T, waiting up to S
    GET /arrivals?after=T               every answer at or after T: [[t, key], ...]

Times are `time.monotonic()`, which on Linux is CLOCK_MONOTONIC, one clock for every process
on the machine, so the load generator's send times and these arrival times compare directly.
A key is the response_url's last segment for Slack (`cmd-17`: the bench numbers every
request) and the chat id for Telegram. Hand-written on the standard library's HTTP server:
two read-only routes on loopback do not justify a framework in the fake's process.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse
from urllib.request import urlopen

KeyOf = Callable[[Any], str | None]


class Arrivals:
    """(time, key) of every answer, in the order they came, with a condition to wait on."""

    def __init__(self) -> None:
        self.items: list[tuple[float, str]] = []
        self.changed = threading.Condition()

    def add(self, key: str) -> None:
        stamp = time.monotonic()
        with self.changed:
            self.items.append((stamp, key))
            self.changed.notify_all()

    def next(self, key: str, after: float, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        seen = 0
        with self.changed:
            while True:
                for stamp, got in self.items[seen:]:
                    if got == key and stamp >= after:
                        return stamp
                seen = len(self.items)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)

    def since(self, after: float) -> list[tuple[float, str]]:
        with self.changed:
            return [item for item in self.items if item[0] >= after]


class StampedCalls(list[Any]):
    """The fake's `calls` list, stamping the answers among them as they are appended."""

    def __init__(self, arrivals: Arrivals, key_of: KeyOf) -> None:
        super().__init__()
        self.arrivals, self.key_of = arrivals, key_of

    def append(self, call: Any) -> None:
        super().append(call)
        key = self.key_of(call)
        if key is not None:
            self.arrivals.add(key)


def slack_key(call: Any) -> str | None:
    """An accepted response_url post: its key (`cmd-17`)."""
    if call.method == "response_url" and call.status == 200:
        return str(call.path).removeprefix("/response_url/")
    return None


def telegram_key(call: Any) -> str | None:
    """A sent message: the chat it went to."""
    if call.method == "sendMessage" and call.status == 200:
        try:
            return str(int(call.params.get("chat_id")))
        except (TypeError, ValueError):
            return None
    return None


def stamp(fake: Any, key_of: KeyOf) -> Arrivals:
    """Make `fake` stamp its answers (before it starts serving)."""
    arrivals = Arrivals()
    fake.calls = StampedCalls(arrivals, key_of)
    return arrivals


def control_server(arrivals: Arrivals) -> ThreadingHTTPServer:
    """The two read-only routes above, on an ephemeral loopback port, in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            after = float(query.get("after", "0"))
            body: object
            if url.path == "/next":
                timeout = min(60.0, float(query.get("timeout", "10")))
                body = {"t": arrivals.next(query.get("key", ""), after, timeout)}
            elif url.path == "/arrivals":
                body = {"arrivals": arrivals.since(after)}
            else:
                self.send_error(404)
                return
            raw = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True, name="bench-control").start()
    return server


def fetch(url: str, timeout: float = 70.0) -> dict[str, Any]:
    """One GET to a control server (the bench's side), its JSON answer."""
    with urlopen(url, timeout=timeout) as answer:
        return dict(json.loads(answer.read()))
