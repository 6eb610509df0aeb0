"""Delivers e-mail outbox rows over SMTP (the standard `smtplib`: the delivery worker is
synchronous, so an asyncio client would only add a loop to drive).

The row's `Mail` is read from the row itself (the worker hands over its `Reply`, the mail's
subject and text; the HTML, the calendar part and the headers ride beside it in the payload).
SMTP answers become `DeliveryError`s the worker acts on: 4xx (greylisting, a full mailbox, a
busy server) and lost connections are retried with backoff; a 5xx for the recipient is
permanent and reported to the recruiter as undeliverable.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

from bot.bootstrap import Hirebot
from bot.channels.smtp.compose import Links, compose
from bot.channels.smtp.plugin import NAME
from bot.channels.smtp.settings import EmailSettings, SmtpServer
from bot.delivery.sender import DeliveryError, OutgoingMessage
from bot.environment import SettingsError
from bot.links.signing import signer_of
from bot.messages.mail import Mail, Mailbox, mail_of
from bot.services.outbox import MESSAGE_UPDATE

log = logging.getLogger(__name__)


def _refusal(code: int, text: bytes | str, what: str) -> DeliveryError:
    reason = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    said = f"{what}: {code} {reason}".strip()
    if 400 <= code < 500:
        return DeliveryError(said)
    return DeliveryError(said, unreachable=True)


class EmailSender:
    channel = NAME

    def __init__(
        self,
        hirebot: Hirebot,
        *,
        tls_context: Callable[[], ssl.SSLContext] = ssl.create_default_context,
    ) -> None:
        settings = hirebot.env.channel_settings(EmailSettings)
        server = settings.server()
        if server is None:
            raise SettingsError("HIREBOT_SMTP_URL: not set")
        if settings.mail_from is None:
            raise SettingsError("HIREBOT_MAIL_FROM: required when HIREBOT_SMTP_URL is set")
        self.hirebot = hirebot
        self.server: SmtpServer = server
        self.sender = Mailbox(name=settings.mail_from_name, address=settings.mail_from)
        self.timeout = settings.smtp_timeout
        self.tls_context = tls_context
        self.signer = signer_of(hirebot.env.public_site())

    def send(self, message: OutgoingMessage) -> str | None:
        if message.kind == MESSAGE_UPDATE:
            # An e-mail cannot be edited once delivered (erasure asks): nothing to send.
            return None
        email = self._compose(message)
        self._transmit(email)
        return None

    def _compose(self, message: OutgoingMessage) -> EmailMessage:
        with self.hirebot.uow() as uow:
            row = uow.outbox.get(message.id)
            if row is None:
                raise DeliveryError(f"outbox row {message.id} is gone", retryable=False)
            mail = mail_of(row.payload)
            created_at = row.created_at
        if mail is None:
            raise DeliveryError(f"outbox row {message.id} carries no e-mail", retryable=False)
        now = self.hirebot.clock.now()
        return compose(
            mail,
            outbox_id=message.id,
            created_at=created_at,
            sender=self.sender,
            now=now,
            links=self._links(mail, now),
        )

    def _links(self, mail: Mail, now: datetime) -> Links:
        """Signed here, at sending: the key is the deployment's, and an offer link's expiry
        runs from when the candidate gets it."""
        if self.signer is None:
            return Links()
        accept = decline = unsubscribe = None
        if mail.offer_id is not None:
            accept = self.signer.offer_answer(mail.offer_id, "accept", now)
            decline = self.signer.offer_answer(mail.offer_id, "decline", now)
        if not mail.essential and mail.applicant_id is not None:
            unsubscribe = self.signer.unsubscribe(mail.applicant_id)
        return Links(accept, decline, unsubscribe)

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.implicit_tls:
            return smtplib.SMTP_SSL(
                server.host, server.port, timeout=self.timeout, context=self.tls_context()
            )
        client = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
        client.ehlo()
        if client.has_extn("starttls"):
            client.starttls(context=self.tls_context())
            client.ehlo()
        elif server.username and not server.local:
            client.close()
            raise DeliveryError(
                f"{server} offers no STARTTLS: the password is not sent in clear "
                "(use smtps:// or a server with TLS)",
                retryable=False,
            )
        return client

    def _transmit(self, email: EmailMessage) -> None:
        server = self.server
        try:
            client = self._connect()
        except DeliveryError:
            raise
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"cannot reach {server}: {exc}") from exc
        try:
            if server.username:
                client.login(server.username, server.password or "")
            refused = client.send_message(email)
            if refused:  # several recipients and only some refused: never the case here
                code, text = next(iter(refused.values()))
                raise _refusal(code, text, "recipient refused")
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise _refusal(code, text, "recipient refused") from exc
        except smtplib.SMTPSenderRefused as exc:
            error = _refusal(exc.smtp_code, exc.smtp_error, f"sender {exc.sender} refused")
            raise DeliveryError(str(error), retryable=error.retryable) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"{server} refused the login: {exc.smtp_code}") from exc
        except smtplib.SMTPResponseException as exc:  # DATA refused, or any other answer
            raise _refusal(exc.smtp_code, exc.smtp_error, "message refused") from exc
        except (OSError, smtplib.SMTPException) as exc:  # disconnects, timeouts
            raise DeliveryError(f"{server}: {exc}") from exc
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
        log.info("mailed %s via %s", email["Message-ID"], server)
