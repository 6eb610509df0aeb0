"""An outbox row's `Mail` as a MIME message, built with the standard library's `email`
package (EmailMessage, policy SMTP: CRLF lines, headers folded and encoded as RFC 5322 wants).

The body is multipart/alternative: text, HTML and, for an interview, the `text/calendar;
method=…` part that calendars show with Accept / Decline (iMIP, RFC 6047). The Message-ID is
derived from the outbox row, so a retry of the same row is the same message, never a new one.
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from bot.messages import calendar
from bot.messages.mail import Mail, Mailbox


def one_line(text: str, limit: int = 200) -> str:
    """A header value: no line breaks (they would start a new header), cut to a sane length."""
    return " ".join(text.split())[:limit]


def mailbox(box: Mailbox) -> Address:
    local, _, domain = box.address.rpartition("@")
    return Address(display_name=one_line(box.name, 120), username=local, domain=domain)


def message_id(outbox_id: int, created_at: datetime, domain: str) -> str:
    """Stable per row; the creation time keeps ids from two databases (a restore, a test)
    apart."""
    return f"<outbox.{outbox_id}.{created_at.strftime('%Y%m%d%H%M%S')}@{domain}>"


def compose(
    mail: Mail,
    *,
    outbox_id: int,
    created_at: datetime,
    sender: Mailbox,
    now: datetime,
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = mailbox(sender)
    message["To"] = mailbox(mail.to)
    if mail.reply_to is not None:
        message["Reply-To"] = mailbox(mail.reply_to)
    message["Subject"] = one_line(mail.subject, 250)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(outbox_id, created_at, sender.address.rpartition("@")[2])
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    if mail.event is not None:
        ics = calendar.invitation(mail.event, organizer=mail.reply_to or sender)
        message.add_alternative(
            ics.decode("utf-8"), subtype="calendar", params={"method": mail.event.method}
        )
    return message
