"""Manager digests, pipeline check-ins and stale-applicant nudges: what needs attention,
decisions first, each with one-tap actions where the channel has buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.catalog import PersonSpec, RoleSpec
from bot.domain.permissions import TeamRole
from bot.domain.stages import StageKind
from bot.messages.cards import applicant_actions
from bot.messages.format import duration, local_time, plural
from bot.messages.reply import Action, Reply
from bot.services import people, tasks
from bot.services import search as saved_searches
from bot.services.context import Context
from storage.models import ScheduledTask

DIGEST = "digest"
PIPELINE_CHECKIN = "pipeline_checkin"
STALE_NUDGE = "stale_nudge"
SECTION_LIMIT = 10
MAX_ACTIONS = 20


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    total: int = 0

    def render(self) -> list[str]:
        if not self.lines:
            return []
        more = self.total - len(self.lines)
        tail = [f"  … and {more} more"] if more > 0 else []
        return [f"— {self.title} ({self.total}) —", *self.lines, *tail]


def roles_of(ctx: Context, person: PersonSpec) -> list[RoleSpec]:
    """The roles a person hires for; admins with none of their own see every role."""
    mine = [r for r in ctx.catalog.roles.values() if person.key in (r.hiring_manager, r.recruiter)]
    if not mine and TeamRole.ADMIN in person.roles:
        return list(ctx.catalog.roles.values())
    return mine


def _role_ids(ctx: Context, roles: list[RoleSpec]) -> dict[int, RoleSpec]:
    out = {}
    for role in roles:
        row = ctx.uow.roles.by_key(role.key)
        if row is not None:
            out[row.id] = role
    return out


def decisions(ctx: Context, by_id: dict[int, RoleSpec]) -> tuple[Section, list[Action]]:
    section = Section("Decisions waiting on you")
    actions: list[Action] = []
    open_stages = sorted({s.key for r in by_id.values() for s in r.pipeline.stages if s.is_open})
    rows = ctx.uow.pipeline.awaiting_decision(list(by_id), open_stages, SECTION_LIMIT)
    for applicant in rows:
        role = by_id[applicant.role_id]
        recs = [f.recommendation for f in ctx.uow.interviews.feedback_for_applicant(applicant.id)]
        tally = ", ".join(f"{r.replace('_', ' ')} ×{recs.count(r)}" for r in sorted(set(recs)))
        section.lines.append(
            f"#{applicant.id} {applicant.name} ({role.title}), "
            f"{role.pipeline.label(applicant.stage)}: feedback in — {tally}"
        )
        for action in applicant_actions(applicant, role):
            if action.id in {"advance", "reject"}:
                label = f"{action.label} #{applicant.id}"
                actions.append(action.model_copy(update={"label": label[:70]}))
    section.total = len(rows)
    return section, actions[:MAX_ACTIONS]


def stuck(ctx: Context, by_id: dict[int, RoleSpec], now: datetime) -> Section:
    section = Section("Stuck longer than their stage allows")
    for role_id, role in by_id.items():
        limits = {
            s.key: now - timedelta(days=s.time_limit_days)
            for s in role.pipeline.stages
            if s.kind is StageKind.OPEN and s.time_limit_days
        }
        for applicant in ctx.uow.pipeline.stuck(role_id, limits, SECTION_LIMIT):
            stage = role.pipeline.get(applicant.stage)
            section.lines.append(
                f"#{applicant.id} {applicant.name}: {stage.label} for "
                f"{duration(now - applicant.stage_entered_at)} (limit {stage.time_limit_days}d)"
            )
    section.total = len(section.lines)
    section.lines = section.lines[:SECTION_LIMIT]
    return section


def build_digest(
    ctx: Context,
    person: PersonSpec,
    since: datetime,
    *,
    force: bool = False,
    searches: saved_searches.DigestMatches | None = None,
) -> Reply | None:
    """None when nothing is new and empty digests are off (or `force` for previews).
    `searches`: the saved-search matches to report (computed here when not given)."""
    now = ctx.clock.now()
    by_id = _role_ids(ctx, roles_of(ctx, person))
    if not by_id:
        return (
            Reply(text="You hire for no roles, so there is no digest for you.") if force else None
        )
    ids = list(by_id)
    tz = person.timezone
    decided, actions = decisions(ctx, by_id)
    new_total, new_rows = ctx.uow.pipeline.created_since(ids, since, SECTION_LIMIT)
    new = Section(
        "New applicants",
        [
            f"#{a.id} {a.name} — {by_id[a.role_id].title}"
            + (f", via {a.source}" if a.source else "")
            for a in new_rows
        ],
        new_total,
    )
    moves_total, move_rows = ctx.uow.pipeline.moves_since(ids, since, SECTION_LIMIT)
    moves = Section(
        "Stage moves",
        [
            f"#{a.id} {a.name}: {by_id[a.role_id].pipeline.label(m.from_stage or '')} → "
            f"{by_id[a.role_id].pipeline.label(m.to_stage)}"
            for m, a in move_rows
        ],
        moves_total,
    )
    upcoming_rows = ctx.uow.pipeline.upcoming_interviews(
        ids, now, now + timedelta(days=7), SECTION_LIMIT
    )
    upcoming = Section(
        "Interviews in the next 7 days",
        [f"#{i.id} {local_time(i.starts_at, tz)} · {a.name} · {i.stage}" for i, a in upcoming_rows],
        len(upcoming_rows),
    )
    overdue_before = now - timedelta(hours=ctx.catalog.interviews.first_reminder_hours)
    overdue_rows = ctx.uow.pipeline.overdue_feedback(ids, overdue_before, SECTION_LIMIT)
    names = {p.id: p.name for p in ctx.uow.people.all()}
    overdue = Section(
        "Feedback overdue",
        [
            f"{names.get(p.person_id, '?')}: interview #{p.interview_id} with {a.name}"
            for p, a in overdue_rows
        ],
        len(overdue_rows),
    )
    stale = stuck(ctx, by_id, now)
    found = searches if searches is not None else saved_searches.for_digest(ctx, person.key)
    matching = Section("Your saved searches", found.lines, len(found.lines))
    sections = [decided, new, matching, moves, upcoming, overdue, stale]
    if not any(s.lines for s in sections) and not (
        force or ctx.catalog.schedules.digest_when_empty
    ):
        return None
    lines = [line for s in sections for line in s.render()]
    lines += ["— Pipeline —", *funnel_lines(ctx, by_id, now)]
    return Reply(
        title=f"Hiring digest for {person.name}",
        text=f"Since {local_time(since, tz)}"
        + ("" if any(s.lines for s in sections) else ": nothing new."),
        lines=lines,
        actions=actions,
        footer="Tap to decide, or use the commands: show, move, reject.",
    )


def funnel_lines(ctx: Context, by_id: dict[int, RoleSpec], now: datetime) -> list[str]:
    counts = ctx.uow.applicants.stage_counts()
    lines = []
    for role_id, role in by_id.items():
        oldest = ctx.uow.pipeline.oldest_in_stage(
            role_id, [s.key for s in role.pipeline.stages if s.is_open]
        )
        parts = []
        for stage in role.pipeline.stages:
            count = counts.get((role_id, stage.key), 0)
            if not count:
                continue
            age = (
                f", oldest {duration(now - oldest[stage.key])}"
                if stage.is_open and stage.key in oldest
                else ""
            )
            parts.append(f"{stage.label} {count}{age}")
        lines.append(f"{role.title}: " + ("; ".join(parts) or "no applicants"))
    return lines


def _since(ctx: Context, task: ScheduledTask, person: PersonSpec) -> datetime:
    last = ctx.uow.pipeline.last_done(task.kind, task.subject)
    period = timedelta(days=7 if person.digest.frequency == "weekly" else 1)
    return last if last is not None and last < task.due_at else task.due_at - period


def send_digest(ctx: Context, task: ScheduledTask) -> str:
    key = task.subject.removeprefix("person:")
    person = ctx.catalog.people.get(key)
    if person is None or person.digest.frequency == "off":
        return "skipped: no digest configured"
    deferred = tasks.hold_for_quiet_hours(ctx, task, person)
    if deferred:
        return deferred
    found = saved_searches.for_digest(ctx, key)
    reply = build_digest(ctx, person, _since(ctx, task, person), searches=found)
    if reply is None:
        return "nothing new: not sent"
    if people.tell(ctx, people.row(ctx, key), reply):
        saved_searches.mark_reported(ctx, found)
    return "sent"


def pipeline_checkin(ctx: Context, task: ScheduledTask) -> str:
    """Weekly per role: the applicants who need a decision, to the hiring manager and recruiter."""
    role = ctx.catalog.roles.get(task.subject.removeprefix("role:"))
    if role is None:
        return "skipped: role no longer configured"
    by_id = _role_ids(ctx, [role])
    decided, actions = decisions(ctx, by_id)
    stale = stuck(ctx, by_id, ctx.clock.now())
    if not decided.lines and not stale.lines:
        return "nothing waiting: not sent"
    reply = Reply(
        title=f"Pipeline check-in: {role.title}",
        lines=[
            *decided.render(),
            *stale.render(),
            "— Pipeline —",
            *funnel_lines(ctx, by_id, ctx.clock.now()),
        ],
        actions=actions,
    )
    told = 0
    for key in dict.fromkeys((role.hiring_manager, role.recruiter)):
        told += people.tell(ctx, people.row(ctx, key), reply)
    return f"sent to {told}"


def stale_nudge(ctx: Context, task: ScheduledTask) -> str:
    """Once a period per role: the recruiter hears about every stuck applicant in one message."""
    role = ctx.catalog.roles.get(task.subject.removeprefix("role:"))
    if role is None:
        return "skipped: role no longer configured"
    stale = stuck(ctx, _role_ids(ctx, [role]), ctx.clock.now())
    if not stale.lines:
        return "nobody stuck"
    recruiter = people.row(ctx, role.recruiter)
    people.tell(
        ctx,
        recruiter,
        Reply(
            title=f"{plural(stale.total, 'applicant')} stuck in {role.title}",
            text="Move them on, reject, or note why they wait.",
            lines=stale.lines,
        ),
    )
    return f"nudged about {stale.total}"


def preview(ctx: Context, person: PersonSpec) -> Reply:
    period = timedelta(days=7 if person.digest.frequency == "weekly" else 1)
    last = ctx.uow.pipeline.last_done(DIGEST, f"person:{person.key}")
    since = last or ctx.clock.now() - period
    reply = build_digest(ctx, person, since, force=True)
    assert reply is not None
    return reply
