"""A request body read up to a limit: by the intake API's and the candidate pages' guards
before the app sees it, and by the webhooks (every channel's and tracker's) that read their
bodies themselves.

Starlette has no body-size limit of its own (uvicorn has none either), and `request.body()`
reads whatever is sent into memory before anyone can look at its size. So the body is read
here instead: refused at once when Content-Length says it is too large, refused as soon as the
chunks read pass the limit when no length was sent."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.types import Message, Receive, Scope

# Far above any chat platform's event (a few KiB; a tracker's webhook with a long description
# stays well under it), far below what would hurt a server.
MAX_WEBHOOK_BODY = 1024 * 1024

_BODY_METHODS = {"POST", "PUT", "PATCH"}


class BodyTooLarge(Exception):
    """The body is over the limit; the guard answers 413 without reading further."""


async def _read(scope: Scope, receive: Receive, max_body: int) -> bytes:
    """The body's chunks as the server hands them over, until the last or until they pass
    `max_body` (BodyTooLarge; a Content-Length over it is refused before anything is read)."""
    declared = dict(scope["headers"]).get(b"content-length", b"")
    if declared.isdigit() and int(declared) > max_body:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_body:
            raise BodyTooLarge
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def read_body(request: Request, max_body: int = MAX_WEBHOOK_BODY) -> bytes:
    """A webhook's body (in place of `request.body()`), or BodyTooLarge."""
    return await _read(request.scope, request.receive, max_body)


def json_object(body: bytes) -> dict[str, Any] | None:
    """A webhook's body as the JSON object every platform sends; None for anything else (not
    JSON, or JSON that is not an object), which the webhook refuses with a 400."""
    try:
        data = json.loads(body)
    except ValueError:  # UnicodeDecodeError included
        return None
    return data if isinstance(data, dict) else None


async def read_limited(scope: Scope, receive: Receive, max_body: int) -> Receive:
    """Read the body up to `max_body` bytes, then a `receive` that replays it."""
    if scope["method"] not in _BODY_METHODS:
        return receive
    body = await _read(scope, receive, max_body)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
