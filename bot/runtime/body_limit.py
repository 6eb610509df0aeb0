"""A request body read up to a limit before the app sees it, shared by the intake API's and
the candidate pages' guards.

Starlette has no body-size limit of its own (uvicorn has none either), so the guard reads the
body first: refused at once when Content-Length says it is too large, refused as soon as the
chunks read pass the limit when no length was sent, and replayed to the app otherwise."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope

_BODY_METHODS = {"POST", "PUT", "PATCH"}


class BodyTooLarge(Exception):
    """The body is over the limit; the guard answers 413 without reading further."""


async def read_limited(scope: Scope, receive: Receive, max_body: int) -> Receive:
    """Read the body up to `max_body` bytes, then a `receive` that replays it."""
    if scope["method"] not in _BODY_METHODS:
        return receive
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
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
