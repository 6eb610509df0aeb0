"""A Slack Web API client that keeps its connections open between calls.

slack_sdk's `WebClient` sends each call through urllib, which opens a new connection (on
Slack, a TCP and a TLS handshake) and closes it after the answer: every card, update and
thread line the delivery worker posts paid for one. The library's own way to reuse
connections is its `AsyncWebClient` over an aiohttp session (`session=`, a connection pool),
so this `WebClient` hands each call (`api_call`, which every method such as
`chat_postMessage` ends in) to an `AsyncWebClient` running on an event loop in a thread of its
own, and waits for the answer. Everything else is the `WebClient`'s: the methods' arguments,
the `SlackResponse` and its `SlackApiError`, so callers (the sender, the
user directory, Socket Mode) need not know. Delivery threads working on different
conversations share the pool. The loop and the session start with the first call (aiohttp is
not imported by a process that never posts) and end with `close()`.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from ssl import SSLContext
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

if TYPE_CHECKING:
    from aiohttp import ClientSession
    from slack_sdk.web.async_client import AsyncWebClient

CLOSE_TIMEOUT = 5.0
# What a SlackResponse is made of, read off the pooled client's AsyncSlackResponse.
_ANSWER = ("http_verb", "api_url", "req_args", "data", "headers", "status_code")


class KeptAliveWebClient(WebClient):
    def __init__(
        self, *, token: str | None, base_url: str, timeout: int, ssl: SSLContext | None = None
    ) -> None:
        super().__init__(token=token, base_url=base_url, timeout=timeout, ssl=ssl)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pooled: AsyncWebClient | None = None
        self._connections: ClientSession | None = None  # the pooled client's aiohttp session

    def api_call(self, api_method: str, **how: Any) -> SlackResponse:
        """The call (`how`: the WebClient's http_verb, files, data, params, json, headers,
        auth) made by the pooled client; its answer as a `WebClient`'s (an error answer raises
        `SlackApiError` as there, from the pooled client's `validate`)."""
        loop, pooled = self._started()
        try:
            answer = asyncio.run_coroutine_threadsafe(
                pooled.api_call(api_method, **how), loop
            ).result()
        except Exception as exc:
            if _is_connection_error(exc):
                # what urllib raises for the same trouble (an OSError), so callers catch one
                raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc
            raise
        return SlackResponse(client=self, **{name: getattr(answer, name) for name in _ANSWER})

    def close(self) -> None:
        """The session's connections closed and the loop stopped (a later call starts anew)."""
        with self._lock:
            loop, thread, connections = self._loop, self._thread, self._connections
            self._loop = self._thread = self._pooled = self._connections = None
        if loop is None or thread is None or connections is None:
            return
        closing: Future[None] = asyncio.run_coroutine_threadsafe(connections.close(), loop)
        closing.result(CLOSE_TIMEOUT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(CLOSE_TIMEOUT)
        loop.close()

    def _started(self) -> tuple[asyncio.AbstractEventLoop, AsyncWebClient]:
        with self._lock:
            if self._loop is None or self._pooled is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="hirebot-slack-web-api", daemon=True
                )
                thread.start()
                self._connections = asyncio.run_coroutine_threadsafe(self._connect(), loop).result()
                self._pooled = self._client_over(self._connections)
                self._loop, self._thread = loop, thread
            return self._loop, self._pooled

    async def _connect(self) -> ClientSession:
        """The pool, made on the loop (where aiohttp wants it made). A session passed to the
        client keeps its own timeout, so it is given the client's (aiohttp's default is five
        minutes)."""
        import aiohttp

        return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))

    def _client_over(self, connections: ClientSession) -> AsyncWebClient:
        from slack_sdk.web.async_client import AsyncWebClient

        return AsyncWebClient(
            token=self.token,
            base_url=self.base_url,
            timeout=self.timeout,
            ssl=self.ssl,
            session=connections,
            headers=dict(self.headers),
        )


def _is_connection_error(exc: Exception) -> bool:
    import aiohttp  # loaded already: the pool is built with it

    return isinstance(exc, aiohttp.ClientError)
