"""The feedback a person owes, as one message: the `feedback` command, the home page and the
reminder show the same list, built here once (one line and one button per interview).

Every interview is listed; buttons stop at what every channel shows in one message
(`MAX_ACTIONS`, counting the caller's own buttons), and the footer says how to reach the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages.format import plural
from bot.messages.reply import Action, Reply
from bot.services.context import Context
from bot.services.interviews import when_for
from storage.models import Panelist, Person

MAX_ACTIONS = 20  # buttons in one message: within what every channel shows


def heading(count: int, lead: str = "You") -> str:
    """'You owe feedback for 2 interviews' (the reminder leads with 'Reminder: you')."""
    return f"{lead} owe feedback for {plural(count, 'interview')}"


def _line(ctx: Context, person: Person, panelist: Panelist) -> str:
    """`Interview #3: Ayesha Khan, Technical interview, Tue 24 Nov 16:00`: the applicant and the
    stage as other replies show them, even for a role gone from the configuration."""
    interview = panelist.interview
    applicant = ctx.uow.applicants.get(interview.applicant_id)
    role = ctx.catalog.roles.get(applicant.role.key) if applicant else None
    stage = role.pipeline.label(interview.stage) if role else interview.stage
    who = applicant.name if applicant else "?"
    return (
        f"Interview #{interview.id}: {who}, {stage}, {when_for(ctx, person, interview.starts_at)}"
    )


def owed_reply(
    ctx: Context,
    person: Person,
    owed: Sequence[Panelist],
    *,
    title: str,
    text: str = "",
    extra: Sequence[Action] = (),
) -> Reply:
    """`owed` as one message to `person`: a line and a 'Give feedback' button per interview,
    then `extra` (kept however many interviews there are)."""
    # One query for every applicant the list names, instead of one per line (held in a name:
    # the session keeps only objects something refers to).
    _applicants = ctx.uow.applicants.load([p.interview.applicant_id for p in owed])
    lines = [_line(ctx, person, p) for p in owed]
    buttons = [
        Action(
            id="feedback",
            label=f"Give feedback #{p.interview_id}",
            value=str(p.interview_id),
            style="primary",
        )
        for p in owed
    ]
    room = MAX_ACTIONS - len(extra)
    more = len(buttons) - room
    return Reply(
        title=title,
        text=text,
        lines=lines,
        actions=[*buttons[:room], *extra],
        footer=f"Buttons for the first {room}; for the other {more}: feedback <interview id>"
        if more > 0
        else "",
    )
