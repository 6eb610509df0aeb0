"""Events API: direct messages to hirebot are commands (or answers to a guided flow), and
`user_change` keeps a team member's timezone with their Slack profile's.

A DM is recorded in the inbox and acknowledged; the inbox loop runs it, and the reply goes
through the outbox (an event has no response_url), posted in the DM by the delivery worker.
Retried events carry the same event_id, the inbox's key, so a retry is skipped at the door. If
the event cannot be recorded the listener raises, Bolt answers 500, and Slack retries.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.channels.slack.bridge import CHANNEL, Bridge
from bot.handlers.dispatcher import Inbound


def register(app: App, bridge: Bridge) -> None:
    @app.event("message")
    def direct_message(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Records a person's DM; edits, bot posts and channel messages are ignored."""
        text = str(event.get("text") or "")
        ignored = event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id")
        if ignored or not text.strip():
            ack()
            return
        bridge.receive(
            Inbound(
                channel=CHANNEL,
                user_ref=str(event.get("user") or ""),
                conversation=str(event.get("channel") or ""),
                text=text,
                dedup_key=f"slack:event:{body.get('event_id')}" if body.get("event_id") else None,
            )
        )
        ack()

    @app.event("user_change")
    def user_change(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        user = event.get("user") if isinstance(event.get("user"), dict) else {}
        assert isinstance(user, dict)
        if user.get("id") and user.get("tz"):
            bridge.receive_user_change(
                str(user["id"]), str(user["tz"]), str(body.get("event_id") or "")
            )
        ack()
