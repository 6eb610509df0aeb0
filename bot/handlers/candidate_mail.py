"""`email`: messages to candidates, drafted and shown to the recruiter with Send / Edit /
Don't send (services/candidate_mail.py); a bulk command adds Send all."""

from __future__ import annotations

from bot.domain import candidate_messages as kinds
from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.handlers.parsing import CommandLine, parse_id
from bot.handlers.registry import Command, CommandSet
from bot.messages.format import plural
from bot.messages.reply import Action, InputRequest, Reply, success
from bot.services import candidate_mail as service
from bot.services.context import Context

USAGE = f"email <applicant id>[,<id>…] <{'|'.join(kinds.KEYS)}> [text for a free message]"
SHOWN_MAX = 10  # drafts shown in full; the rest are listed, and Send all covers them
EDIT_PROMPT = service.EDIT_PROMPT


def _ids(word: str) -> list[int]:
    return [parse_id(part, USAGE) for part in word.split(",") if part.strip()]


def email(ctx: Context, line: CommandLine) -> list[Reply]:
    head, text = line.head_and_text(2)
    if len(head) < 2:
        raise InvalidInput(f"usage: {USAGE}")
    drafts = service.draft(ctx, _ids(head[0]), head[1].lower(), text)
    replies = [service.review_reply(ctx, d) for d in drafts[:SHOWN_MAX]]
    waiting = [d for d in drafts if d.reviewed]
    if len(waiting) > 1:
        ids = [d.row.id for d in waiting]
        replies.append(
            Reply(
                title=f"{plural(len(waiting), 'draft')} of the {head[1].lower()} e-mail",
                lines=[f"#{d.applicant.id} {d.applicant.name}: {d.mail.subject}" for d in waiting],
                actions=[
                    Action(
                        id=service.SEND_ALL,
                        label=f"Send all {len(waiting)}",
                        value=f"{min(ids)}-{max(ids)}",
                        style="primary",
                    )
                ],
            )
        )
    return replies


def send_action(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    drafted = service.send(ctx, parse_id(value, "send"))
    return [
        success(f"Sent to #{drafted.applicant.id} {drafted.applicant.name}: {drafted.mail.subject}")
    ]


def send_all_action(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    first, _, last = value.partition("-")
    sent = service.send_all(ctx, parse_id(first, "send all"), parse_id(last, "send all"))
    return [
        success(
            f"Sent {plural(len(sent), 'e-mail')}: " + ", ".join(f"#{d.applicant.id}" for d in sent)
        )
    ]


def edit_action(ctx: Context, value: str, text: str | None) -> list[Reply]:
    if text is None:
        return ask_edit(ctx, value, None)
    return [service.review_reply(ctx, service.edit(ctx, parse_id(value, "edit"), text))]


def ask_edit(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    """A channel that asks for text by message tapped Edit: ask for the new text."""
    action = Action(id=service.EDIT, label="Edit", value=value, input_prompt=EDIT_PROMPT)
    return [
        Reply(
            title=f"Edit e-mail draft #{value}",
            text=EDIT_PROMPT,
            asks=InputRequest(action=action, by=ctx.actor.ref, by_name=ctx.actor.name),
        )
    ]


def discard_action(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    drafted = service.discard(ctx, parse_id(value, "don't send"))
    return [success(f"Not sent: the e-mail to #{drafted.applicant.id} {drafted.applicant.name}")]


def register(commands: CommandSet) -> None:
    commands.add(
        Command(
            "email",
            USAGE,
            "e-mail candidates from the role's templates, reviewed before anything is sent",
            email,
            Permission.MOVE,
            examples=(
                "email 12 rejection",
                "email 12,14,15 rejection",
                "email 12 free See you soon",
            ),
        )
    )
    commands.add_action(service.SEND, send_action)
    commands.add_action(service.SEND_ALL, send_all_action)
    commands.add_action(service.EDIT, edit_action)
    commands.add_action(f"ask.{service.EDIT}", ask_edit)
    commands.add_action(service.DISCARD, discard_action)
