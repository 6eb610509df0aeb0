"""When a channel refuses a message for good (the person never started the bot, blocked it, or
the bot left the group), someone who can fix it is told, instead of the message dying silently.

A channel's sender calls `report_undeliverable`; the notice goes through the outbox like any
message: to the recruiter of the role concerned (or the admins), on a channel where they are
reachable. Each unreachable address is reported at most once a day, so a flood of messages to
one blocked person makes one notice, and a notice that itself fails cannot loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from hashlib import sha256

from bot.clock import Clock
from bot.domain.catalog import Catalog, RoleSpec
from bot.domain.permissions import TeamRole
from bot.messages.reply import Reply
from bot.services import audit, outbox, people
from bot.services.context import Actor, Context
from storage.models import OutboxMessage, Person
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

_KINDS = {
    "card": "an applicant card",
    "card_update": "a card update",
    "message": "a message",
    "email": "an e-mail",
}


def report_undeliverable(
    uow_factory: Callable[[], UnitOfWork],
    catalog: Catalog,
    clock: Clock,
    channels: frozenset[str],
    *,
    outbox_id: int,
    channel: str,
    address: str,
    reason: str,
    correlation_id: str = "-",
) -> list[int]:
    """Queue notices about `address` on `channel` being unreachable; returns the outbox ids."""
    traits = catalog.channel(channel)
    # An e-mail address is personal data: the dedup key (never scrubbed) holds a digest of it.
    keyed = sha256(address.encode()).hexdigest()[:24] if traits and traits.mail else address
    with uow_factory() as uow:
        key = f"unreachable:{channel}:{keyed}:{clock.now().date().isoformat()}"
        if uow.audit.seen(key):
            log.info("%s %s is unreachable again (already reported today)", channel, address)
            return []
        ctx = Context(uow, catalog, clock, Actor("system", "delivery"), correlation_id, channels)
        row = uow.outbox.get(outbox_id)
        applicant_id = row.applicant_id if row is not None else None
        lost = _KINDS.get(row.kind, "a message") if row is not None else "a message"
        if applicant_id is not None:
            lost += f" about #{applicant_id}"
        person = uow.people.by_identity(channel, address)
        role = _role_at(catalog, channel, address)
        label = traits.label if traits is not None else channel
        informed: list[str] = []
        if role is not None:
            subject = f"{role.title}'s {label} chat ({address})"
            text = (
                f"I cannot post to {subject}: {reason}. Add the bot back to the group (or fix "
                f"the chat id in config.yaml); {lost} was not delivered."
            )
            informed = [role.recruiter]
        elif person is not None and traits is not None and traits.mail:
            subject = person.name
            text = (
                f"{person.name}'s e-mail address refused {lost}: {reason}. Fix their "
                f"`{traits.person_key}` in config.yaml."
            )
            informed = _responsible(uow, catalog, person, applicant_id)
        elif person is not None:
            subject = person.name
            text = (
                f"{person.name} cannot be reached on {label}: {reason}. They need to open a "
                f"private chat with the bot and press Start (or unblock it); {lost} to them was "
                "not delivered."
            )
            informed = _responsible(uow, catalog, person, applicant_id)
        elif traits is not None and traits.mail and applicant_id is not None:
            # An e-mail to a candidate bounced for good: their recruiter checks the address.
            applicant = uow.applicants.get(applicant_id)
            name = applicant.name if applicant is not None else f"applicant #{applicant_id}"
            subject = f"the candidate of #{applicant_id}"
            text = (
                f"{lost[0].upper()}{lost[1:]} to {name} could not be delivered: {reason}. "
                f"Check their e-mail address (show {applicant_id})."
            )
            if applicant is not None and applicant.role.key in catalog.roles:
                informed = [catalog.roles[applicant.role.key].recruiter]
        else:
            subject = f"{channel} user {address}"
            text = ""
        rows: list[OutboxMessage] = []
        for person_key in informed:
            destination = direct_destination(uow, catalog, person_key, channels, (channel, address))
            if destination is None:
                log.warning(
                    "cannot tell %s that %s is unreachable: no channel", person_key, subject
                )
                continue
            reply = Reply(kind="error", title=f"Unreachable on {label}", text=text)
            rows.append(outbox.enqueue(ctx, destination, reply, applicant_id=applicant_id))
        group = row.destination if row is not None and row.ephemeral_to else None
        if group is not None and group != address:
            # A private reply to someone in a group: say so where they asked.
            who = person.name if person is not None else "you"
            notice = Reply(
                text=f"I could not send {who} a private reply: open a private chat with me and "
                "press Start, then ask again.",
                private=False,
            )
            rows.append(outbox.enqueue(ctx, outbox.Destination(channel, group, True), notice))
        audit.record(
            ctx,
            direction="event",
            kind="delivery.unreachable",
            channel=channel,
            summary=f"{subject} unreachable on {channel}: {reason}"[:300],
            applicant_id=applicant_id,
            dedup_key=key,
            payload={"address": address, "outbox_id": outbox_id, "told": informed},
        )
        uow.flush()
        ids = [r.id for r in rows]
        uow.commit()
    log.warning(
        "%s %s is unreachable (%s); %d notice(s) queued", channel, address, reason, len(ids)
    )
    return ids


def direct_destination(
    uow: UnitOfWork,
    catalog: Catalog,
    person_key: str,
    channels: frozenset[str],
    avoid: tuple[str, str] | None = None,
) -> outbox.Destination | None:
    """Where the person's private messages go (in the catalog's order of channels), other than
    the address that just failed."""
    row = uow.people.by_key(person_key)
    if row is None or not row.active:
        return None
    return people.destination(catalog, channels, row, avoid)


def _role_at(catalog: Catalog, channel: str, address: str) -> RoleSpec | None:
    return next((r for r in catalog.roles.values() if r.channels.get(channel) == address), None)


def _responsible(
    uow: UnitOfWork, catalog: Catalog, person: Person, applicant_id: int | None
) -> list[str]:
    """The recruiter of the role the lost message concerned, else of the person's roles, else
    the admins; never the unreachable person themselves."""
    keys: list[str] = []
    applicant = uow.applicants.get(applicant_id) if applicant_id is not None else None
    if applicant is not None and applicant.role.key in catalog.roles:
        keys.append(catalog.roles[applicant.role.key].recruiter)
    else:
        for role in catalog.roles.values():
            if person.key in (role.hiring_manager, role.recruiter) and role.recruiter not in keys:
                keys.append(role.recruiter)
    keys = [k for k in keys if k != person.key]
    if not keys:
        keys = [
            p.key
            for p in catalog.people.values()
            if TeamRole.ADMIN in p.roles and p.key != person.key
        ]
    return keys
