"""An e-mail as the core writes it, channel-neutral: who it is for, its subject, text and HTML
bodies, and the calendar event it carries (an interview invitation, its update or its cancel).

The core renders the bodies (in the recipient's timezone) and stores this beside the outbox
row's `Reply` (`payload["mail"]`), so the row alone says everything that leaves; the mail
channel turns it into MIME and the calendar part when it sends.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from bot.messages.reply import Reply

MAIL_KEY = "mail"


class Mailbox(BaseModel):
    """A person's name and address, as e-mail and calendars show them."""

    model_config = ConfigDict(frozen=True)

    name: str
    address: str


class CalendarEvent(BaseModel):
    """One interview as every calendar sees it (RFC 5545 VEVENT, iTIP method of RFC 5546).

    `uid` is stable per interview and `sequence` grows with every change, so a calendar that
    has the event replaces it instead of adding a second one."""

    model_config = ConfigDict(frozen=True)

    uid: str
    sequence: int
    method: Literal["REQUEST", "CANCEL", "PUBLISH"]
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    timezone: str
    summary: str
    description: str = ""
    location: str = ""
    organizer: Mailbox | None = None
    attendees: list[Mailbox] = []
    stamp: AwareDatetime
    status: Literal["CONFIRMED", "CANCELLED"] = "CONFIRMED"


class Mail(BaseModel):
    """One e-mail to one recipient. `essential` mail (an invitation, a rejection, an offer)
    goes out even to a candidate who unsubscribed from the rest; the rest carry an unsubscribe
    link for `applicant_id` (in the body and the `List-Unsubscribe` header). An offer's e-mail
    (`offer_id`) carries Accept / Decline links. The links are signed when the mail is sent,
    by the mail channel, which holds the deployment's key (bot/links/signing.py)."""

    model_config = ConfigDict(frozen=True)

    to: Mailbox
    subject: str
    text: str
    html: str
    reply_to: Mailbox | None = None
    essential: bool = True
    applicant_id: int | None = None
    offer_id: int | None = None
    event: CalendarEvent | None = None

    def reply(self) -> Reply:
        """The Reply the outbox row holds: the subject and the text, what `history all` and
        `hirebot outbox` show of it."""
        return Reply(title=self.subject, text=self.text)


def payload_with(payload: dict[str, Any], mail: Mail) -> dict[str, Any]:
    return {**payload, MAIL_KEY: mail.model_dump(mode="json")}


def mail_of(payload: dict[str, Any]) -> Mail | None:
    found = payload.get(MAIL_KEY)
    return Mail.model_validate(found) if isinstance(found, dict) else None
