"""An outbox row's `Mail` as a MIME message, built with the standard library's `email`
package (EmailMessage, policy SMTP: CRLF lines, headers folded and encoded as RFC 5322 wants).

The body is multipart/alternative: text, HTML and, for an interview, the `text/calendar;
method=…` part that calendars show with Accept / Decline (iMIP, RFC 6047). The Message-ID is
derived from the outbox row, so a retry of the same row is the same message, never a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from markupsafe import escape

from bot.messages.mail import Mail, Mailbox


@dataclass(frozen=True)
class Links:
    """The signed links of one message, made when it is sent (None: no link of that kind)."""

    accept: str | None = None
    decline: str | None = None
    unsubscribe: str | None = None

    def text(self) -> str:
        parts = []
        if self.accept and self.decline:
            parts.append(f"To accept the offer: {self.accept}\nTo decline it: {self.decline}")
        if self.unsubscribe:
            parts.append(f"No more e-mails like this one: {self.unsubscribe}")
        return "\n\n".join(parts)

    def html(self) -> str:
        parts = []
        if self.accept and self.decline:
            parts.append(
                f'<p><a href="{escape(self.accept)}">Accept the offer</a> · '
                f'<a href="{escape(self.decline)}">Decline it</a></p>'
            )
        if self.unsubscribe:
            parts.append(
                '<p style="color:#666;font-size:small">'
                f'<a href="{escape(self.unsubscribe)}">No more e-mails like this one</a></p>'
            )
        return "\n".join(parts)


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
    links: Links | None = None,
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = mailbox(sender)
    message["To"] = mailbox(mail.to)
    if mail.reply_to is not None:
        message["Reply-To"] = mailbox(mail.reply_to)
    message["Subject"] = one_line(mail.subject, 250)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(outbox_id, created_at, sender.address.rpartition("@")[2])
    links = links or Links()
    if links.unsubscribe:
        message["List-Unsubscribe"] = f"<{links.unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    extra = links.text()
    message.set_content(mail.text + (f"\n{extra}\n" if extra else ""))
    html = mail.html
    if links.html():
        html = html.replace("</body>", links.html() + "\n</body>", 1)
    message.add_alternative(html, subtype="html")
    if mail.event is not None:
        from bot.messages import calendar  # icalendar, loaded with the first invitation

        ics = calendar.invitation(mail.event, organizer=mail.reply_to or sender)
        message.add_alternative(
            ics.decode("utf-8"), subtype="calendar", params={"method": mail.event.method}
        )
    return message
