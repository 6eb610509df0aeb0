"""The "Advance all… / Reject all…" buttons under a list, a search or a stale-applicant nudge.

A button's value is `verb:scope`, short enough for the 64 bytes a button may carry:
`l:<role|->:<stage>` (what `list` showed, every page of it), `n:<role>` (who a role's nudge is
about), or `i:12.15.19` (a search's matches, by id). Tapping it finds those applicants again
and starts the confirmation (bot/flows/bulk.py), which names each one; nothing changes before
that answer.
"""

from __future__ import annotations

import re

from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.flows.bulk import ADVANCE, REJECT, start_bulk_flow
from bot.handlers.registry import CommandSet
from bot.messages.bulk import BULK_ACTION
from bot.messages.reply import Reply
from bot.services import bulk
from bot.services.bulk import Selection
from bot.services.context import Context

_KEY = re.compile(r"^[a-z0-9_-]{1,60}$")


def _selection(ctx: Context, scope: str) -> Selection:
    kind, _, rest = scope.partition(":")
    if kind == "l":
        role, _, stage = rest.partition(":")
        if (role != "-" and not _KEY.match(role)) or not _KEY.match(stage):
            raise InvalidInput("that button is not one of hirebot's")
        return bulk.select_listed(ctx, None if role == "-" else role, stage)
    if kind == "n" and _KEY.match(rest):
        return bulk.select_stuck(ctx, rest)
    if kind == "i" and rest and all(part.isdigit() for part in rest.split(".")):
        return bulk.select_ids(ctx, [int(part) for part in rest.split(".")])
    raise InvalidInput("that button is not one of hirebot's")


def bulk_action(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    """A "… all" tap: the confirmation naming who would change."""
    ctx.actor.require(Permission.MOVE)
    ctx.actor.require(Permission.BULK)
    verb, _, scope = value.partition(":")
    if verb not in {REJECT, ADVANCE}:
        raise InvalidInput("that button is not one of hirebot's")
    if ctx.flows is None or ctx.actor.person_id is None:
        raise InvalidInput("confirmations are not available here; type the command instead")
    return [start_bulk_flow(ctx, verb, _selection(ctx, scope))]


def register(commands: CommandSet) -> None:
    commands.add_action(BULK_ACTION, bulk_action)
