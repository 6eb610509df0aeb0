"""Who wrote: a WhatsApp user as pywa parses them (`wa_id`, their phone number, when they
share it; `bsuid`, the business-scoped user id Meta always gives) -> the address hirebot
knows them by, and the conversation state that a message changes.

A person's address in `person_identities` is the number config.yaml or a link code gave, or
their user id when they linked from an account that hides its number. The other id is kept
beside it (`channel_contacts.alias`), so a later message carrying only the user id still finds
them. Every message from a person opens their 24-hour window: their messages held back while
it was closed become due at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.bootstrap import Hirebot
from bot.channels.whatsapp.plugin import NAME, normalise_address


@dataclass(frozen=True)
class Correspondent:
    address: str  # what the core sees as user_ref and conversation
    known: bool
    # This message is the first since we invited them (a template, the window being closed):
    # a word like "ok" answers the invitation rather than being a command.
    answers_invitation: bool = False


def phone_of(wa_id: str | None) -> str | None:
    """A user's wa_id (digits, their country code first) as an E.164 number, if it is one."""
    if not wa_id:
        return None
    try:
        return normalise_address(wa_id)
    except ValueError:
        return None


def identify(hirebot: Hirebot, wa_id: str | None, bsuid: str | None) -> Correspondent:
    """The address for the user who wrote with these ids (pywa's `BaseUser.wa_id`, their
    number if they share it, and `bsuid`), their contact noted as having written now."""
    phone, user_id = phone_of(wa_id), bsuid or None
    candidates = [a for a in (phone, user_id) if a]
    now = hirebot.clock.now()
    woke = 0
    with hirebot.uow() as uow:
        address: str | None = None
        for candidate in candidates:
            if uow.people.identity(NAME, candidate) is not None:
                address = candidate
                break
        if address is None and user_id:
            contact = uow.contacts.by_alias(NAME, user_id)
            if contact is not None and uow.people.identity(NAME, contact.address) is not None:
                address = contact.address
        known = address is not None
        address = address or phone or user_id or "-"
        # A stranger's window opens too: the polite refusal must reach them.
        alias = next((c for c in candidates if c != address), None) if known else None
        before = uow.contacts.find(NAME, address)
        invited = before.invited_at if before is not None else None
        wrote = before.last_inbound_at if before is not None else None
        answers = invited is not None and (wrote is None or invited > wrote)
        uow.contacts.wrote(NAME, address, now, alias=alias)
        woke = uow.outbox.due_now(NAME, address, now)
        uow.commit()
    if woke:
        for callback in hirebot.dispatcher.on_commit:
            callback()
    return Correspondent(address, known, answers)
