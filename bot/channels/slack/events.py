"""Events API: direct messages to hirebot are commands (or answers to a guided flow).

A DM is answered through the outbox (an event has no response_url), so the delivery worker
posts the reply in the DM. Retried events carry the same event_id, the dedup key.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.channels.slack.bridge import CHANNEL, Bridge
from bot.handlers.dispatcher import Inbound


def register(app: App, bridge: Bridge) -> None:
    @app.event("message")
    def direct_message(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Dispatches a person's DM; edits, bot posts and channel messages are ignored."""
        ack()
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        text = str(event.get("text") or "")
        if not text.strip():
            return
        bridge.dispatch(
            Inbound(
                channel=CHANNEL,
                user_ref=str(event.get("user") or ""),
                conversation=str(event.get("channel") or ""),
                text=text,
                dedup_key=f"slack:event:{body.get('event_id')}" if body.get("event_id") else None,
            )
        )
