"""The one entry point from every channel into the core.

An adapter builds an `Inbound` from its native event and gets back an `Outcome`; in between,
one unit of work resolves the person, runs the command or action, records the inbound event
and every reply in the audit log and outbox, and commits, or records the failure.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.domain.catalog import Catalog
from bot.domain.errors import FieldErrors, NotFound, UserError
from bot.domain.user_directory import UserDirectory
from bot.flows.engine import FlowEngine
from bot.handlers import linking
from bot.handlers.inbound import (
    INBOX_TURN,
    ActionEvent,
    Inbound,
    Outcome,
    actor_for,
    new_correlation_id,
)
from bot.handlers.parsing import CommandLine
from bot.handlers.registry import CommandSet
from bot.logging_setup import correlation, current_correlation
from bot.messages.reply import Field, Reply, error
from bot.services import audit, outbox
from bot.services.catalog_source import CatalogSource, Directory
from bot.services.context import Actor, Context
from bot.services.directory_cache import DirectoryCache
from storage.unit_of_work import UnitOfWork, lent_or_new

# The door's shapes live in bot/handlers/inbound.py; channels import them from here.
__all__ = ["ActionEvent", "Dispatcher", "Inbound", "Outcome", "actor_for", "new_correlation_id"]

log = logging.getLogger(__name__)
T = TypeVar("T")


# `start CODE`, `/start CODE`, or a slash command's `/hire start CODE`.
_START_CODE = re.compile(r"^(?:/\w+\s+)?/?start\s+([A-Za-z0-9_-]{8,64})$", re.IGNORECASE)


class Dispatcher:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        catalog: Catalog,
        commands: CommandSet,
        clock: Clock,
        channels: frozenset[str],
        flows: FlowEngine,
    ) -> None:
        self.uow_factory = uow_factory
        self.catalog = catalog
        self.commands = commands
        self.clock = clock
        self.channels = channels
        self.flows = flows
        # Called after a commit that queued messages for the delivery worker (it wakes up).
        self.on_commit: list[Callable[[], None]] = []
        # The catalog in step with the database (set by the wiring): checked at the start of
        # each event, rebuilt after a commit that changed people or roles; `directory` checks
        # such a change before it commits (services/catalog_source.py).
        self.source: CatalogSource | None = None
        # Who is behind each channel address, for the source's generation (no statement for
        # a speaker seen before; services/directory_cache.py).
        self.speakers = DirectoryCache()
        self.directory: Directory | None = None
        # The user directories of the channels the server runs (set by the wiring).
        self.user_directories: dict[str, UserDirectory] = {}

    def handle(self, inbound: Inbound) -> Outcome:
        if inbound.shared_conversation and inbound.text and _START_CODE.match(inbound.text.strip()):
            # A link code posted where others see it binds nobody, and is never stored.
            inbound = replace(inbound, text=_START_CODE.sub("start", inbound.text.strip()))
        code = self._link_code(inbound)
        if code is not None:
            # `start CODE` in a private chat binds the account, on every channel that links
            # accounts with codes (it is the one entry open to people hirebot does not know).
            return linking.start(
                self,
                channel=inbound.channel,
                user_ref=inbound.user_ref,
                conversation=inbound.conversation,
                code=code,
                dedup_key=inbound.dedup_key,
                correlation_id=inbound.correlation_id,
            )
        # The id minted at the door (carried in, or bound by the inbox around the event), so
        # one id follows the event from the platform's request to the delivered reply.
        cid = inbound.correlation_id or current_correlation() or new_correlation_id()
        with correlation(cid):
            log.debug("%s %s handled", inbound.channel, "action" if inbound.action else "text")
            try:
                return self._handle(inbound, cid)
            except IntegrityError:
                # Two deliveries of the same event raced; the other one won and is the record.
                if inbound.dedup_key:
                    log.info("duplicate delivery %s lost the race", inbound.dedup_key)
                    return Outcome(cid, duplicate=True)
                raise

    def _handle(self, inbound: Inbound, cid: str) -> Outcome:
        turn = INBOX_TURN.get()
        first = turn is not None and turn.first
        if turn is not None and turn.finished:
            turn = None  # a second command for one event commits on its own
        # An event from the inbox is handled in its pass's unit of work, and marked done there.
        with lent_or_new(turn.uow if turn else None, self.uow_factory) as uow:
            if inbound.dedup_key and not first and uow.audit.seen(inbound.dedup_key):
                log.info("duplicate delivery %s ignored", inbound.dedup_key)
                return Outcome(cid, duplicate=True)
            if self.source is not None:  # another process may have changed people or roles
                self.catalog = self.source.current(uow)
            actor = self._resolve(uow, inbound)
            ctx = Context(
                uow,
                self.catalog,
                self.clock,
                actor,
                cid,
                self.channels,
                conversation=inbound.conversation,
                private=not inbound.shared_conversation,
                flows=self.flows,
                directory=self.directory,
                user_directories=self.user_directories,
            )
            failed = False
            try:
                replies = self._run(ctx, inbound)
            except FieldErrors as exc:
                fields = [Field(label=name, value=problem) for name, problem in exc.fields.items()]
                replies, failed = [Reply(kind="error", text=exc.message, fields=fields)], True
            except UserError as exc:
                replies, failed = [error(exc.message)], True
            except Exception:
                log.exception("handling %s failed", inbound.channel)
                replies, failed = [error(f"something went wrong on our side (ref {cid})")], True
            if failed:
                uow.rollback()
                if ctx.applicant_id is not None and uow.applicants.get(ctx.applicant_id) is None:
                    ctx.applicant_id = None
            self._record_inbound(ctx, inbound, failed)
            ids = self._enqueue_replies(ctx, inbound, replies)
            changed = ctx.directory_changed and not failed
            if changed:  # every process sees it at its next event or pass
                uow.catalog_generation.bump()
            if turn is not None:
                turn.finish()
            uow.commit()
            if turn is not None:
                turn.finished = True
        if changed and self.source is not None:
            self.catalog = self.source.refresh()
        if ctx.queued:  # a command answered inline leaves the delivery worker nothing to do
            for callback in self.on_commit:
                callback()
        return Outcome(
            cid,
            replies=replies,
            outbox_ids=ids,
            person_key=actor.person.key if actor.person else None,
            applicant_id=ctx.applicant_id,
        )

    def apply(self, actor: Actor, change: Callable[[Context], T]) -> T:
        """A change no command asked for (a channel's event about a person, such as their
        timezone changing there), made as `actor` in one unit of work and committed; a change
        of people bumps the catalog's generation and rebuilds it, as after a command."""
        cid = new_correlation_id()
        with correlation(cid), self.uow_factory() as uow:
            if self.source is not None:
                self.catalog = self.source.current(uow)
            ctx = Context(
                uow, self.catalog, self.clock, actor, cid, self.channels, directory=self.directory
            )
            result = change(ctx)
            if ctx.directory_changed:
                uow.catalog_generation.bump()
            uow.commit()
        if ctx.directory_changed and self.source is not None:
            self.catalog = self.source.refresh()
        return result

    def _link_code(self, inbound: Inbound) -> str | None:
        """The code in a private `start CODE` (or `/start CODE`) on a linkable channel."""
        traits = self.catalog.channel(inbound.channel)
        if inbound.text is None or inbound.shared_conversation or not (traits and traits.linkable):
            return None
        found = _START_CODE.match(inbound.text.strip())
        return found.group(1) if found else None

    def _resolve(self, uow: UnitOfWork, inbound: Inbound) -> Actor:
        generation = self.source.generation if self.source is not None else None
        return actor_for(
            uow, self.catalog, inbound.channel, inbound.user_ref, self.speakers, generation
        )

    def _run(self, ctx: Context, inbound: Inbound) -> list[Reply]:
        if ctx.actor.person is None:
            raise NotFound(
                f"sorry, I don't know you yet ({inbound.channel} user {inbound.user_ref[:40]}); "
                "ask a hirebot admin to add you to the people directory"
            )
        if inbound.action is not None:
            action = self.commands.actions.get(inbound.action.id)
            if action is None:
                raise NotFound("that button is no longer supported; use the commands instead")
            return action(ctx, inbound.action.value, inbound.action.input)
        text = inbound.text or ""
        if not inbound.shared_conversation and not text.lstrip().startswith("/"):
            run = self.flows.active_run(ctx, inbound.channel)
            if run is not None and (
                self.flows.wants_free_text(ctx, run) or not self._is_command(text)
            ):
                return self.flows.on_text(ctx, run, text)
        line = CommandLine.parse(text)
        if not line.name:
            line = CommandLine("help", "")
        command = self.commands.find(line.name)
        if command.permission is not None:
            ctx.actor.require(command.permission)
        return command.run(ctx, line)

    def _is_command(self, text: str) -> bool:
        """While a flow waits on a choice, a line starting with a command name runs it."""
        name = CommandLine.parse(text).name
        return name in self.commands.commands or name in self.commands.aliases

    def _record_inbound(self, ctx: Context, inbound: Inbound, failed: bool) -> None:
        if inbound.action is not None:
            kind, summary = "action", f"clicked {inbound.action.id} ({inbound.action.value})"
            if inbound.action.input:
                summary += f": {inbound.action.input}"
        else:
            kind, summary = "command", inbound.text or ""
        audit.record(
            ctx,
            direction="in",
            kind=kind,
            summary=summary + (" [refused]" if failed else ""),  # redacted by audit.record
            applicant_id=ctx.applicant_id,
            dedup_key=inbound.dedup_key,
            payload={"conversation": inbound.conversation, "failed": failed},
        )

    def _enqueue_replies(self, ctx: Context, inbound: Inbound, replies: list[Reply]) -> list[int]:
        rows = []
        for reply in replies:
            ephemeral = inbound.user_ref if inbound.shared_conversation and reply.private else None
            destination = outbox.Destination(
                inbound.channel, inbound.conversation, inbound.shared_conversation, ephemeral
            )
            # a picture needs the channel's sender (an inline answer carries text only)
            if inbound.deliver_inline and reply.chart is None:
                outbox.answered_inline(ctx, destination, reply, applicant_id=ctx.applicant_id)
                continue
            rows.append(outbox.enqueue(ctx, destination, reply, applicant_id=ctx.applicant_id))
        if rows:
            ctx.uow.flush()  # the rows' ids, in one flush for every reply
        return [row.id for row in rows]
