"""What the booking tests share: an applicant offered times from chat, and their link."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.bootstrap import Hirebot
from bot.services.outbox import reply_of
from storage.models import Interview, OutboxMessage
from tests.helpers import say, text_of

SLOTS = "2026-12-07T10:00,2026-12-07T15:00,2026-12-08T11:00"  # Karachi (UTC+5), a Monday


def offered(hirebot: Hirebot, name: str, email: str, slots: str = SLOTS) -> tuple[int, str, str]:
    """(applicant id, booking link, the recruiter's reply) after `schedule … slots=…`."""
    added = text_of(say(hirebot, f'add senior-backend "{name}" email={email}'))
    found = re.search(r"#(\d+)", added)
    assert found, added
    applicant_id = int(found.group(1))
    reply = text_of(say(hirebot, f"schedule {applicant_id} slots={slots} with=hina,lucas"))
    link = re.search(r"(http://\S+/book/\S+)", reply)
    assert link, reply
    return applicant_id, link.group(1), reply


def interviews(hirebot: Hirebot) -> list[Interview]:
    with hirebot.uow() as uow:
        return list(uow.session.scalars(select(Interview).order_by(Interview.id)))


def told(hirebot: Hirebot, words: str) -> list[str]:
    """Texts of the queued messages whose title holds `words`."""
    with hirebot.uow() as uow:
        rows = uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        replies = [reply_of(r) for r in rows]
    return [r.plain_text() for r in replies if words in (r.title or "")]
