"""The `ask` action: a channel without forms asks for the text a button needs before running it.

A channel with forms opens one and the console reads the next line, but where a tap can only
start a conversation the adapter dispatches `ask` with the tapped action (`reject:12:applied`),
and the reply asks for the text with `Reply.asks`, so the answer can be matched back to the action
by the message it answers, with no state kept in any process. Actions that are not on a card
register their own asker as `ask.<action id>`.
"""

from __future__ import annotations

from bot.domain.errors import InvalidInput, InvalidMove
from bot.domain.permissions import Permission
from bot.handlers.parsing import parse_id
from bot.handlers.registry import CommandSet
from bot.messages.cards import applicant_actions, display_name
from bot.messages.reply import InputRequest, Reply
from bot.services import applicants as service
from bot.services.context import Context

# Permissions the asked-for action will check, so nobody types a reason only to be refused.
ASK_PERMISSIONS = {"reject": Permission.MOVE, "schedule": Permission.SCHEDULE}


def ask_action(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    """Checks the tapped card action still applies, then asks its prompt of the person who
    tapped. `value` is `<action id>:<action value>`; action values start with the applicant id."""
    action_id, _, ref = value.partition(":")
    if action_id in ("", "ask"):
        raise InvalidInput("that button is not one of hirebot's")
    permission = ASK_PERMISSIONS.get(action_id)
    if permission is not None:
        ctx.actor.require(permission)
    applicant_ref, _, stage = ref.partition(":")
    applicant = service.get(ctx, parse_id(applicant_ref, action_id))
    role = service.role_of(ctx, applicant)
    if stage and applicant.stage != stage:
        raise InvalidMove(
            f"#{applicant.id} has moved on since that button was drawn: it is now in "
            f"{role.pipeline.label(applicant.stage)}"
        )
    action = next(
        (
            a
            for a in applicant_actions(applicant, role)
            if a.id == action_id and a.value == ref and a.input_prompt
        ),
        None,
    )
    if action is None or action.input_prompt is None:
        raise InvalidMove(
            f"#{applicant.id} is in {role.pipeline.label(applicant.stage)}; "
            "that button no longer applies"
        )
    return [
        Reply(
            title=f"#{applicant.id} {display_name(applicant, role)}",
            text=action.input_prompt,
            asks=InputRequest(action=action, by=ctx.actor.ref, by_name=ctx.actor.name),
            private=False,
        )
    ]


def register(commands: CommandSet) -> None:
    def ask(ctx: Context, value: str, text: str | None) -> list[Reply]:
        """An action registered as `ask.<id>` asks for its own input (offers); card actions
        are asked here."""
        action_id, _, ref = value.partition(":")
        own = commands.actions.get(f"ask.{action_id}")
        return own(ctx, ref, text) if own is not None else ask_action(ctx, value, text)

    commands.add_action("ask", ask)
