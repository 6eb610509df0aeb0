"""Delivers WhatsApp outbox rows with pywa, inside the platform's rules.

- **The 24-hour window.** Free-form messages reach a person only within 24 hours of their last
  message to the business (`channel_contacts.last_inbound_at`, noted by the runtime). Outside
  it the sender sends the configured template once (it invites the person to open the
  conversation), and hands the row back to wait; when the person writes, the runtime makes
  their waiting rows due at once and they follow, in order.
- **Pacing** is delivery's (bot/delivery/pacing.py, from the channel's send limits: the
  number's rate and the person's pair rate): the worker asks before each row, counting the
  messages the row still becomes (`sends`), and holds it back, with that person's later rows,
  until the buckets allow. Meta's own 130429 / 131056 answers are "retry later" and slow the
  bucket that was exceeded.
- **Batching.** A text-only row goes out together with the person's next text-only rows when
  they fit one message; those rows are marked sent with the same message id, so a worker
  that claimed them finds them sent and sends nothing twice.
- **Parts.** A reply longer than one message goes as several. Each accepted part is written
  on the outbox row at once (`parts_sent`, and its message id as `external_ref`), in its own
  short transaction, so a retry after a rate limit in the middle, or a restart, sends only the
  rest. The one window left is a crash between Meta accepting a part and that write: that
  part goes again (delivery is at least once, bot/delivery/worker.py).
- **Charts.** A reply's chart (a report's) is drawn as a PNG, uploaded to the number's media
  (`/media`) and sent as an image message captioned with its title, after the text with the
  numbers; it counts as the reply's last part. The chart module (matplotlib) is imported by
  the first chart, not at start-up (it was over a third of `hirebot serve`'s start).
- Edits (cards updated in place, erasure's edits of delivered messages): the Cloud API
  cannot edit a sent message, so these are logged and marked done without a send.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import httpx
from pywa import errors as wa_errors
from pywa.client import WhatsApp
from pywa.types.templates import TemplateLanguage

from bot.bootstrap import Hirebot
from bot.channels.whatsapp.client import make_client
from bot.channels.whatsapp.plugin import NAME
from bot.channels.whatsapp.render import Part, merged, neutralise, render
from bot.channels.whatsapp.settings import Purpose, WhatsAppConfig, WhatsAppSettings
from bot.delivery.sender import DeliveryError, OutgoingMessage
from bot.messages.reply import Chart, Reply
from bot.services.outbox import MESSAGE_UPDATE, reply_of

log = logging.getLogger(__name__)

INVITE_ANSWER = "open"  # the template's quick-reply payload: it opens the window, nothing else
WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=5)  # the person's clock and ours differ; stay inside
REINVITE_AFTER = timedelta(hours=24)
WAIT_FOR_ANSWER = 6 * 3600.0  # seconds a row waits for the person to open the window
NUMBER_RETRY = 1.0
BATCH_ROWS = 10
PNG = "image/png"
MAX_CAPTION = 1024  # an image's caption
REMINDER_ACTIONS = frozenset({"feedback_snooze", "feedback_absent"})

# Meta's error codes, by what the delivery worker should do about them.
RETRY_LATER = (wa_errors.ThrottlingError, wa_errors.ServiceUnavailable, wa_errors.UnknownError)
UNREACHABLE = (
    wa_errors.MessageUndeliverable,  # 131026: not a WhatsApp number, or cannot receive
    wa_errors.RecipientNotInAllowedList,  # 131030: a test number's allow-list
    wa_errors.UserIsInExperimentGroup,
    wa_errors.BSUIDRecipientNotSupported,
)

UNREACHABLE_CODES = frozenset(code for kind in UNREACHABLE for code in (kind.__error_codes__ or ()))


def window_open(last_inbound: datetime | None, now: datetime) -> bool:
    """Whether a free-form message may go now: the person wrote within the last 24 hours."""
    return last_inbound is not None and now - last_inbound < WINDOW - WINDOW_MARGIN


def cut_caption(text: str) -> str:
    return text if len(text) <= MAX_CAPTION else text[: MAX_CAPTION - 1] + "…"


def purpose_of(reply: Reply) -> Purpose:
    """Which template invites the person to what waits: a feedback reminder (its Snooze and
    I-didn't-attend choices), a prompt (a question, or choices to make), or else news (a
    digest, a card, a notice)."""
    if any(a.id in REMINDER_ACTIONS for a in reply.actions):
        return "reminder"
    if reply.kind == "card":
        return "digest"
    if reply.asks is not None or reply.actions:
        return "prompt"
    return "digest"


def invitation_params(name: str) -> list[dict[str, object]]:
    """The template's parameters (docs/whatsapp.md): {{1}} in the body is the person's first
    name; its one quick-reply button answers with the payload the runtime knows."""
    return [
        {"type": "body", "parameters": [{"type": "text", "text": name}]},
        {
            "type": "button",
            "sub_type": "quick_reply",
            "index": "0",
            "parameters": [{"type": "payload", "payload": INVITE_ANSWER}],
        },
    ]


class WhatsAppSender:
    channel = NAME

    def __init__(self, hirebot: Hirebot, client: WhatsApp | None = None) -> None:
        self.hirebot = hirebot
        self.settings = hirebot.env.channel_settings(WhatsAppSettings)
        self.templates = hirebot.config.channel_config(NAME, WhatsAppConfig)
        self.client = client or make_client(self.settings)

    # The delivery worker's entry ---------------------------------------------------------

    def sends(self, message: OutgoingMessage) -> int:
        """How many messages this row still becomes (for pacing): its parts and picture not
        yet accepted; an edit (not possible here, nothing sent) counts one."""
        if message.kind in ("card_update", MESSAGE_UPDATE):
            return 1
        _already, done, _ref = self._progress(message.id)
        total = len(render(message.reply)) + (1 if message.reply.chart is not None else 0)
        return max(1, total - done)

    def send(self, message: OutgoingMessage) -> str | None:
        if message.kind in ("card_update", MESSAGE_UPDATE):
            log.info("whatsapp cannot edit sent messages; outbox row %s not sent", message.id)
            return message.card_ref
        to = message.ephemeral_to or message.destination
        already, done, ref = self._progress(message.id)
        if already:
            return ref
        parts, batched = self._parts(message, to)
        chart = message.reply.chart
        total = len(parts) + (1 if chart is not None else 0)  # the picture goes last
        if done >= total:  # every part went before a restart; only the record was left
            return ref or None
        self._require_window(to, message.reply)
        for index in range(done, total):
            if index < len(parts):
                ref = self._post(to, parts[index])
            else:
                assert chart is not None
                ref = self._post_chart(to, chart)
            if total > 1:
                self._note_part(message.id, index + 1, ref)
        if batched:
            self._mark_batched(batched, ref or "")
        return ref or None

    # The window ------------------------------------------------------------------------------

    def _require_window(self, to: str, reply: Reply) -> None:
        now = self.hirebot.clock.now()
        with self.hirebot.uow() as uow:
            contact = uow.contacts.find(NAME, to)
            if contact is not None and window_open(contact.last_inbound_at, now):
                return
            invited = contact.invited_at if contact is not None else None
            wrote = contact.last_inbound_at if contact is not None else None
            fresh = invited is not None and (wrote is None or invited > wrote)
            if fresh and invited is not None and now - invited < REINVITE_AFTER:
                raise DeliveryError(
                    f"{to} has not opened the conversation yet "
                    f"(invited {invited:%Y-%m-%d %H:%M} UTC)",
                    retry_after=WAIT_FOR_ANSWER,
                )
        self._invite(to, purpose_of(reply))
        with self.hirebot.uow() as uow:
            uow.contacts.invited(NAME, to, now)
            uow.commit()
        raise DeliveryError(
            f"{to}: outside the 24-hour window; template sent, waiting for an answer",
            retry_after=WAIT_FOR_ANSWER,
        )

    def _invite(self, to: str, purpose: Purpose) -> None:
        """The approved template for what waits, asking the person to open the conversation."""
        template, language = self.templates.template(purpose, self.settings)
        name = self._first_name(to)
        try:
            self.client.send_template(
                to=to,  # pywa sends +digits as `to`, a user id as `recipient`
                name=template,
                language=TemplateLanguage(language),
                params=invitation_params(name),
            )
        except wa_errors.WhatsAppError as exc:
            raise self._error(to, exc) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"network: {exc}") from exc

    def _first_name(self, to: str) -> str:
        with self.hirebot.uow() as uow:
            person = uow.people.by_identity(NAME, to)
            if person is None:
                contact = uow.contacts.find(NAME, to)
                person = uow.people.by_identity(NAME, contact.address) if contact else None
            return (person.name.split()[0] if person and person.name.split() else "there")[:60]

    # Parts, batches and posts ---------------------------------------------------------------

    def _progress(self, outbox_id: int) -> tuple[bool, int, str | None]:
        """(sent already, parts accepted so far, the last one's id) as the row records them: a
        row another row's message carried (batching) is not sent again, nor a part that went
        before a rate limit or a restart."""
        with self.hirebot.uow() as uow:
            row = uow.outbox.get(outbox_id)
            if row is None:
                return False, 0, None
            if row.status == "done":
                return True, 0, row.external_ref or ""
            return False, row.parts_sent or 0, row.external_ref

    def _note_part(self, outbox_id: int, parts_sent: int, ref: str) -> None:
        with self.hirebot.uow() as uow:
            uow.outbox.note_parts(outbox_id, parts_sent, ref)
            uow.commit()

    def _parts(self, message: OutgoingMessage, to: str) -> tuple[list[Part], list[int]]:
        parts = render(message.reply)
        if (
            message.kind != "message"
            or len(parts) != 1
            or parts[0].choices is not None
            or message.reply.chart is not None
        ):
            return parts, []
        with self.hirebot.uow() as uow:
            later = uow.outbox.open_after(NAME, message.destination, message.id, BATCH_ROWS)
            rows = [r for r in later if r.kind == "message" and r.ephemeral_to is None]
        replies, ids = [message.reply], []
        for row in rows:
            reply = reply_of(row)
            if reply.chart is not None:  # a picture goes with its own message
                break
            candidate = merged([*replies, reply])
            if candidate is None:
                break
            replies.append(reply)
            ids.append(row.id)
        if not ids:
            return parts, []
        combined = merged(replies)
        return ([combined] if combined else parts), (ids if combined else [])

    def _mark_batched(self, ids: list[int], ref: str) -> None:
        with self.hirebot.uow() as uow:
            uow.outbox.mark_sent(ids, self.hirebot.clock.now(), ref or None)
            uow.commit()
        log.info("outbox rows %s went with message %s", ids, ref)

    def _post(self, to: str, part: Part) -> str:
        try:
            sent = self.client.send_message(
                # pywa sends +digits as `to` and a user id as `recipient`
                to=to,
                text=part.text,
                buttons=part.choices,
                preview_url=False,
            )
        except wa_errors.WhatsAppError as exc:
            raise self._error(to, exc) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"network: {exc}") from exc
        return str(sent.id)

    def _post_chart(self, to: str, chart: Chart) -> str:
        """The chart drawn as a PNG, uploaded to the number's media, and sent as an image
        captioned with its title (the numbers went as text before it)."""
        from bot.messages import charts  # matplotlib: loaded when first needed

        try:
            media = self.client.upload_media(
                media=charts.png(chart),
                mime_type=PNG,
                filename=chart.filename,
                media_type="image",
            )
            sent = self.client.send_image(
                to=to, image=media, caption=cut_caption(neutralise(chart.title))
            )
        except wa_errors.WhatsAppError as exc:
            raise self._error(to, exc) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"network: {exc}") from exc
        return str(sent.id)

    def _error(self, to: str, exc: wa_errors.WhatsAppError) -> DeliveryError:
        text = f"whatsapp {exc.code}: {exc.message}"
        if isinstance(exc, wa_errors.TooManyMessages):  # 131056, the pair rate limit
            wait = max(self.settings.pair_interval_seconds, 1.0)
            return DeliveryError(text, retry_after=wait, rate_limited=True)
        if isinstance(exc, wa_errors.ThrottlingError):  # 130429 and the like: the number's
            return DeliveryError(text, retry_after=NUMBER_RETRY, rate_limited=True)
        if isinstance(exc, RETRY_LATER):
            return DeliveryError(text, retry_after=NUMBER_RETRY)
        if isinstance(exc, wa_errors.ReEngagementMessage):  # 131047: the window is closed
            with self.hirebot.uow() as uow:
                uow.contacts.closed(NAME, to)
                uow.commit()
            return DeliveryError(text, retry_after=0.0)
        if isinstance(exc, UNREACHABLE):
            return DeliveryError(text, unreachable=True)
        if isinstance(exc, wa_errors.AuthorizationError):  # a token to fix: keep the row
            return DeliveryError(text)
        return DeliveryError(text, retryable=False)

    def close(self) -> None:
        return None
