"""WhatsApp inside `hirebot serve`: the webhook route and the sender for the delivery loop.

`GET /whatsapp/webhook` answers Meta's verification handshake. `POST /whatsapp/webhook`
checks `X-Hub-Signature-256` (an HMAC-SHA256 of the raw body with the app secret, compared in
constant time; pywa's `webhook_updates_validator`), splits the notification into its messages
and statuses, parses each with pywa's types (`Message`, `CallbackButton`, `CallbackSelection`,
`MessageStatus`) into its stored form (`translate`: a message as the codec's `Inbound`, as every
channel stores it), records it in the inbox under its `wamid` (a redelivery is skipped there)
and answers 200 at once. The inbox loop then hands each one back here, in order per person,
where the sender is identified and the core handles it. pywa's own server and handler
registry are not used: they answer after handling and de-duplicate in memory only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.bootstrap import Hirebot
from bot.channels.whatsapp.inbound import Correspondent, identify, phone_of
from bot.channels.whatsapp.plugin import NAME
from bot.channels.whatsapp.settings import WhatsAppSettings
from bot.delivery.sender import OutgoingMessage, Sender
from bot.handlers import inbound_codec
from bot.handlers.dispatcher import ActionEvent, Inbound, new_correlation_id
from bot.logging_setup import correlation
from bot.runtime.body_limit import BodyTooLarge, json_object, read_body
from bot.services.outbox import reply_of
from bot.services.reachability import report_undeliverable

if TYPE_CHECKING:
    from pywa.client import WhatsApp
    from pywa.types.user import BaseUser

    from bot.channels.whatsapp.sender import WhatsAppSender

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/whatsapp/webhook"
SIGNATURE_HEADER = "X-Hub-Signature-256"
# The verification request's parameters (Meta's webhook set-up; pywa.utils.HUB_VT and HUB_CH)
HUB_VERIFY_TOKEN, HUB_CHALLENGE = "hub.verify_token", "hub.challenge"


def signed(secret: str | None, body: bytes, header: str | None) -> bool:
    """Meta's signature over the raw body: `sha256=` and the hex HMAC-SHA256 of the body
    under the app secret, compared in constant time (what pywa's `webhook_updates_validator`
    does, computed here so that checking it never loads pywa)."""
    if not secret or not header:
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def split(notification: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(inbox key, lane, single-item payload) for each message and status in a notification:
    Meta batches several in one request, and each is handled (and retried) on its own."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for entry in notification.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for change in entry.get("changes") or []:
            if not isinstance(change, dict) or change.get("field") != "messages":
                continue
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            contacts = [c for c in value.get("contacts") or [] if isinstance(c, dict)]
            base = {k: v for k, v in value.items() if k not in ("messages", "statuses")}
            for item_kind, key_part in (("messages", "message"), ("statuses", "status")):
                for item in value.get(item_kind) or []:
                    if not isinstance(item, dict) or not item.get("id"):
                        continue
                    who = _contact_for(item, contacts)
                    single = {
                        "object": notification.get("object"),
                        "entry": [
                            {
                                "id": entry.get("id"),
                                "changes": [
                                    {
                                        "field": "messages",
                                        "value": {
                                            **base,
                                            "contacts": [who] if who else contacts[:1],
                                            item_kind: [item],
                                        },
                                    }
                                ],
                            }
                        ],
                    }
                    user = _user_of(item, who)
                    key = f"{NAME}:{key_part}:{item['id']}"
                    if item_kind == "statuses":
                        key += f":{item.get('status')}"
                    out.append((key, f"{NAME}:{user}", single))
    return out


def _contact_for(item: dict[str, Any], contacts: list[dict[str, Any]]) -> dict[str, Any] | None:
    ids = {item.get("from"), item.get("from_user_id"), item.get("recipient_id")}
    ids |= {item.get("recipient_user_id")}
    ids.discard(None)
    for contact in contacts:
        if contact.get("wa_id") in ids or contact.get("user_id") in ids:
            return contact
    return contacts[0] if len(contacts) == 1 else None


def _user_of(item: dict[str, Any], contact: dict[str, Any] | None) -> str:
    for key in ("from", "from_user_id", "recipient_id", "recipient_user_id"):
        if item.get(key):
            return str(item[key])
    if contact:
        return str(contact.get("wa_id") or contact.get("user_id") or "-")
    return "-"


class WhatsAppRuntime:
    name = NAME

    def __init__(self, hirebot: Hirebot) -> None:
        self.hirebot = hirebot
        self.settings = hirebot.env.channel_settings(WhatsAppSettings)
        if not self.settings.token:
            raise ValueError("WHATSAPP_TOKEN is not set")
        # pywa (about 8 MB and a tenth of the server's start) is loaded by the first
        # notification or the first message sent, not at start (docs/benchmarks.md).
        self._client: WhatsApp | None = None
        self._client_lock = threading.Lock()
        self._sender = _FirstUseSender(hirebot)
        for missing in ("phone_number_id", "app_secret", "verify_token"):
            if not getattr(self.settings, missing):
                log.error(
                    "WHATSAPP_%s is not set: the WhatsApp channel cannot work without it",
                    missing.upper(),
                )

    @property
    def client(self) -> WhatsApp:
        """pywa's client, which parses the notifications (built, pywa loaded, at the first)."""
        with self._client_lock:
            if self._client is None:
                from bot.channels.whatsapp.client import make_client

                self._client = make_client(self.settings)
            return self._client

    def sender(self) -> Sender:
        return self._sender

    def routes(self) -> list[BaseRoute]:
        return [
            Route(WEBHOOK_PATH, self._verify, methods=["GET"]),
            Route(WEBHOOK_PATH, self._webhook, methods=["POST"]),
        ]

    def start(self, *, inbound: bool = True) -> None:
        return None

    def stop(self) -> None:
        self._sender.close()

    def health(self) -> dict[str, object]:
        return {"phone_number_id": self.settings.phone_number_id, "mode": "webhook"}

    # Webhook -------------------------------------------------------------------------------

    async def _verify(self, request: Request) -> Response:
        params = request.query_params
        token = self.settings.verify_token
        given = params.get(HUB_VERIFY_TOKEN)
        if (
            params.get("hub.mode") == "subscribe"
            and token
            and given is not None
            and hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))
        ):
            return PlainTextResponse(params.get(HUB_CHALLENGE, ""))
        log.warning("whatsapp webhook verification refused: wrong verify token or mode")
        return PlainTextResponse("Forbidden", status_code=403)

    async def _webhook(self, request: Request) -> Response:
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return JSONResponse({"error": "too large"}, status_code=413)
        if not signed(self.settings.app_secret, body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("whatsapp webhook refused: missing or wrong signature")
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        data = json_object(body)
        if data is None:
            return JSONResponse({"error": "not a JSON notification"}, status_code=400)
        if self._client is None:  # the first notification loads pywa, off the event loop
            await run_in_threadpool(lambda: self.client)
        try:
            for key, lane, single in split(data):
                await self._record(key, lane, single)
        except Exception:  # the database is down: Meta delivers the notification again later
            log.exception("whatsapp notification could not be recorded")
            return JSONResponse({"error": "not recorded"}, status_code=500)
        return JSONResponse({"ok": True})

    async def _record(self, key: str, lane: str, single: dict[str, Any]) -> None:
        """One item in the inbox in its stored form, under the correlation id minted here. An
        item pywa cannot read is kept as it came (its handling fails, and `hirebot inbox`
        shows why) rather than answered 500: Meta would deliver it again and again."""
        cid = new_correlation_id()
        with correlation(cid):
            try:
                stored = self.translate(single, cid)
            except Exception:
                log.exception("whatsapp item %s could not be read; kept as it came", key)
                stored = single
            if stored is None:
                return
            await run_in_threadpool(
                self.hirebot.inbox.receive, NAME, key, lane, stored, correlation_id=cid
            )

    # What the inbox stores of one message or status -------------------------------------

    def translate(self, single: dict[str, Any], correlation_id: str | None = None) -> Stored:
        """The stored form of one item of a notification (`split`), parsed by pywa's types at
        the door: a message as the codec's `Inbound` (bot/handlers/inbound_codec.py), as every
        channel stores it, with what only WhatsApp's handling needs beside it (`sender`: the
        ids `identify` reads; `quoted`: the message it replies to; `ignored`: why the core is
        not asked, the person having written all the same); a status as its wamid, word and
        error. Who the sender is to hirebot is decided when it is handled, in order with their
        other messages, because that is where their window and invitation change. None for an
        item that is none of ours."""
        from pywa.types.base_update import RawUpdate
        from pywa.types.callback import CallbackButton, CallbackSelection
        from pywa.types.message import Message
        from pywa.types.message_status import MessageStatus

        from bot.channels.whatsapp.sender import INVITE_ANSWER

        raw = RawUpdate(
            json.dumps(single).encode(), hmac_header=None, update_hash=payload_hash(single)
        )
        value = raw.value
        if value.get("statuses"):
            status = MessageStatus.from_update(client=self.client, update=raw)
            error = status.error
            return {
                "status": {
                    "id": status.id,
                    "status": str(status.status),
                    "error": None if error is None else [error.code, error.message],
                }
            }
        message = value["messages"][0]
        kind = message.get("type")
        tap: CallbackButton[Any] | CallbackSelection[Any]
        if kind == "interactive":
            reply_kind = (message.get("interactive") or {}).get("type")
            if reply_kind == "button_reply":
                tap = CallbackButton.from_update(client=self.client, update=raw)
            elif reply_kind == "list_reply":
                tap = CallbackSelection.from_update(client=self.client, update=raw)
            else:
                log.info("ignoring whatsapp interactive %s %s", reply_kind, message.get("id"))
                return None
            return _tapped(tap.from_user, tap.id, tap.data, correlation_id)
        if kind == "button":  # a template's quick reply: the invitation answered, or not ours
            tap = CallbackButton.from_update(client=self.client, update=raw)
            why = "the invitation answered" if tap.data == INVITE_ANSWER else f"{tap.data!r}"
            return _stored(tap.from_user, tap.id, correlation_id, ignored=f"quick reply {why}")
        parsed = Message.from_update(client=self.client, update=raw)
        if kind != "text" or parsed.text is None:
            ignored = f"{kind} message: only text is read"
            return _stored(parsed.from_user, parsed.id, correlation_id, ignored=ignored)
        quoted = parsed.reply_to_message.message_id if parsed.reply_to_message else None
        return _stored(parsed.from_user, parsed.id, correlation_id, text=parsed.text, quoted=quoted)

    # Handling one recorded item ----------------------------------------------------------

    def process_event(self, payload: dict[str, Any]) -> None:
        """Handle one stored item; one recorded before the door translated (the raw item of
        a notification, with its `entry`) is translated now, the same way."""
        stored = self.translate(payload) if "entry" in payload else payload
        if stored is None:
            return
        if "status" in stored:
            self._status(stored["status"])
            return
        sender = stored["sender"]
        who = identify(self.hirebot, sender["wa_id"], sender["bsuid"])
        inbound = replace(
            inbound_codec.load(stored["inbound"]), user_ref=who.address, conversation=who.address
        )
        if "ignored" in stored:
            log.info("whatsapp %s from %s: %s", inbound.dedup_key, who.address, stored["ignored"])
        elif inbound.text is not None:
            self._text(who, inbound, stored.get("quoted"))
        else:
            self.hirebot.dispatcher.handle(inbound)

    def _text(self, who: Correspondent, inbound: Inbound, quoted: str | None) -> None:
        """A reply to one of our prompts (quoted, or the latest message was one) answers it;
        any other text is a command, or an open flow's answer (the core decides)."""
        text = inbound.text or ""
        if who.answers_invitation and not self._is_command(text):
            log.info("%s answered the invitation; waiting messages follow", inbound.dedup_key)
            return
        asked = self._asked(who.address, quoted)
        if asked is not None:
            action_id, value = asked
            event = ActionEvent(action_id, value, text)
            self.hirebot.dispatcher.handle(replace(inbound, text=None, action=event))
            return
        self.hirebot.dispatcher.handle(inbound)

    def _is_command(self, text: str) -> bool:
        words = text.strip().lstrip("/").split(maxsplit=1)
        commands = self.hirebot.commands
        return bool(words) and (
            words[0].lower() in commands.commands or words[0].lower() in commands.aliases
        )

    def _asked(self, address: str, quoted: str | None) -> tuple[str, str] | None:
        with self.hirebot.uow() as uow:
            row = uow.outbox.by_external_ref(NAME, quoted) if quoted else None
            if row is None or row.destination != address:
                row = uow.outbox.last_sent(NAME, address)
            if row is None:
                return None
            asks = reply_of(row).asks
        return (asks.action.id, asks.action.value) if asks is not None else None

    def _status(self, status: dict[str, Any]) -> None:
        """Recorded against the outbox row; a permanent failure reports the person unreachable
        (as a refused send does), a closed window or a rate limit sends the row again."""
        from pywa.types.message_status import MessageStatusType

        from bot.channels.whatsapp.sender import UNREACHABLE_CODES

        wamid, kind, error = status["id"], status["status"], status["error"]
        now = self.hirebot.clock.now()
        unreachable: tuple[int, str, str, str] | None = None
        resend = False
        with self.hirebot.uow() as uow:
            row = uow.outbox.by_external_ref(NAME, wamid)
            if row is None:
                log.info("whatsapp status %s for unknown message %s", kind, wamid)
                return
            if _RANK.get(kind, 0) >= _RANK.get(row.receipt or "", 0):
                row.receipt, row.receipt_at = kind, now
            if kind == MessageStatusType.FAILED:
                code, message = error if error is not None else (0, "failed")
                reason = f"whatsapp {code}: {message}"
                row.last_error = reason[:2000]
                if code in RESEND_CODES:
                    row.status, row.next_attempt_at, resend = "pending", now, True
                    if code == REENGAGEMENT:
                        uow.contacts.closed(NAME, row.destination)
                elif code in UNREACHABLE_CODES:
                    row.status = "failed"
                    unreachable = (row.id, row.destination, reason, row.correlation_id)
                else:
                    row.status = "failed"
            uow.commit()
        if resend:
            for callback in self.hirebot.dispatcher.on_commit:
                callback()
        if unreachable is not None:
            outbox_id, address, reason, cid = unreachable
            report_undeliverable(
                self.hirebot.uow,
                self.hirebot.catalog,
                self.hirebot.clock,
                self.hirebot.channels,
                outbox_id=outbox_id,
                channel=NAME,
                address=address,
                reason=reason,
                correlation_id=cid,
            )


class _FirstUseSender:
    """The WhatsApp sender, built (and pywa loaded) when the first message is counted or
    sent; until then a server with WhatsApp on pays nothing for it."""

    channel = NAME

    def __init__(self, hirebot: Hirebot) -> None:
        self._hirebot = hirebot
        self._sender: WhatsAppSender | None = None
        self._lock = threading.Lock()

    def _built(self) -> WhatsAppSender:
        with self._lock:
            if self._sender is None:
                from bot.channels.whatsapp.sender import WhatsAppSender

                self._sender = WhatsAppSender(self._hirebot)
            return self._sender

    def sends(self, message: OutgoingMessage) -> int:
        return self._built().sends(message)

    def send(self, message: OutgoingMessage) -> str | None:
        return self._built().send(message)

    def close(self) -> None:
        with self._lock:
            sender = self._sender
        if sender is not None:
            sender.close()


REENGAGEMENT = 131047
RESEND_CODES = frozenset({REENGAGEMENT, 131056, 130429})
_RANK = {"sent": 1, "delivered": 2, "read": 3, "played": 3, "failed": 4}


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


# One item of a notification as the inbox stores it (`WhatsAppRuntime.translate`).
Stored = dict[str, Any] | None


def _stored(
    user: BaseUser,
    wamid: str,
    correlation_id: str | None,
    *,
    text: str | None = None,
    action: ActionEvent | None = None,
    quoted: str | None = None,
    ignored: str | None = None,
) -> dict[str, Any]:
    """A message's stored form; its Inbound names the sender by their number (their user id
    if they hide it) until `identify`, at handling, gives the address hirebot knows them by."""
    address = phone_of(user.wa_id) or user.bsuid
    inbound = Inbound(
        channel=NAME,
        user_ref=address,
        conversation=address,
        text=text,
        action=action,
        dedup_key=f"{NAME}:{wamid}",
        correlation_id=correlation_id,
    )
    stored: dict[str, Any] = {
        "inbound": inbound_codec.dump(inbound),
        "sender": {"wa_id": user.wa_id, "bsuid": user.bsuid},
    }
    if quoted is not None:
        stored["quoted"] = quoted
    if ignored is not None:
        stored["ignored"] = ignored
    return stored


def _tapped(user: BaseUser, wamid: str, data: str | None, correlation_id: str | None) -> Stored:
    """A tapped button or list row: the action it stands for (or the ask for text)."""
    from bot.channels.whatsapp.render import ASK, parse_callback

    parsed = parse_callback(data)
    if parsed is None:
        return _stored(user, wamid, correlation_id, ignored=f"tap {data!r}")
    kind, action_id, value = parsed
    action = (
        ActionEvent("ask", f"{action_id}:{value}") if kind == ASK else ActionEvent(action_id, value)
    )
    return _stored(user, wamid, correlation_id, action=action)
