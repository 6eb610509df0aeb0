"""App Home: opening hirebot's Home tab publishes the person's dashboard (the core's `home`)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.channels.slack import render
from bot.channels.slack.bridge import CHANNEL, Bridge
from bot.handlers.dispatcher import Inbound

log = logging.getLogger(__name__)


def register(app: App, bridge: Bridge) -> None:
    @app.event("app_home_opened")
    def home_opened(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], client: WebClient
    ) -> None:
        """Builds the dashboard in the core, then views.publish (a protocol call, not a message)."""
        ack()
        if event.get("tab", "home") != "home":
            return
        user = str(event.get("user") or "")
        outcome = bridge.dispatch(
            Inbound(
                channel=CHANNEL,
                user_ref=user,
                conversation=user,
                text="/home",  # a command, never an answer to a guided flow
                dedup_key=f"slack:event:{body.get('event_id')}" if body.get("event_id") else None,
                deliver_inline=True,
            )
        )
        if outcome.duplicate:
            return
        try:
            client.views_publish(user_id=user, view=render.home_view(outcome.replies))
        except SlackApiError as exc:
            log.warning("views.publish for %s failed: %s", user, exc.response.get("error"))
