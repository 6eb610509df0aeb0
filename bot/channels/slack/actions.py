"""Button clicks (`block_actions`): a card's Advance, Reject, Details, and any core action.

A button's action_id is the core action id (with a `#n` suffix when several buttons in one
block share it, see render.core_action) and its value the core's short reference, so a click
dispatches as it is. A button whose action needs typed input (Reject asks for a reason)
opens a modal first; views.py dispatches it on submit. Any other click is recorded in the
inbox and acked; the inbox loop handles it and posts the answer to the clicker through the
interaction's response_url, ephemerally. The card's update in place and its thread line are
queued by the core and posted by the delivery worker.

The dedup key is the click's trigger_id: Slack gives every click a new one, so a retried
delivery is a duplicate while a second click is a new event (which the stage carried in the
button's value makes harmless).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.channels.slack import modals, render
from bot.channels.slack.bridge import CHANNEL, Bridge, is_direct
from bot.channels.slack.commands import UNAVAILABLE
from bot.handlers.dispatcher import ActionEvent, Inbound

log = logging.getLogger(__name__)

# Actions with a richer form than one text prompt (e.g. scheduling an interview) add a
# builder here: (action_id, value, channel) -> modal view. Their submissions go in views.py.
ModalBuilder = Callable[[str, str, str], dict[str, Any]]
ACTION_MODALS: dict[str, ModalBuilder] = {}


def _modal_for(action: dict[str, Any], channel: str) -> dict[str, Any] | None:
    element_id = str(action.get("action_id") or "")
    action_id = render.core_action(element_id)
    value = str(action.get("value") or "")
    builder = ACTION_MODALS.get(action_id)
    if builder is not None:
        return builder(action_id, value, channel)
    prompt = render.prompts_of(str(action.get("block_id") or "")).get(element_id)
    if prompt is None:
        return None
    title = str((action.get("text") or {}).get("text") or "hirebot")
    return modals.action_input(action_id, value, title=title, prompt=prompt, channel=channel)


def click_inbound(body: dict[str, Any]) -> Inbound:
    """The core's view of a click on a button whose action opens no modal."""
    action = (body.get("actions") or [{}])[0]
    user = str((body.get("user") or {}).get("id") or "")
    channel = str((body.get("channel") or {}).get("id") or "")
    trigger_id = str(body.get("trigger_id") or "")
    key = trigger_id or f"{action.get('action_ts')}:{user}"
    return Inbound(
        channel=CHANNEL,
        user_ref=user,
        conversation=channel or user,
        action=ActionEvent(
            render.core_action(str(action.get("action_id") or "")),
            str(action.get("value") or ""),
        ),
        dedup_key=f"slack:act:{key}",
        shared_conversation=bool(channel) and not is_direct(channel),
        deliver_inline=bool(body.get("response_url")),
    )


def modal_for_click(body: dict[str, Any]) -> dict[str, Any] | None:
    """The modal a click opens (its action needs typed input or a form), or None."""
    actions = body.get("actions") or []
    if not actions:
        return None
    channel = str((body.get("channel") or {}).get("id") or "")
    return _modal_for(actions[0], channel)


def register(app: App, bridge: Bridge) -> None:
    @app.block_action(re.compile(r".+"))
    def click(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Acks, then opens the action's modal or records the click for the inbox loop."""
        ack()
        actions = body.get("actions") or []
        if not actions:
            return
        action = actions[0]
        trigger_id = str(body.get("trigger_id") or "")
        view = modal_for_click(body)
        if view is not None:
            try:
                client.views_open(trigger_id=trigger_id, view=view)
            except SlackApiError as exc:
                log.warning("views.open for %s failed: %s", action.get("action_id"), exc)
                if body.get("response_url"):
                    bridge.notice(
                        str(body["response_url"]),
                        "the form could not be opened; try again, or use the /hire command",
                    )
            return
        response_url = str(body.get("response_url") or "")
        try:
            bridge.receive(click_inbound(body), response_url)
        except Exception:  # the database is down: tell the clicker rather than drop the click
            log.exception("a click could not be recorded")
            if response_url:
                bridge.notice(response_url, UNAVAILABLE)
