"""`/hire <command …>`: the shared command set, acknowledged at once and answered ephemerally.

The command is recorded in the inbox and the ack leaves straight away (empty: Slack shows the
asker nothing yet); the inbox loop runs it and posts the answer to the command's response_url,
which Slack shows only to the asker. Changes the team should see (cards, their updates, thread
lines) are queued by the core and posted by the delivery worker. `/hire add` with nothing else
opens the add-applicant modal inside the request, since its trigger_id expires in 3 s.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.channels.slack import modals, render
from bot.channels.slack.bridge import CHANNEL, Bridge, is_direct
from bot.handlers.dispatcher import Inbound

log = logging.getLogger(__name__)

COMMAND = "/hire"
UNAVAILABLE = "hirebot could not take that just now; try again in a minute"


def open_add_form(client: WebClient, bridge: Bridge, trigger_id: str, channel: str) -> str | None:
    """Opens the add-applicant modal; returns a problem to tell the person, or None."""
    view = modals.add_applicant(bridge.hirebot.catalog.roles.values(), channel=channel)
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        return (
            "the add-applicant form could not be opened; try again, or type "
            f"`{COMMAND} add <role> <name> [email=…] …`"
        )
    return None


def opens_form(command: dict[str, Any]) -> bool:
    """A bare `/hire add` opens the add-applicant modal (inside the request: its trigger_id
    expires in 3 s) rather than being recorded."""
    text = str(command.get("text") or "")
    return text.strip().lower() == "add" and bool(command.get("trigger_id"))


def command_inbound(command: dict[str, Any]) -> Inbound:
    """The core's view of a `/hire` command (any but the one that opens a form)."""
    text = str(command.get("text") or "")
    channel = str(command.get("channel_id") or "")
    trigger_id = str(command.get("trigger_id") or "")
    return Inbound(
        channel=CHANNEL,
        user_ref=str(command.get("user_id") or ""),
        conversation=channel,
        # "/…" is always a command, never an answer to a guided flow.
        text=f"{COMMAND} {text}" if text.strip() else "/help",
        dedup_key=f"slack:cmd:{trigger_id}" if trigger_id else None,
        shared_conversation=not is_direct(channel),
        deliver_inline=True,
    )


def register(app: App, bridge: Bridge) -> None:
    @app.command(COMMAND)
    def hire(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        """Translates, records and acks; the inbox loop answers through the response_url."""
        if opens_form(command):
            channel = str(command.get("channel_id") or "")
            trigger_id = str(command.get("trigger_id") or "")
            problem = open_add_form(client, bridge, trigger_id, channel)
            if problem:
                # hirebot's own hint, whose `code` is meant as such (no user text in it)
                ack(text=render.escape_entities(problem), response_type="ephemeral")
            else:
                ack()
            return
        inbound = command_inbound(command)
        try:
            bridge.receive(inbound, str(command.get("response_url") or ""))
        except Exception:  # the database is down: say so rather than let Slack time out
            log.exception("a /hire command could not be recorded")
            ack(text=UNAVAILABLE, response_type="ephemeral")
            return
        ack()
