"""`POST /trackers/{kind}/webhook`: what trackers send back, verified each its own way, recorded
in the inbox at the door and handled after, like any inbound event.

Each tracker module gives a `Verifier`: its handshake (Asana's `X-Hook-Secret`, echoed and
kept), its signature check (Trello's HMAC-SHA1 of body and callback URL, Asana's
`X-Hook-Signature`, Jira's `X-Hub-Signature`), the key that makes a redelivery a no-op, and
how a payload reads as `ItemChange`s. A forged or unsigned delivery is answered 401 and
changes nothing; the inbox processor applies the changes through the core's service in one
unit of work, as the system.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.domain.trackers import ItemChange, TrackerError, TrackerSpec
from bot.logging_setup import correlation
from bot.runtime.body_limit import BodyTooLarge, json_object, read_body
from bot.services import trackers as service
from bot.services.context import Actor, Context
from storage.models import TrackerWebhook
from storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from bot.bootstrap import Hirebot

log = logging.getLogger(__name__)

PATH = "/trackers/{kind}/webhook"


@dataclass(frozen=True)
class Delivery:
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    callback_url: str  # the URL the webhook was registered with (Trello signs it)
    target: str = ""  # the `?target=` the callback URL carries (Asana's resource)


class Verifier(Protocol):
    kind: str

    def handshake(self, delivery: Delivery) -> dict[str, str] | None:
        """Headers to answer a handshake with (and the secret to keep is in them), else None."""
        ...

    def verify(self, delivery: Delivery, stored: Sequence[str]) -> bool:
        """Whether the delivery is signed; `stored`: secrets kept from handshakes."""
        ...

    def event_key(self, delivery: Delivery, payload: dict[str, Any]) -> str: ...

    def changes(self, payload: dict[str, Any]) -> list[ItemChange]: ...


def retry_after_of(headers: Mapping[str, str]) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), None when absent or bad."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def callback_url(public_url: object | None, kind: str, target: str = "") -> str:
    """The URL a tracker calls, built from HIREBOT_PUBLIC_URL."""
    if not public_url:
        raise ValueError("set HIREBOT_PUBLIC_URL: trackers' webhooks are sent there")
    url = str(public_url).rstrip("/") + PATH.format(kind=kind)
    return f"{url}?target={target}" if target else url


def channel_of(kind: str) -> str:
    """The inbox channel a tracker's deliveries are recorded under."""
    return f"tracker-{kind}"


class TrackerWebhooks:
    """The route for every tracker's webhook, and the inbox processors that apply them."""

    def __init__(self, hirebot: Hirebot, verifiers: Mapping[str, Verifier]) -> None:
        self.hirebot = hirebot
        self.verifiers = dict(verifiers)

    def routes(self) -> list[BaseRoute]:
        return [Route(PATH, self._endpoint, methods=["POST", "HEAD"])]

    def processors(self) -> dict[str, Callable[[dict[str, Any]], None]]:
        return {channel_of(kind): partial(self.process, kind) for kind in self.verifiers}

    def _stored(self, kind: str) -> list[str]:
        with self.hirebot.uow() as uow:
            return [w.secret for w in uow.tracker_webhooks.for_kind(kind) if w.secret]

    def _keep_secret(self, kind: str, target: str, secret: str) -> None:
        with self.hirebot.uow() as uow:
            row = uow.tracker_webhooks.find(kind, target)
            if row is None:
                uow.tracker_webhooks.add(
                    TrackerWebhook(
                        kind=kind,
                        target=target,
                        external_id="",
                        secret=secret,
                        created_at=self.hirebot.clock.now(),
                    )
                )
            else:
                row.secret = secret
            uow.commit()

    async def _endpoint(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        verifier = self.verifiers.get(kind)
        if verifier is None:
            return JSONResponse({"error": f"no tracker '{kind[:20]}' here"}, status_code=404)
        if request.method == "HEAD":  # Trello checks the callback URL answers before using it
            return Response(status_code=200)
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return JSONResponse({"error": "too large"}, status_code=413)
        target = request.query_params.get("target", "")
        delivery = Delivery(
            {k.lower(): v for k, v in request.headers.items()},
            body,
            callback_url(self.hirebot.env.public_url, kind, target)
            if self.hirebot.env.public_url
            else str(request.url),
            target,
        )
        answer = verifier.handshake(delivery)
        if answer is not None:
            secret = answer.get("X-Hook-Secret", "")
            await run_in_threadpool(self._keep_secret, kind, target, secret)
            log.info("%s webhook handshake for %s accepted", kind, target or "(no target)")
            return Response(status_code=200, headers=answer)
        stored = await run_in_threadpool(self._stored, kind)
        if not verifier.verify(delivery, stored):
            log.warning("%s webhook refused: missing or wrong signature", kind)
            return JSONResponse({"error": "bad signature"}, status_code=401)
        payload = json_object(body)
        if payload is None:
            return JSONResponse({"error": "not a JSON event"}, status_code=400)
        key = verifier.event_key(delivery, payload)
        try:
            await run_in_threadpool(
                self.hirebot.inbox.receive, channel_of(kind), key, channel_of(kind), payload
            )
        except Exception:  # the database is down: the tracker delivers again later
            log.exception("%s webhook %s could not be recorded", kind, key)
            return JSONResponse({"error": "not recorded"}, status_code=500)
        return JSONResponse({"ok": True})

    def process(self, kind: str, payload: dict[str, Any]) -> None:
        """Apply one recorded delivery; raises (to be retried) if the database or, for a
        change to read back, the tracker fails."""
        changes = self.verifiers[kind].changes(payload)
        known = [c for c in changes if not c.refresh]
        known += self._read_back(kind, [c for c in changes if c.refresh])
        if known:
            apply_changes(self.hirebot, known)

    def _read_back(self, kind: str, changes: Sequence[ItemChange]) -> list[ItemChange]:
        """The items a tracker only said changed (Asana), as it reports them now."""
        client = self.hirebot.trackers.get(kind)
        if not changes or client is None:
            return []
        groups: dict[TrackerSpec, list[str]] = {}
        with self.hirebot.uow() as uow:
            ctx = system_context(self.hirebot, uow)
            for change in changes:
                spec = service.spec_for(ctx, kind, change.external_id)
                if spec is not None:  # not one of hirebot's items: nothing to read
                    groups.setdefault(spec, []).append(change.external_id)
        out: list[ItemChange] = []
        for spec, ids in groups.items():
            try:
                remote = client.fetch(spec, ids)
            except TrackerError as exc:
                raise RuntimeError(f"reading {kind} items back failed: {exc}") from exc
            out += [
                ItemChange(kind, r.external_id, done=r.done, due=r.due, due_known=True)
                for r in remote
            ]
        return out


def system_context(hirebot: Hirebot, uow: UnitOfWork) -> Context:
    """What a tracker's change is applied as: the system, in one unit of work."""
    return hirebot.context(uow, Actor("system", "tracker"))


def apply_changes(hirebot: Hirebot, changes: Sequence[ItemChange]) -> list[str]:
    """Changes a tracker reported (webhook or sync), in one unit of work as the system."""
    with hirebot.uow() as uow:
        ctx = system_context(hirebot, uow)
        with correlation(ctx.correlation_id):
            results = [service.apply_change(ctx, change) for change in changes]
        uow.commit()
    return results
