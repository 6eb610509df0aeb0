"""Delivers Slack outbox rows: the only code that posts hirebot messages to Slack.

Cards are posted with chat.postMessage and their ts is returned, so later `card_update` rows
edit them in place (chat.update) and thread lines reply under them (thread_ts). Other messages
are known by "conversation:ts", so an erasure can edit them too (`message_update` rows).
A message's chart is drawn and uploaded after its text (files_upload_v2: a file is shared
into a conversation, never ephemerally, so an answer seen by the asker alone gets its chart
in their DM). An upload that fails is retried with the row, text and all: the text may then
show twice, the chart never goes missing.
Failures are sorted for the delivery worker: rate limits come back with Slack's Retry-After,
server errors and timeouts are retried with backoff, and errors no retry can fix (unknown
channel, revoked token, invalid blocks) are permanent.
The chart module (matplotlib) is imported by the first upload, not at start-up: most
deployments seldom draw one, and it cost `hirebot serve` a tenth of its start.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.channels.slack import render
from bot.delivery.sender import DeliveryError, OutgoingMessage
from bot.messages.reply import Chart
from bot.services.outbox import MESSAGE_UPDATE

log = logging.getLogger(__name__)

CHANNEL = "slack"
# Slack error codes that mean "try again later"; every other error code is permanent.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
DEFAULT_RETRY_AFTER = 1.0
# Error codes meaning the recipient is out of reach until someone acts (invites the bot back,
# fixes the channel id in config.yaml, reactivates the account): reported, not only logged.
UNREACHABLE_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_not_in_channel",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
    }
)
# chat.update errors meaning this message can never be edited: nothing to retry.
UNEDITABLE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


def delivery_error(exc: SlackApiError) -> DeliveryError:
    """Sort a Web API failure into retry-after, retryable and permanent."""
    status = exc.response.status_code
    code = str(exc.response.get("error") or f"http_{status}")
    if status == 429 or code == "ratelimited":
        raw = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
        try:
            retry_after = float(raw) if raw is not None else DEFAULT_RETRY_AFTER
        except ValueError:
            retry_after = DEFAULT_RETRY_AFTER
        return DeliveryError(
            f"slack rate limited ({code})", retry_after=max(retry_after, 0.0), rate_limited=True
        )
    if status >= 500 or code in TRANSIENT_ERRORS:
        return DeliveryError(f"slack server error {status}: {code}")
    detail = exc.response.get("response_metadata", {}).get("messages") or []
    suffix = f" {'; '.join(map(str, detail))[:500]}" if detail else ""
    return DeliveryError(
        f"slack refused: {code}{suffix}", retryable=False, unreachable=code in UNREACHABLE_ERRORS
    )


class SlackSender:
    """`Sender` over slack_sdk's WebClient (base URL from SLACK_API_URL)."""

    channel = CHANNEL

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def send(self, message: OutgoingMessage) -> str | None:
        try:
            return self._send(message)
        except SlackApiError as exc:
            raise delivery_error(exc) from exc
        except (SlackRequestError, OSError) as exc:  # timeouts, refused connections, DNS
            raise DeliveryError(f"slack unreachable: {type(exc).__name__}: {exc}") from exc

    def _send(self, message: OutgoingMessage) -> str | None:
        reply = message.reply
        pointer = ""
        if message.card_key and message.card_key.startswith("applicant:"):
            pointer = f"/hire show {message.card_key.removeprefix('applicant:')}"
        rendered = render.message(reply, pointer=pointer)
        content: dict[str, Any] = rendered.payload()
        if message.kind == "card_update":
            if not message.card_ref:
                # The card was never posted here (dead row, channel added later): nothing to edit.
                log.warning(
                    "no posted card %s in %s to update", message.card_key, message.destination
                )
                return None
            self.client.chat_update(channel=message.destination, ts=message.card_ref, **content)
            return message.card_ref
        if message.kind == MESSAGE_UPDATE:
            return self._edit(message, content)
        if message.ephemeral_to:
            answer = self.client.chat_postEphemeral(
                channel=message.destination, user=message.ephemeral_to, **content
            )
            if reply.chart is not None:
                self._upload(reply.chart, self._dm(message.ephemeral_to))
            return _str(answer.get("message_ts"))
        if message.thread_card_key and message.card_ref:
            content["thread_ts"] = message.card_ref
        answer = self.client.chat_postMessage(
            channel=message.destination, unfurl_links=False, unfurl_media=False, **content
        )
        if reply.chart is not None:
            self._upload(reply.chart, str(answer.get("channel") or message.destination))
        if message.kind == "card":
            return _str(answer.get("ts"))
        # A message is known by its conversation and ts; a DM's conversation is not the user id
        # it was posted to, and chat.update needs the conversation.
        return message_ref(answer.get("channel"), answer.get("ts"))

    def _dm(self, user: str) -> str:
        return str(self.client.conversations_open(users=user)["channel"]["id"])

    def _upload(self, chart: Chart, conversation: str) -> None:
        """The chart as a PNG file shared into `conversation` (a C, G or D id)."""
        from bot.messages import charts  # matplotlib: loaded when first needed

        if conversation[:1] in ("U", "W"):
            conversation = self._dm(conversation)
        self.client.files_upload_v2(
            channel=conversation,
            file=charts.png(chart),
            filename=chart.filename,
            title=chart.title,
            alt_txt=chart.title[:1000],
        )

    def _edit(self, message: OutgoingMessage, content: dict[str, Any]) -> str | None:
        """Edit a delivered message (erasure). Ephemeral messages, and messages Slack no longer
        lets the app edit, cannot be reached: logged and skipped."""
        if message.ephemeral_to:
            log.info("an ephemeral message cannot be edited (%s)", message.card_ref)
            return message.card_ref
        channel, ts = parse_ref(message.card_ref, message.destination)
        if not ts:
            log.warning("no platform id for the message to edit in %s", message.destination)
            return None
        if channel[:1] in ("U", "W"):  # delivered before refs named the DM conversation
            channel = str(self.client.conversations_open(users=channel)["channel"]["id"])
        try:
            self.client.chat_update(channel=channel, ts=ts, **content)
        except SlackApiError as exc:
            if exc.response.get("error") in UNEDITABLE:
                log.warning("message %s cannot be edited: %s", ts, exc.response.get("error"))
                return message.card_ref
            raise
        return message_ref(channel, ts)


def message_ref(channel: object, ts: object) -> str | None:
    return f"{channel}:{ts}" if channel and ts else _str(ts)


def parse_ref(ref: str | None, destination: str) -> tuple[str, str]:
    """(conversation, ts) of a delivered message; refs of bare ts are in `destination`."""
    channel, sep, ts = (ref or "").rpartition(":")
    return (channel, ts) if sep else (destination, ref or "")


def _str(value: object) -> str | None:
    return str(value) if value is not None else None
