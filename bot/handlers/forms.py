"""Forms submitted whole (a modal, on any channel with forms): every field is checked at once
and each problem comes back beside its field (`FieldErrors`), then the same use case runs as for
the typed command.

The action's value is the submitted fields as a compact JSON object of strings.
"""

from __future__ import annotations

import json

from bot.domain.applicants import ApplicantDraft
from bot.domain.errors import InvalidInput, UserError
from bot.domain.permissions import Permission
from bot.handlers.registry import CommandSet
from bot.handlers.views import added_reply
from bot.messages.reply import Reply
from bot.services import applicants as service
from bot.services.context import Context

ADD_APPLICANT = "form.add_applicant"
FORM_MAX = 40_000


def _fields(value: str) -> dict[str, str]:
    if len(value) > FORM_MAX:
        raise InvalidInput(f"the form is {len(value):,} characters; the limit is {FORM_MAX:,}")
    try:
        data = json.loads(value or "{}")
    except ValueError as exc:
        raise InvalidInput("the form could not be read; open it again") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InvalidInput("the form could not be read; open it again")
    return {str(k): v for k, v in data.items()}


def add_applicant(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    """Adds an applicant from a form; the role is one more field, checked with the rest."""
    ctx.actor.require(Permission.ADD)
    fields = _fields(value)
    role_key = fields.pop("role", "").strip()
    problems: dict[str, str] = {}
    if not role_key:
        problems["role"] = "choose the role they applied for"
    else:
        try:
            role_key = ctx.catalog.role(role_key).key
        except UserError as exc:
            problems["role"] = exc.message
    draft = ApplicantDraft.from_form(
        role_key, fields, phone_region=ctx.catalog.phone_region, problems=problems
    )
    role = ctx.catalog.role(role_key)
    result = service.add(ctx, draft, via=ctx.actor.channel)
    return [added_reply(ctx, role, result)]


def register(commands: CommandSet) -> None:
    commands.add_action(ADD_APPLICANT, add_applicant)
