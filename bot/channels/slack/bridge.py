"""What every Slack listener shares: the way into the core and the way answers go back inline.

Listeners translate a Slack payload into an `Inbound`. Commands, clicks and DMs are recorded in
the inbox (`receive`) and acknowledged at once; the inbox loop then calls `process`, which runs
the core and posts the answer to the person who asked through the interaction's response_url
(retried, and sent to their DM if it cannot be posted there: responder.py). Modal
submissions, whose ack must carry the field errors, call `dispatch` directly. Answers given
inline are not outbox rows at all (the core records them in the audit log); everything else
(cards, their updates and thread lines, DM replies, a reply with a chart) is an outbox row for
the delivery worker and the Slack sender.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import Any

from bot.bootstrap import Hirebot
from bot.channels.slack import render
from bot.channels.slack.responder import Responder
from bot.handlers import inbound_codec
from bot.handlers.dispatcher import Inbound, Outcome, new_correlation_id
from bot.logging_setup import correlation
from bot.messages.reply import error
from bot.services import lookups
from bot.services.context import Actor

log = logging.getLogger(__name__)

CHANNEL = "slack"


def is_direct(conversation: str) -> bool:
    """Slack DM channel ids start with D; everything else (C, G) is seen by several people."""
    return conversation.startswith("D")


class Bridge:
    def __init__(self, hirebot: Hirebot, *, workers: int = 4) -> None:
        self.hirebot = hirebot
        self.responder = Responder(hirebot, workers=workers)

    def receive(self, inbound: Inbound, response_url: str = "") -> bool:
        """Record the event for the inbox loop; False if Slack delivered it before. Its
        correlation id is minted here, at the door, and stays with it."""
        cid, key, lane, payload = self._recorded(inbound, response_url)
        with correlation(cid):
            return self.hirebot.inbox.receive(CHANNEL, key, lane, payload, correlation_id=cid)

    async def receive_async(self, inbound: Inbound, response_url: str = "") -> bool:
        """`receive` from the event loop (door.py): the inbox's write is awaited."""
        cid, key, lane, payload = self._recorded(inbound, response_url)
        with correlation(cid):
            return await self.hirebot.inbox.receive_async(
                CHANNEL, key, lane, payload, correlation_id=cid
            )

    def _recorded(
        self, inbound: Inbound, response_url: str
    ) -> tuple[str, str, str, dict[str, Any]]:
        """(correlation id, key, lane, payload) of the inbox row for this event."""
        cid = inbound.correlation_id or new_correlation_id()
        inbound = dataclasses.replace(inbound, correlation_id=cid)
        payload = {
            "inbound": inbound_codec.dump(inbound),
            "response_url": response_url,
            "received_at": self.hirebot.clock.now().isoformat(),
        }
        return cid, inbound.dedup_key or f"slack:{cid}", f"slack:{inbound.user_ref}", payload

    def receive_user_change(self, user: str, timezone: str, event_id: str) -> bool:
        """Record that a user's profile changed (their id and timezone only)."""
        cid = new_correlation_id()
        key = f"slack:event:{event_id}" if event_id else f"slack:{cid}"
        payload = {"user_change": {"user": user, "tz": timezone}}
        with correlation(cid):
            return self.hirebot.inbox.receive(
                CHANNEL, key, f"slack:{user}", payload, correlation_id=cid
            )

    def user_changed(self, user: str, timezone: str) -> str:
        """A Slack profile changed: the team member there follows its timezone, changed by
        hirebot itself (services/lookups.py)."""
        actor = Actor("system", "hirebot (from Slack)")
        return self.hirebot.dispatcher.apply(
            actor, lambda ctx: lookups.timezone_followed(ctx, CHANNEL, user, timezone)
        )

    def process(self, payload: dict[str, Any]) -> None:
        """Handle one recorded event; the answer goes to its response_url, if it has one."""
        if "user_change" in payload:
            change = payload["user_change"]
            log.info("slack user_change: %s", self.user_changed(change["user"], change["tz"]))
            return
        inbound = inbound_codec.load(payload["inbound"])
        response_url = str(payload.get("response_url") or "")
        received = payload.get("received_at")
        outcome = self.dispatch(inbound)
        if response_url and not outcome.duplicate:
            # A response_url takes no files: a reply with a chart is an outbox row for the sender.
            inline = [r for r in outcome.replies if r.chart is None]
            outcome = dataclasses.replace(outcome, replies=inline)
            self.responder.submit(
                response_url,
                outcome,
                render.pack(outcome.replies),
                user=inbound.user_ref,
                received_at=datetime.fromisoformat(received) if received else None,
            )

    def dispatch(self, inbound: Inbound) -> Outcome:
        """Run the core; a failure outside it (database down) still gets the person an answer."""
        cid = inbound.correlation_id or new_correlation_id()
        try:
            return self.hirebot.dispatcher.handle(dataclasses.replace(inbound, correlation_id=cid))
        except Exception:
            with correlation(cid):
                log.exception(
                    "slack %s could not be handled", "action" if inbound.action else "text"
                )
            return Outcome(
                cid,
                replies=[error(f"hirebot could not handle that just now (ref {cid}); try again")],
            )

    def notice(self, response_url: str, text: str) -> None:
        """Tell the clicker about a problem that never reached the core (a modal not opened)."""
        self.responder.submit(response_url, None, [render.notice(text)])

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for answers still being posted (shutdown, and tests that check what was sent)."""
        self.responder.drain(timeout)

    def close(self) -> None:
        self.responder.close(timeout=10.0)
        self.drain(0)
