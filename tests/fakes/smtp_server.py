"""A real SMTP server for the tests (aiosmtpd, on a free local port) that keeps what it
receives, and answers as a provider would when told to: a 4xx (greylisting, a full mailbox)
or a 5xx (no such user) for one recipient, for the next N tries or for good.

It checks what a real server would refuse: a message without From, To, Date or Message-ID,
an envelope recipient the message's To does not name, a line over 998 characters (RFC 5322).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

REQUIRED = ("From", "To", "Date", "Message-ID")


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


@dataclass
class Refusal:
    code: int
    text: str
    times: int | None  # None: for good


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    refusals: dict[str, Refusal] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    attempts: dict[str, int] = field(default_factory=dict)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        key = address.lower()
        with self.lock:
            self.attempts[key] = self.attempts.get(key, 0) + 1
            refusal = self.refusals.get(key)
            if refusal is not None and (refusal.times is None or refusal.times > 0):
                if refusal.times is not None:
                    refusal.times -= 1
                return f"{refusal.code} {refusal.text}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        parsed = message_from_bytes(raw, policy=policy.default)
        missing = [h for h in REQUIRED if parsed[h] is None]
        if missing:
            return f"554 5.6.0 missing header(s): {', '.join(missing)}"
        if any(len(line) > 998 for line in raw.split(b"\r\n")):
            return "554 5.6.0 line longer than 998 characters"
        to = str(parsed["To"]).lower()
        if any(r.lower() not in to for r in envelope.rcpt_tos):
            return "554 5.6.0 envelope recipient not in To"
        with self.lock:
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), raw))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    def __init__(self) -> None:
        self.handler = _Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def refuse(self, address: str, code: int, text: str, *, times: int | None = None) -> None:
        with self.handler.lock:
            self.handler.refusals[address.lower()] = Refusal(code, text, times)

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address.lower() in r.recipients]

    def attempts(self, address: str) -> int:
        with self.handler.lock:
            return self.handler.attempts.get(address.lower(), 0)
