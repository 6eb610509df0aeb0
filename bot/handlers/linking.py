"""`start [code]`: the one chat entry open to people hirebot does not know yet.

Every other command goes through the dispatcher, which refuses unknown people; redeeming a link
code is how an unknown account becomes a person, so it has its own small entry with the same
guarantees: one unit of work, de-duplication on the platform's event key, the attempt in the
audit log (never the code itself), and the reply queued in the outbox.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from bot.domain.errors import UserError
from bot.handlers.inbound import Outcome, actor_for, new_correlation_id
from bot.logging_setup import correlation, current_correlation
from bot.messages.reply import Reply, error, success
from bot.services import audit, linking, outbox
from bot.services.context import Actor, Context

if TYPE_CHECKING:  # the dispatcher hands to this module: it imports it
    from bot.handlers.dispatcher import Dispatcher

log = logging.getLogger(__name__)


def start(
    dispatcher: Dispatcher,
    *,
    channel: str,
    user_ref: str,
    conversation: str,
    code: str | None,
    dedup_key: str | None = None,
    correlation_id: str | None = None,
) -> Outcome:
    """Redeem `code` for this account, or explain how linking works; replies go to `conversation`
    (a private chat: a code posted in a group is seen by others, so adapters send only those).
    The correlation id is the door's, as for the dispatcher."""
    cid = correlation_id or current_correlation() or new_correlation_id()
    with correlation(cid):
        try:
            outcome = _start(dispatcher, cid, channel, user_ref, conversation, code, dedup_key)
        except IntegrityError:
            if dedup_key:
                log.info("duplicate delivery %s lost the race", dedup_key)
                return Outcome(cid, duplicate=True)
            raise
    if not outcome.duplicate:
        for callback in dispatcher.on_commit:
            callback()
    return outcome


def _start(
    dispatcher: Dispatcher,
    cid: str,
    channel: str,
    user_ref: str,
    conversation: str,
    code: str | None,
    dedup_key: str | None,
) -> Outcome:
    with dispatcher.uow_factory() as uow:
        if dedup_key and uow.audit.seen(dedup_key):
            log.info("duplicate delivery %s ignored", dedup_key)
            return Outcome(cid, duplicate=True)
        ctx = Context(
            uow,
            dispatcher.catalog,
            dispatcher.clock,
            actor_for(uow, dispatcher.catalog, channel, user_ref),
            cid,
            dispatcher.channels,
            conversation=conversation,
        )
        failed = False
        if code:
            try:
                person = linking.redeem(ctx, code, channel=channel, user_ref=user_ref)
                # Who holds an address changed: every process's speaker cache starts over
                # (services/directory_cache.py), this one's at its next event.
                uow.catalog_generation.bump()
                spec = dispatcher.catalog.people[person.key]
                roles = ", ".join(sorted(r.value for r in spec.roles))
                reply = success(
                    f"Linked: this {channel} account is now {spec.name} ({roles}) on hirebot. "
                    "Send help to see what you can do."
                )
                ctx.actor = Actor(channel, user_ref, person.id, spec)
            except UserError as exc:
                uow.rollback()
                reply, failed = error(exc.message), True
        elif ctx.actor.person is not None:
            reply = Reply(
                text=f"Hello {ctx.actor.person.name}: this account is linked to you. "
                "Send help to see what you can do."
            )
        else:
            reply = Reply(
                text=(
                    f"Hello! I am {dispatcher.catalog.organization}'s hiring assistant, and I "
                    "only work for people in its hiring team. To link this account, ask a "
                    "hirebot admin to run `hirebot people link <your person key>` and open the "
                    "link they send you (or send me: start <code>)."
                ),
            )
        summary = "start (with a link code)" if code else "start"
        audit.record(
            ctx,
            direction="in",
            kind="command",
            summary=summary + (" [refused]" if failed else ""),
            dedup_key=dedup_key,
            payload={"conversation": conversation, "failed": failed},
        )
        row = outbox.enqueue(ctx, outbox.Destination(channel, conversation, shared=False), reply)
        uow.flush()
        ids = [row.id]
        uow.commit()
    return Outcome(
        cid,
        replies=[reply],
        outbox_ids=ids,
        person_key=ctx.actor.person.key if ctx.actor.person else None,
    )
