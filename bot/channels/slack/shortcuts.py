"""Global shortcuts: "Add applicant" from anywhere in Slack opens the add-applicant modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.channels.slack import modals
from bot.channels.slack.bridge import Bridge
from bot.channels.slack.commands import open_add_form


def register(app: App, bridge: Bridge) -> None:
    @app.shortcut(modals.ADD_SHORTCUT)
    def add_applicant(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Acks and opens the form (a global shortcut has no channel to preselect a role by)."""
        ack()
        open_add_form(client, bridge, str(body.get("trigger_id") or ""), "")
