"""Replies that several commands and actions share: details, move results, notes, history."""

from __future__ import annotations

from bot.domain.catalog import RoleSpec
from bot.domain.permissions import Permission
from bot.domain.stages import StageKind
from bot.handlers.interviews import panel_lines
from bot.messages.cards import applicant_actions
from bot.messages.format import cut, duration, local_time, plural
from bot.messages.reply import Action, Field, Reply
from bot.services import applicants as service
from bot.services import cv_files, trackers
from bot.services.applicants import AddResult, MoveResult
from bot.services.context import Context
from storage.models import Applicant

NOTE_PREVIEW = 300
HISTORY_PER_PAGE = 20
_ARROW = {"in": "»", "out": "→", "event": "•"}


def applicant_details(ctx: Context, applicant: Applicant) -> Reply:
    """Everything about one applicant; email and phone only for people allowed to see them."""
    role = service.role_of(ctx, applicant)
    now = ctx.clock.now()
    fields = [
        Field(label="Role", value=role.title),
        Field(
            label="Stage",
            value=f"{role.pipeline.label(applicant.stage)} "
            f"(for {duration(now - applicant.stage_entered_at)})",
        ),
        Field(label="Source", value=applicant.source or "—"),
        Field(label="Location", value=applicant.location or "—"),
        Field(label="Skills", value=", ".join(applicant.skills) or "—"),
    ]
    if applicant.years_experience is not None:
        fields.append(Field(label="Experience", value=plural(applicant.years_experience, "year")))
    fields += [
        Field(label=k.capitalize(), value=str(v)) for k, v in sorted(applicant.links.items())
    ]
    if ctx.actor.can(Permission.VIEW_CONTACT):
        if applicant.email:
            fields.append(Field(label="Email", value=applicant.email, private=True))
        if applicant.phone:
            fields.append(Field(label="Phone", value=applicant.phone, private=True))
        fields += _file_fields(ctx, applicant)
    tz = ctx.actor.timezone
    fields.append(Field(label="Added", value=local_time(applicant.created_at, tz)))
    latest = ctx.uow.notes.latest(applicant.id, 3)
    lines = [
        f"note, {local_time(n.at, tz)}: {cut(n.text, NOTE_PREVIEW, f'notes {applicant.id}')}"
        for n in latest
    ]
    lines += panel_lines(ctx, applicant.id, applicant.name)
    lines += [
        f"{v.item.purpose} {v.number}: {v.title} — {v.state.value}"
        + (f" · {v.url}" if v.url else "")
        for v in trackers.items_of(ctx, applicant)
    ]
    total_notes = ctx.uow.notes.count(applicant.id)
    footer = f"{plural(total_notes, 'note')} · history {applicant.id} for the timeline"
    return Reply(
        title=f"#{applicant.id} {applicant.name}",
        fields=fields,
        lines=lines,
        actions=details_actions(ctx, applicant, role),
        footer=footer,
    )


def details_actions(ctx: Context, applicant: Applicant, role: RoleSpec) -> list[Action]:
    """The buttons under an applicant's details (the card's, less "details" itself), for
    those who may move applicants. Built on their own for answers that keep only these: the
    details' reads (notes, files, panel, trackers) would be thrown away."""
    if not ctx.actor.can(Permission.MOVE):
        return []
    return [a for a in applicant_actions(applicant, role) if a.id != "details"]


