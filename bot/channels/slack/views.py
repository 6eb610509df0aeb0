"""Modal submissions (`view_submission`): the add-applicant form and "type a reason" prompts.

The submission is dispatched to the core and the answer goes in the ack: the core's field
errors become `response_action: errors` beside each input (the modal stays open, nothing is
stored); any other outcome replaces the modal with the result (`response_action: update`).
A modal is seen only by the person who submitted it, so it counts as a private conversation.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App

from bot.channels.slack import modals, render
from bot.channels.slack.bridge import CHANNEL, Bridge
from bot.handlers.dispatcher import ActionEvent, Inbound, Outcome
from bot.handlers.forms import ADD_APPLICANT

ERROR_MAX = 500


def _dedup_key(body: dict[str, Any], view: dict[str, Any]) -> str:
    """Each submission has its own trigger_id: a resubmission after errors is a new event."""
    trigger = body.get("trigger_id") or f"{view.get('id')}:{view.get('hash')}"
    return f"slack:view:{trigger}"


def _answer(
    ack: Ack,
    bridge: Bridge,
    outcome: Outcome,
    *,
    title: str,
    inputs: set[str],
    fallback: str | None,
) -> None:
    """Errors beside the inputs they concern (other errors beside `fallback`, when the modal
    has one input they are about), or the modal replaced by the outcome."""
    if outcome.duplicate:
        ack()
        return
    reply = outcome.replies[0] if outcome.replies else None
    if reply is not None and reply.kind == "error":
        errors = render.field_errors(reply)
        if errors is None and fallback is not None:
            errors = {fallback: reply.text}
        if errors and set(errors) <= inputs:
            ack(
                response_action="errors",
                errors={k: render.cut_plain(v, ERROR_MAX) for k, v in errors.items()},
            )
            return
    ack(response_action="update", view=render.result_view(outcome.replies, title))


def register(app: App, bridge: Bridge) -> None:
    @app.view(modals.ADD_APPLICANT)
    def add_applicant(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Sends every field to the core's form action, which checks them all at once."""
        fields = modals.values(view)
        channel = modals.metadata(view).get("c", "")
        outcome = bridge.dispatch(
            Inbound(
                channel=CHANNEL,
                user_ref=str((body.get("user") or {}).get("id") or ""),
                conversation=channel or str((body.get("user") or {}).get("id") or ""),
                action=ActionEvent(ADD_APPLICANT, json.dumps(fields, separators=(",", ":"))),
                dedup_key=_dedup_key(body, view),
                deliver_inline=True,
            )
        )
        inputs = {"role", *(spec.block_id for spec in modals.ADD_INPUTS)}
        _answer(ack, bridge, outcome, title="Add applicant", inputs=inputs, fallback=None)

    @app.view(modals.ACTION_INPUT)
    def action_input(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Dispatches the clicked action with the text the person typed."""
        meta = modals.metadata(view)
        typed = modals.values(view).get(modals.PROMPT_BLOCK, "")
        user = str((body.get("user") or {}).get("id") or "")
        outcome = bridge.dispatch(
            Inbound(
                channel=CHANNEL,
                user_ref=user,
                conversation=meta.get("c") or user,
                action=ActionEvent(meta.get("a", ""), meta.get("v", ""), typed),
                dedup_key=_dedup_key(body, view),
                deliver_inline=True,
            )
        )
        title = str(((view.get("title") or {}).get("text")) or "hirebot")
        _answer(ack, bridge, outcome, title=title, inputs={modals.PROMPT_BLOCK}, fallback="input")
