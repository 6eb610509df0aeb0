"""`milestones ID` (a hire's milestones with state and link), `milestone ID add "title"
due=DATE` (one more on the accepted offer, and in the role's tracker) and `milestone ID done N`."""

from __future__ import annotations

from datetime import date

from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.domain.trackers import TITLE_MAX
from bot.handlers.parsing import CommandLine, parse_id, split_options
from bot.handlers.registry import Command, CommandSet
from bot.messages.reply import Reply, success
from bot.services import trackers as service
from bot.services.context import Context
from bot.services.trackers import MilestoneView

LIST_USAGE = "milestones <applicant id>"
ADD_USAGE = 'milestone <applicant id> add "title" due=YYYY-MM-DD'
DONE_USAGE = "milestone <applicant id> done <number>"
USAGE = f"{ADD_USAGE} | {DONE_USAGE}"


def view_line(view: MilestoneView) -> str:
    due = f" by {view.due.isoformat()}" if view.due else ""
    where = f" · {view.url}" if view.url else ""
    pending = " (waiting for the tracker)" if view.item.state == "pending" else ""
    failed = " (the tracker refused it)" if view.item.state == "failed" else ""
    return f"{view.number}. {view.title}{due} — {view.state.value}{pending}{failed}{where}"


def milestones(ctx: Context, line: CommandLine) -> list[Reply]:
    words = line.tokens()
    applicant, views = service.milestones(ctx, parse_id(words[0] if words else None, LIST_USAGE))
    if not views:
        return [
            Reply(
                text=f"#{applicant.id} {applicant.name} has no milestones yet. "
                f'Add one: milestone {applicant.id} add "title" due=YYYY-MM-DD'
            )
        ]
    return [
        Reply(
            title=f"Milestones of #{applicant.id} {applicant.name}",
            lines=[view_line(v) for v in views],
            footer=f"Mark one done: milestone {applicant.id} done <number>",
        )
    ]


def _due(value: str | None) -> date:
    if not value:
        raise InvalidInput(f"when is it due? usage: {ADD_USAGE}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"'{value.strip()[:20]}' is not a date (YYYY-MM-DD)") from exc


def milestone(ctx: Context, line: CommandLine) -> list[Reply]:
    positional, options = split_options(line.tokens(), {"due"})
    applicant_id = parse_id(positional[0] if positional else None, USAGE)
    verb = positional[1].lower() if len(positional) > 1 else ""
    if verb == "add":
        title = " ".join(positional[2:]).strip()
        if not title:
            raise InvalidInput(f"what is the milestone? usage: {ADD_USAGE}")
        if len(title) > TITLE_MAX:
            raise InvalidInput(f"a milestone title is at most {TITLE_MAX} characters")
        item = service.add_milestone(ctx, applicant_id, title, _due(options.get("due")))
        where = f" and queued for {item.kind}" if item.kind else ""
        return [success(f"Milestone {item.position} added to #{applicant_id}{where}: {title}.")]
    if verb == "done":
        if len(positional) < 3 or not positional[2].isdigit():
            raise InvalidInput(f"which milestone? usage: {DONE_USAGE}")
        item, changed = service.mark_done(ctx, applicant_id, int(positional[2]))
        if not changed:
            return [Reply(kind="info", text=f"Milestone {item.position} is already done.")]
        return [success(f"Milestone {item.position} of #{applicant_id} is done: {item.title}.")]
    raise InvalidInput(f"usage: {USAGE}")


def register(commands: CommandSet) -> None:
    commands.add(
        Command(
            "milestones",
            LIST_USAGE,
            "a hire's milestones with their state and tracker link",
            milestones,
            Permission.VIEW,
            examples=("milestones 12",),
        )
    )
    commands.add(
        Command(
            "milestone",
            USAGE,
            "add a milestone to a hire's offer and tracker, or mark one done",
            milestone,
            Permission.OFFER,
            examples=('milestone 12 add "API v2" due=2027-03-01', "milestone 12 done 1"),
        )
    )
