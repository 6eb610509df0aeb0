"""`home`: a person's dashboard, as a few short replies (one per section).

Channel-neutral: a channel with a home tab shows it there, the others answer `home` with it.
Sections are functions of the request context, listed in `SECTIONS`; the pending-feedback and
upcoming-interview sections are the interviews work's `feedback` and `interviews` answers.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.catalog import RoleSpec
from bot.domain.permissions import Permission
from bot.handlers import interviews as interview_handlers
from bot.handlers.parsing import CommandLine
from bot.handlers.registry import Command, CommandSet
from bot.messages.format import plural
from bot.messages.reply import Reply
from bot.services.context import Context

HomeSection = Callable[[Context], Reply]


def _my_roles(ctx: Context) -> tuple[str, list[RoleSpec]]:
    """Roles the person hires for (manager or recruiter); everyone else sees every role."""
    person = ctx.actor.person
    roles = list(ctx.catalog.roles.values())
    mine = [r for r in roles if person and person.key in (r.hiring_manager, r.recruiter)]
    return ("Pipeline — your roles", mine) if mine else ("Pipeline — all roles", roles)


def pipeline(ctx: Context) -> Reply:
    """Open applicants per stage for the person's roles."""
    if not ctx.actor.can(Permission.VIEW):
        return Reply(title="Pipeline", text="you cannot view applicants")
    title, roles = _my_roles(ctx)
    counts = ctx.uow.applicants.stage_counts()
    role_ids = {r.key: r.id for r in ctx.uow.roles.all()}
    lines = []
    for role in roles:
        rid = role_ids.get(role.key, -1)
        stages = [s for s in role.pipeline.stages if s.is_open]
        total = sum(counts.get((rid, s.key), 0) for s in stages)
        by_stage = " · ".join(f"{s.label} {counts.get((rid, s.key), 0)}" for s in stages)
        lines.append(f"{role.title} ({role.key}): {plural(total, 'open applicant')} — {by_stage}")
    return Reply(
        title=title,
        lines=lines or ["no roles configured"],
        footer="list <role> shows the applicants",
    )


def pending_feedback(ctx: Context) -> Reply:
    """Scorecards this person still owes, each with a button to start or resume it."""
    [owed] = interview_handlers.feedback(ctx, CommandLine("feedback", ""))[:1]
    return owed.model_copy(update={"title": "My pending feedback"})


def upcoming_interviews(ctx: Context) -> Reply:
    """Interviews this person is on, soonest first."""
    [upcoming] = interview_handlers.interviews(ctx, CommandLine("interviews", ""))[:1]
    return upcoming.model_copy(update={"title": "My upcoming interviews"})


SECTIONS: tuple[HomeSection, ...] = (pipeline, pending_feedback, upcoming_interviews)


def home(ctx: Context, _line: CommandLine) -> list[Reply]:
    return [section(ctx) for section in SECTIONS]


def register(commands: CommandSet) -> None:
    commands.add(
        Command(
            "home",
            "home",
            "your dashboard: your roles' pipeline, pending feedback, upcoming interviews",
            home,
        )
    )
