"""Manager digests, pipeline check-ins and stale-applicant nudges: what needs attention,
decisions first, each with one-tap actions where the channel has buttons.

A section shows its first `SECTION_LIMIT` rows and the true count (counted by the database);
when it is cut, its last line names the command that pages through all of it
(`digest stuck senior-backend`), so nobody drops out of a message unnoticed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.domain.catalog import PersonSpec, RoleSpec
from bot.domain.errors import InvalidInput
from bot.domain.permissions import TeamRole
from bot.domain.stages import StageKind
from bot.messages.bulk import bulk_actions
from bot.messages.cards import applicant_actions
from bot.messages.format import cut_list, duration, local_time, plural
from bot.messages.reply import Action, Chart, Reply
from bot.services import absence, people, reports, tasks
from bot.services import search as saved_searches
from bot.services.context import Context
from storage.models import Applicant, Interview, Panelist, ScheduledTask, StageMove, TrackerItem

DIGEST = "digest"
PIPELINE_CHECKIN = "pipeline_checkin"
STALE_NUDGE = "stale_nudge"
SECTION_LIMIT = 10
PAGE_SIZE = 20
MAX_ACTIONS = 20
PERIOD_SECTIONS = frozenset({"new", "moves"})  # what happened since the last digest

_Row = TypeVar("_Row")


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    total: int = 0
    see: str = ""  # the command that lists every row, named when the section is cut
    actions: list[Action] = field(default_factory=list)

    def shown(self) -> list[str]:
        """The rows, and how many were left out and where to read them."""
        return cut_list(self.lines, self.total, self.see)

    def render(self) -> list[str]:
        if not self.lines:
            return []
        return [f"— {self.title} ({self.total}) —", *self.shown()]


@dataclass(frozen=True)
class Scope:
    """What a section reads: the roles, the period, and the words that name it again in a
    `digest <section>` pointer (a role key for one role's messages, a person for an admin)."""

    by_id: dict[int, RoleSpec]
    since: datetime
    now: datetime
    timezone: str
    words: str = ""

    def see(self, section: str) -> str:
        """The command listing all of `section`; a period's sections carry their start, so
        they still list the same rows after the next digest has gone out."""
        since = ""
        if section in PERIOD_SECTIONS:
            local = self.since.astimezone(ZoneInfo(self.timezone))
            since = f" since={local.strftime('%Y-%m-%dT%H:%M')}"
        return f"digest {section}{self.words}{since}"


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


def decisions(ctx: Context, scope: Scope, limit: int = SECTION_LIMIT, offset: int = 0) -> Section:
    by_id = scope.by_id
    section = Section("Decisions waiting on you", see=scope.see("decisions"))
    open_stages = sorted({s.key for r in by_id.values() for s in r.pipeline.stages if s.is_open})
    section.total, rows = ctx.uow.pipeline.awaiting_decision(
        list(by_id), open_stages, limit, offset
    )
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
                section.actions.append(action.model_copy(update={"label": label[:70]}))
    section.actions = section.actions[:MAX_ACTIONS]
    return section


def stuck_applicants(
    ctx: Context, scope: Scope, limit: int = SECTION_LIMIT, offset: int = 0
) -> tuple[int, Sequence[Applicant]]:
    """Applicants in the scope's roles longer than their stage allows, longest waiting first
    (the digest's section, the nudge and its "Reject all…" button read the same rows)."""
    limits = {
        role_id: {
            s.key: scope.now - timedelta(days=s.time_limit_days)
            for s in role.pipeline.stages
            if s.kind is StageKind.OPEN and s.time_limit_days
        }
        for role_id, role in scope.by_id.items()
    }
    return ctx.uow.pipeline.stuck(limits, limit, offset)


def stuck(ctx: Context, scope: Scope, limit: int = SECTION_LIMIT, offset: int = 0) -> Section:
    section = Section("Stuck longer than their stage allows", see=scope.see("stuck"))
    now = scope.now
    section.total, rows = stuck_applicants(ctx, scope, limit, offset)
    for applicant in rows:
        stage = scope.by_id[applicant.role_id].pipeline.get(applicant.stage)
        section.lines.append(
            f"#{applicant.id} {applicant.name}: {stage.label} for "
            f"{duration(now - applicant.stage_entered_at)} (limit {stage.time_limit_days}d)"
        )
    return section


def _listed(
    scope: Scope,
    key: str,
    title: str,
    found: tuple[int, Sequence[_Row]],
    line: Callable[[_Row], str],
) -> Section:
    """A section of one line a row: `found` is the true count and this page's rows, as the
    database gave them; `key` names the section in its `digest <key>` pointer."""
    total, rows = found
    return Section(title, [line(row) for row in rows], total, scope.see(key))


def new_applicants(
    ctx: Context, scope: Scope, limit: int = SECTION_LIMIT, offset: int = 0
) -> Section:
    def line(a: Applicant) -> str:
        via = f", via {a.source}" if a.source else ""
        return f"#{a.id} {a.name} — {scope.by_id[a.role_id].title}{via}"

    found = ctx.uow.pipeline.created_since(list(scope.by_id), scope.since, limit, offset)
    return _listed(scope, "new", "New applicants", found, line)


def stage_moves(ctx: Context, scope: Scope, limit: int = SECTION_LIMIT, offset: int = 0) -> Section:
    def line(row: tuple[StageMove, Applicant]) -> str:
        move, a = row
        label = scope.by_id[a.role_id].pipeline.label
        return f"#{a.id} {a.name}: {label(move.from_stage or '')} → {label(move.to_stage)}"

    found = ctx.uow.pipeline.moves_since(list(scope.by_id), scope.since, limit, offset)
    return _listed(scope, "moves", "Stage moves", found, line)


def upcoming_interviews(
    ctx: Context, scope: Scope, limit: int = SECTION_LIMIT, offset: int = 0
) -> Section:
    def line(row: tuple[Interview, Applicant]) -> str:
        i, a = row
        stage = scope.by_id[a.role_id].pipeline.label(i.stage)
        return f"#{i.id} {local_time(i.starts_at, scope.timezone)} · {a.name} · {stage}"

    found = ctx.uow.pipeline.upcoming_interviews(
        list(scope.by_id), scope.now, scope.now + timedelta(days=7), limit, offset
    )
    return _listed(scope, "interviews", "Interviews in the next 7 days", found, line)


def overdue_feedback(
    ctx: Context, scope: Scope, limit: int = SECTION_LIMIT, offset: int = 0
) -> Section:
    def line(row: tuple[Panelist, Applicant]) -> str:
        p, a = row
        return f"{names.get(p.person_id, '?')}: interview #{p.interview_id} with {a.name}"

    overdue_before = scope.now - timedelta(hours=ctx.catalog.interviews.first_reminder_hours)
    found = ctx.uow.pipeline.overdue_feedback(list(scope.by_id), overdue_before, limit, offset)
    names = ctx.uow.people.names(p.person_id for p, _ in found[1])
    return _listed(scope, "overdue", "Feedback overdue", found, line)


def late_milestones(
    ctx: Context, scope: Scope, limit: int = SECTION_LIMIT, offset: int = 0
) -> Section:
    """Hires' milestones past their due day and not done (as their tracker last said): the
    digest leads with them."""
    today = scope.now.astimezone(ZoneInfo(scope.timezone)).date()

    def line(row: tuple[TrackerItem, Applicant]) -> str:
        item, a = row
        due = item.due.isoformat() if item.due else "?"
        late = plural((today - item.due).days if item.due else 0, "day")
        url = f" · {item.url}" if item.url else ""
        what = f"milestone {item.position} {item.title}"
        return f"#{a.id} {a.name}: {what} — due {due}, {late} late{url}"

    found = ctx.uow.tracker_items.late_milestones(list(scope.by_id), today, limit, offset)
    return _listed(scope, "late", "Late milestones", found, line)


SectionBuilder = Callable[[Context, Scope, int, int], Section]

# `digest <key>` pages through one section; the keys are what the pointers name.
SECTIONS: dict[str, SectionBuilder] = {
    "late": late_milestones,
    "decisions": decisions,
    "new": new_applicants,
    "moves": stage_moves,
    "interviews": upcoming_interviews,
    "overdue": overdue_feedback,
    "stuck": stuck,
}


def scope_for(
    ctx: Context, person: PersonSpec, since: datetime, role_key: str | None = None, words: str = ""
) -> Scope:
    """`person`'s roles (or the one of them named), read from `since` until now."""
    roles = roles_of(ctx, person)
    if role_key is not None:
        chosen = [r for r in roles if r.key == role_key.lower()]
        if not chosen:
            theirs = ", ".join(r.key for r in roles) or "none"
            raise InvalidInput(
                f"{person.name} does not hire for '{role_key[:40]}' (their roles: {theirs})"
            )
        roles = chosen
    return Scope(_role_ids(ctx, roles), since, ctx.clock.now(), person.timezone, words)


def build_digest(
    ctx: Context,
    person: PersonSpec,
    since: datetime,
    *,
    force: bool = False,
    searches: saved_searches.DigestMatches | None = None,
    role_key: str | None = None,
    words: str = "",
) -> Reply | None:
    """None when nothing is new and empty digests are off (or `force` for previews).
    `searches`: the saved-search matches to report (computed here when not given); `role_key`
    keeps to one of the person's roles; `words` follow `digest <section>` in the pointers."""
    scope = scope_for(ctx, person, since, role_key, words)
    by_id = scope.by_id
    if not by_id:
        return (
            Reply(text="You hire for no roles, so there is no digest for you.") if force else None
        )
    tz = person.timezone
    now = scope.now
    late = late_milestones(ctx, scope)
    decided = decisions(ctx, scope)
    actions = decided.actions
    new = new_applicants(ctx, scope)
    moves = stage_moves(ctx, scope)
    upcoming = upcoming_interviews(ctx, scope)
    overdue = overdue_feedback(ctx, scope)
    stale = stuck(ctx, scope)
    found = searches if searches is not None else saved_searches.for_digest(ctx, person.key)
    matching = Section("Your saved searches", found.lines, len(found.lines), "searches")
    sections = [late, decided, new, matching, moves, upcoming, overdue, stale]
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
        # only under decisions that have buttons
        footer="Tap to decide, or use the commands: show, move, reject." if actions else "",
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


def _period(person: PersonSpec) -> timedelta:
    return timedelta(days=7 if person.digest.frequency == "weekly" else 1)


def _since(ctx: Context, task: ScheduledTask, person: PersonSpec) -> datetime:
    last = ctx.uow.tasks.last_done(task.kind, task.subject, at="due_at")
    return last if last is not None and last < task.due_at else task.due_at - _period(person)


def send_digest(ctx: Context, task: ScheduledTask) -> str:
    key = task.subject.removeprefix("person:")
    person = ctx.catalog.people.get(key)
    if person is None or person.digest.frequency == "off":
        return "skipped: no digest configured"
    row = people.row(ctx, key)
    if absence.away_until(row, ctx.clock.now()) is not None:
        return "skipped: away"  # digests pause while they are away
    deferred = tasks.hold_for_quiet_hours(ctx, task, person)
    if deferred:
        return deferred
    found = saved_searches.for_digest(ctx, key)
    reply = build_digest(ctx, person, _since(ctx, task, person), searches=found)
    if reply is None:
        return "nothing new: not sent"
    if person.digest.frequency == "weekly":
        reply = reply.model_copy(update={"chart": weekly_chart(ctx, person)})
    if people.tell(ctx, row, reply):
        saved_searches.mark_reported(ctx, found)
    return "sent"


def weekly_chart(ctx: Context, person: PersonSpec) -> Chart | None:
    """The weekly digest's picture: the funnel and the time in each stage of the person's
    roles over the report's default period (no interviewer figures: those stay in `report`,
    for those allowed to see them)."""
    roles = roles_of(ctx, person)
    if not roles:
        return None
    return reports.chart(ctx, reports.build(ctx, roles=roles))


def role_scope(ctx: Context, role: RoleSpec) -> Scope:
    """One role's messages (check-in, nudge): their pointers name the role."""
    now = ctx.clock.now()
    tz = ctx.catalog.person(role.hiring_manager).timezone
    return Scope(_role_ids(ctx, [role]), now, now, tz, f" {role.key}")


def pipeline_checkin(ctx: Context, task: ScheduledTask) -> str:
    """Weekly per role: the applicants who need a decision, to the hiring manager and recruiter."""
    role = ctx.catalog.roles.get(task.subject.removeprefix("role:"))
    if role is None:
        return "skipped: role no longer configured"
    scope = role_scope(ctx, role)
    decided = decisions(ctx, scope)
    stale = stuck(ctx, scope)
    if not decided.lines and not stale.lines:
        return "nothing waiting: not sent"
    reply = Reply(
        title=f"Pipeline check-in: {role.title}",
        lines=[
            *decided.render(),
            *stale.render(),
            "— Pipeline —",
            *funnel_lines(ctx, scope.by_id, scope.now),
        ],
        actions=decided.actions,
    )
    told = 0
    for key in dict.fromkeys((role.hiring_manager, role.recruiter)):
        row = people.row(ctx, key)
        if absence.away_until(row, scope.now) is None:  # paused while they are away
            told += people.tell(ctx, row, reply)
    return f"sent to {told}"


def stale_nudge(ctx: Context, task: ScheduledTask) -> str:
    """Once a period per role: the recruiter hears about every stuck applicant in one message
    (the first `SECTION_LIMIT` by name, the rest counted, with the command that lists them)."""
    role = ctx.catalog.roles.get(task.subject.removeprefix("role:"))
    if role is None:
        return "skipped: role no longer configured"
    stale = stuck(ctx, role_scope(ctx, role))
    if not stale.lines:
        return "nobody stuck"
    recruiter = people.row(ctx, role.recruiter)
    if absence.away_until(recruiter, ctx.clock.now()) is not None:
        return "skipped: the recruiter is away"
    people.tell(
        ctx,
        recruiter,
        Reply(
            title=f"{plural(stale.total, 'applicant')} stuck in {role.title}",
            text="Move them on, reject, or note why they wait.",
            lines=stale.shown(),
            actions=bulk_actions(f"n:{role.key}", stale.total),
        ),
    )
    return f"nudged about {stale.total}"


def _preview_since(ctx: Context, person: PersonSpec) -> datetime:
    last = ctx.uow.tasks.last_done(DIGEST, f"person:{person.key}", at="due_at")
    return last or ctx.clock.now() - _period(person)


def preview(
    ctx: Context, person: PersonSpec, *, role_key: str | None = None, words: str = ""
) -> Reply:
    reply = build_digest(
        ctx, person, _preview_since(ctx, person), force=True, role_key=role_key, words=words
    )
    assert reply is not None
    return reply


def section_page(
    ctx: Context,
    person: PersonSpec,
    key: str,
    *,
    role_key: str | None = None,
    page: int = 1,
    words: str = "",
    since: datetime | None = None,
) -> Reply:
    """Every row of one digest section, `PAGE_SIZE` at a time: where a cut section points.
    `since` (the period's sections): from then, else since the last digest."""
    start = since if since is not None else _preview_since(ctx, person)
    scope = scope_for(ctx, person, start, role_key, words)
    section = SECTIONS[key](ctx, scope, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    pages = max(1, -(-section.total // PAGE_SIZE))
    footer = f"page {page} of {pages} · {plural(section.total, 'row')}"
    if page < pages:
        footer += f" · next: {scope.see(key)} page={page + 1}"
    empty = "nothing here" if page == 1 else f"nothing on page {page}"
    return Reply(
        title=f"{section.title} ({section.total})",
        text=f"Since {local_time(scope.since, person.timezone)}" if key in {"new", "moves"} else "",
        lines=section.lines or [empty],
        actions=section.actions,
        footer=footer,
    )