def _file_fields(ctx: Context, applicant: Applicant) -> list[Field]:
    """Each CV they sent, as a signed link that expires (personal data: private, like the
    email), or its name when the public pages are off and no link can be made."""
    site = ctx.catalog.public
    fields = []
    for row in ctx.uow.files.of_applicant(applicant.id):
        if site is None:
            value = f"{row.filename} (set HIREBOT_PUBLIC_URL for a download link)"
        else:
            hours = int(cv_files.LINK_LIFETIME.total_seconds() // 3600)
            value = f"{cv_files.download_link(ctx, site, row)} (works for {hours} hours)"
        fields.append(Field(label="CV", value=value, private=True))
    return fields


def move_reply(ctx: Context, result: MoveResult) -> Reply:
    applicant = result.applicant
    role = service.role_of(ctx, applicant)
    label = role.pipeline.label(result.to_stage)
    if not result.changed:
        return Reply(
            kind="info",
            text=f"#{applicant.id} {applicant.name} is already in {label}.",
            already_done=True,
        )
    next_actions = [a for a in applicant_actions(applicant, role) if a.id != "details"]
    hint = ""
    if role.pipeline.get(result.to_stage).kind is StageKind.HIRED:
        hint = (
            f"Congratulations! Start regular check-ins with them: "
            f"checkin start {applicant.id} as=<their person key>"
        )
    return Reply(
        kind="success",
        text=(
            f"Moved #{applicant.id} {applicant.name}: "
            f"{role.pipeline.label(result.from_stage)} → {label}."
            + (f" {result.note}" if result.note else "")
        ),
        actions=next_actions,
        footer=hint,
    )


def notes_reply(ctx: Context, applicant: Applicant) -> list[Reply]:
    """One reply per note, so a long note is never cut: adapters split it into messages."""
    all_notes = list(reversed(ctx.uow.notes.latest(applicant.id, 50)))
    if not all_notes:
        return [
            Reply(text=f"#{applicant.id} has no notes yet. Add one: note {applicant.id} <text>")
        ]
    people = ctx.uow.people.names(n.author_id for n in all_notes)
    return [
        Reply(
            title=f"Note on #{applicant.id} by {people.get(n.author_id or -1, 'hirebot')}, "
            f"{local_time(n.at, ctx.actor.timezone)}",
            text=n.text,
        )
        for n in all_notes
    ]


def history_reply(ctx: Context, applicant: Applicant, page: int, *, full: bool = False) -> Reply:
    """The hiring events (added, moved, noted, interviews, feedback, offers); `full` adds every
    command and message about the applicant, as the audit log holds them."""
    timeline = ctx.uow.audit.timeline(
        applicant.id,
        page=page,
        per_page=HISTORY_PER_PAGE,
        directions=None if full else ("event",),
    )
    people = ctx.uow.people.names(event.actor_id for event in timeline.items)
    lines = []
    for event in timeline.items:
        who = people.get(event.actor_id or -1, event.actor_ref or "hirebot")
        when = local_time(event.at, ctx.actor.timezone)
        summary = cut(event.summary, NOTE_PREVIEW, f"notes {applicant.id}")
        if event.direction == "in":
            lines.append(f"{when} {_ARROW['in']} {who} ({event.channel}): {summary}")
        elif event.direction == "out":
            lines.append(f"{when} {_ARROW['out']} {event.channel} {event.kind} {summary}")
        else:
            lines.append(f"{when} {_ARROW['event']} {summary}")
    command = f"history {applicant.id}" + (" all" if full else "")
    counted = plural(timeline.total, "event") if full else plural(timeline.total, "hiring event")
    footer = f"page {page} of {timeline.pages} · {counted}"
    if page < timeline.pages:
        footer += f" · next: {command} page={page + 1}"
    if not full:
        footer += f" · {command} all for every command and message too"
    title = f"History of #{applicant.id} {applicant.name}" + (" (full log)" if full else "")
    return Reply(title=title, lines=lines or ["nothing yet"], footer=footer)


def added_reply(ctx: Context, role: RoleSpec, result: AddResult) -> Reply:
    """The answer to any add (command, form): created, or already applied with that email."""
    applicant = result.applicant
    if not result.created:
        return Reply(
            kind="info",
            text=(
                f"{applicant.name} has already applied for {role.title} with that email: "
                f"#{applicant.id}, in {role.pipeline.label(applicant.stage)}. Nothing added."
            ),
        )
    posted = any(name in ctx.channels for name in role.channels)
    where = f" Card posted to {role.channel_name or 'the role channel'}." if posted else ""
    return Reply(
        kind="success",
        text=f"Added #{applicant.id} {applicant.name} to {role.title} "
        f"({role.pipeline.label(applicant.stage)}).{where}",
        actions=details_actions(ctx, applicant, role),
    )
