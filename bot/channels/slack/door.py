"""The short way in for `/hire` commands and button clicks: verified as Bolt verifies them,
recorded in the inbox on the event loop, acknowledged, with no trip through Bolt's dispatch.

Why: a command or click only has to be recorded before its ack (the inbox loop handles it,
bridge.py), yet through Bolt each one hopped to a worker thread for the synchronous dispatch
(its middleware chain, listener matching, the `ack` object) and held that thread while the
group commit wrote it. Profiled under load (docs/benchmarks.md, "Acknowledgements apart from
handling"), that hop and dispatch were a large share of an acknowledgement's cost; here the
write is awaited (`GroupCommit.submit_async`) and no thread waits.

Nothing is looser than Bolt: the same `SignatureVerifier.is_valid(body, timestamp,
signature)` its RequestVerification middleware calls, with the same secret and headers, the
same body parsing (`parse_body`), the same translation (`command_inbound`, `click_inbound`)
and the same answers (Bolt's own `Ack`). Anything else, a request that fails the check
included, goes to Bolt as before (which answers the 401): a bare `/hire add` and a click whose
action opens a modal (both call Slack within the trigger's 3 s), modal submissions, App Home,
events, `ssl_check`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from starlette.responses import Response

from bot.channels.slack.actions import click_inbound, modal_for_click
from bot.channels.slack.bridge import Bridge
from bot.channels.slack.commands import COMMAND, UNAVAILABLE, command_inbound, opens_form

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"


class Door:
    def __init__(self, signing_secret: str, bridge: Bridge) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.bridge = bridge

    async def answer(self, headers: Mapping[str, str], body: bytes) -> Response | None:
        """The ack for a command or click recorded here, or None: Bolt's to dispatch."""
        content_type = (headers.get("content-type") or "").split(";")[0].strip()
        if content_type != FORM:
            return None
        timestamp = headers.get("x-slack-request-timestamp", "0")
        signature = headers.get("x-slack-signature", "")
        if not self.verifier.is_valid(body, timestamp, signature):
            return None  # Bolt refuses it, as it always did
        try:
            payload = parse_body(body.decode("utf-8"), content_type)
        except ValueError:  # not readable: Bolt's to answer
            return None
        if payload.get("command") == COMMAND and "ssl_check" not in payload:
            if opens_form(payload):
                return None
            return await self._command(payload)
        if payload.get("type") == "block_actions" and self._plain_click(payload):
            return await self._click(payload)
        return None

    @staticmethod
    def _plain_click(payload: dict[str, Any]) -> bool:
        actions = payload.get("actions") or []
        return (
            bool(actions)
            and bool(str(actions[0].get("action_id") or ""))
            and modal_for_click(payload) is None
        )

    async def _command(self, payload: dict[str, Any]) -> Response:
        ack = Ack()  # type: ignore[no-untyped-call]  # untyped in slack_bolt
        try:
            await self.bridge.receive_async(
                command_inbound(payload), str(payload.get("response_url") or "")
            )
        except Exception:  # the database is down: say so rather than let Slack time out
            log.exception("a /hire command could not be recorded")
            ack(text=UNAVAILABLE, response_type="ephemeral")
        else:
            ack()
        return _response(ack)

    async def _click(self, payload: dict[str, Any]) -> Response:
        ack = Ack()  # type: ignore[no-untyped-call]  # untyped in slack_bolt
        ack()
        response_url = str(payload.get("response_url") or "")
        try:
            await self.bridge.receive_async(click_inbound(payload), response_url)
        except Exception:  # the database is down: tell the clicker rather than drop the click
            log.exception("a click could not be recorded")
            if response_url:
                self.bridge.notice(response_url, UNAVAILABLE)
        return _response(ack)


def _response(ack: Ack) -> Response:
    assert ack.response is not None  # set by the call above
    return to_starlette_response(ack.response)
