"""Applicant commands and the card's one-tap actions."""

from __future__ import annotations

from bot.domain.applicants import INPUT_FIELDS, ApplicantDraft
from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidInput, UserError
from bot.domain.permissions import Permission
from bot.domain.stages import WITHDRAWN, stage_keys
from bot.handlers import search as search_commands
from bot.handlers.parsing import CommandLine, parse_id, parse_page, split_options, take_option
from bot.handlers.registry import Command, CommandSet
from bot.handlers.views import (
    added_reply,
    applicant_details,
    history_reply,
    move_reply,
    notes_reply,
)
from bot.messages.bulk import bulk_actions, bulk_reply
from bot.messages.cards import display_name
from bot.messages.format import duration, plural
from bot.messages.reply import Action, Reply, success
from bot.services import applicants as service
from bot.services import bulk
from bot.services.context import Context

ADD_FIELDS = set(INPUT_FIELDS) - {"name"}  # the name is typed after the role, not as name=
ADD_USAGE = (
    "add <role> <name> [email=…] [phone=…] [source=…] [location=…] [skills=a,b] [exp=years] "
    "[resume=URL] [portfolio=URL] [code=URL] [profile=URL] [note=…]"
)
PER_PAGE = 10


def add(ctx: Context, line: CommandLine) -> list[Reply]:
    """Adds an applicant and posts their card to the role's channels."""
    positional, options = split_options(line.tokens(), ADD_FIELDS)
    if not positional and not options:
        return start_guided_add(ctx)
    if len(positional) < 2:
        raise InvalidInput(f"usage: {ADD_USAGE}")
    role = ctx.catalog.role(positional[0])
    draft = ApplicantDraft.from_fields(
        role.key,
        {"name": " ".join(positional[1:]), **options},
        phone_region=ctx.catalog.phone_region,
    )
    result = service.add(ctx, draft, via=ctx.actor.channel)
    return [added_reply(ctx, role, result)]


def start_guided_add(ctx: Context) -> list[Reply]:
    """`add` alone asks step by step, in a private conversation (answers hold personal data)."""
    if not ctx.private or ctx.flows is None or ctx.actor.person_id is None:
        raise InvalidInput(
            f"usage: {ADD_USAGE} — or send 'add' to me in a direct message to be asked step by step"
        )
    return [ctx.flows.start_here(ctx, "add_applicant")]


def list_(ctx: Context, line: CommandLine) -> list[Reply]:
    """Lists applicants, newest first, filtered by role and stage (and search filters)."""
    if search_commands.wants_filters(line):
        return search_commands.list_filtered(ctx, line)
    positional, options = split_options(line.tokens(), {"role", "stage", "page"})
    role_key = options.get("role")
    stage_word = options.get("stage")
    for word in positional:
        if role_key is None and word.lower() in ctx.catalog.roles:
            role_key = word
        elif stage_word is None:
            stage_word = word
        else:
            raise InvalidInput(
                f"'{word[:40]}' is neither a role nor a stage; usage: list [role] [stage] [page=N]"
            )
    page = parse_page(options.get("page"))
    roles = [ctx.catalog.role(role_key)] if role_key else list(ctx.catalog.roles.values())
    stages = stage_keys([r.pipeline for r in roles], stage_word or "open")
    result = service.search(ctx, role_key=role_key, stages=stages, page=page, per_page=PER_PAGE)
    now = ctx.clock.now()
    lines = []
    for applicant in result.items:
        role = service.role_of(ctx, applicant)
        lines.append(
            f"#{applicant.id} {display_name(applicant, role)} — "
            f"{role.pipeline.label(applicant.stage)} "
            f"for {duration(now - applicant.stage_entered_at)} — {role.title}"
        )
    scope = " ".join(x for x in (role_key, stage_word) if x) or "open"
    footer = f"page {page} of {result.pages} · {plural(result.total, 'applicant')}"
    if page < result.pages:
        footer += f" · next: list {scope if scope != 'open' else ''} page={page + 1}".replace(
            "  ", " "
        )
    shown = _scope_label(roles, stages, stage_word, one_role=role_key is not None)
    return [
        Reply(
            title=f"Applicants ({shown})",
            lines=lines or ["nobody here yet"],
            footer=footer,
            actions=_bulk_buttons(ctx, roles, role_key, stage_word, stages, result.total),
        )
    ]


def _bulk_buttons(
    ctx: Context,
    roles: list[RoleSpec],
    role_key: str | None,
    stage_word: str | None,
    stages: list[str] | None,
    total: int,
) -> list[Action]:
    """ "Advance all… / Reject all…" under a list of open applicants (every page of it), for
    those allowed to act on many at once; the button names the list by role and stage."""
    if not ctx.actor.can(Permission.BULK) or stages is None:
        return []
    if not set(stages) <= {s.key for r in roles for s in r.pipeline.stages if s.is_open}:
        return []
    word = (stage_word or "open").strip().lower()
    if word != "open" and len(stages) == 1:
        word = stages[0]
    role = ctx.catalog.role(role_key).key if role_key else "-"
    return bulk_actions(f"l:{role}:{word}", total)


def _scope_label(
    roles: list[RoleSpec], stages: list[str] | None, stage_word: str | None, *, one_role: bool
) -> str:
    """What a list shows, as people read it: the role's title and the stage's label
    ("Senior Backend Engineer, Technical assessment"), not the keys that were typed."""
    parts = [roles[0].title] if one_role else []
    word = (stage_word or "open").strip().lower()
    if stages is not None and len(stages) == 1 and word not in {"open", "closed"}:
        labels = [r.pipeline.label(stages[0]) for r in roles if stages[0] in r.pipeline.keys]
        parts.append(labels[0] if labels else stages[0])
    else:
        parts.append(word)
    return ", ".join(parts)


def show(ctx: Context, line: CommandLine) -> list[Reply]:
    words = line.tokens()
    applicant = service.get(ctx, parse_id(words[0] if words else None, "show <id>"))
    return [applicant_details(ctx, applicant)]


MOVE_USAGE = "move <id> [<id>…] <stage> [reason]"
ADVANCE_USAGE = "advance <id> [<id>…] [reason]"
REJECT_USAGE = "reject <id> [<id>…] reason=<reason> [note]"


def _ids(line: CommandLine, usage: str) -> tuple[list[int], str]:
    ids, text = line.ids_and_text()
    if not ids:
        words = line.tokens()
        parse_id(words[0] if words else None, usage)  # says what is wrong with the first word
    return ids, text


def move(ctx: Context, line: CommandLine) -> list[Reply]:
    """`move 12 screening`, or `move 12 15 19 technical_assessment` for several at once."""
    ids, text = _ids(line, MOVE_USAGE)
    stage, _, reason = text.partition(" ")
    if not stage:
        raise InvalidInput(f"to which stage? usage: {MOVE_USAGE}")
    if len(ids) == 1:
        return [move_reply(ctx, service.move(ctx, ids[0], stage, reason.strip()))]
    result = bulk.apply(ctx, ids, lambda i: service.move(ctx, i, stage, reason.strip()))
    return [bulk_reply(ctx.catalog, "Moved", result, f"to {_stage_label(ctx, stage)}")]


def _stage_label(ctx: Context, word: str) -> str:
    """The stage's label as the roles name it, for a bulk move's title (the word if none does)."""
    for role in ctx.catalog.roles.values():
        try:
            return role.pipeline.parse(word).label
        except UserError:
            continue
    return word


def advance(ctx: Context, line: CommandLine) -> list[Reply]:
    """`advance 12`, or `advance 12 15` to move each to their own next stage."""
    ids, reason = _ids(line, ADVANCE_USAGE)
    if len(ids) == 1:
        return [move_reply(ctx, service.advance(ctx, ids[0], reason))]
    result = bulk.apply(ctx, ids, lambda i: service.advance(ctx, i, reason))
    return [bulk_reply(ctx.catalog, "Advanced", result)]


def reject(ctx: Context, line: CommandLine) -> list[Reply]:
    """`reject 12 15 19 reason=role-filled [note]`; one applicant may still be rejected with
    words alone (`reject 12 no Go experience`), which are the note of an `other` rejection."""
    ids, text = _ids(line, REJECT_USAGE)
    reason, note = take_option(text, "reason")
    reasons = ctx.catalog.rejection_reasons
    if len(ids) > 1 and reason is None:
        shown = ", ".join(f"#{i}" for i in ids)
        raise InvalidInput(
            f"to reject {shown} give the reason as reason=… ({', '.join(reasons.keys)}, or "
            f"other with a note); usage: {REJECT_USAGE}"
        )
    choice = reasons.choose(reason, note)
    if len(ids) == 1:
        return [move_reply(ctx, service.reject(ctx, ids[0], choice))]
    result = bulk.apply(ctx, ids, lambda i: service.reject(ctx, i, choice))
    return [bulk_reply(ctx.catalog, "Rejected", result, f"({choice.text()})")]


def withdraw(ctx: Context, line: CommandLine) -> list[Reply]:
    head, reason = line.head_and_text(1)
    applicant_id = parse_id(head[0] if head else None, "withdraw <id> [reason]")
    return [move_reply(ctx, service.close(ctx, applicant_id, WITHDRAWN, reason))]


def note(ctx: Context, line: CommandLine) -> list[Reply]:
    head, text = line.head_and_text(1)
    applicant_id = parse_id(head[0] if head else None, "note <id> <text>")
    if not text:
        raise InvalidInput("the note is empty; usage: note <id> <text>")
    stored = service.add_note(ctx, applicant_id, text)
    return [success(f"Noted on #{applicant_id} ({plural(len(stored.text), 'character')}).")]


def notes(ctx: Context, line: CommandLine) -> list[Reply]:
    words = line.tokens()
    applicant = service.get(ctx, parse_id(words[0] if words else None, "notes <id>"))
    return notes_reply(ctx, applicant)


HISTORY_USAGE = "history <id> [all] [page=N]"


def history(ctx: Context, line: CommandLine) -> list[Reply]:
    """The hiring events by default; `all` is the full log, commands and messages included."""
    positional, options = split_options(line.tokens(), {"page"})
    ctx.actor.require(Permission.HISTORY)
    if len(positional) > 2 or (len(positional) == 2 and positional[1].lower() != "all"):
        raise InvalidInput(f"usage: {HISTORY_USAGE}")
    applicant = service.get(ctx, parse_id(positional[0] if positional else None, HISTORY_USAGE))
    full = len(positional) == 2
    return [history_reply(ctx, applicant, parse_page(options.get("page")), full=full)]


def _stage_value(value: str) -> tuple[int, str]:
    applicant_id, _, stage = value.partition(":")
    if not applicant_id.isdigit() or not stage:
        raise InvalidInput("that button is not one of hirebot's")
    return int(applicant_id), stage


def advance_action(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    applicant_id, stage = _stage_value(value)
    return [move_reply(ctx, service.advance(ctx, applicant_id, expected_from=stage))]


def reject_action(ctx: Context, value: str, reason: str | None) -> list[Reply]:
    """The card's Reject: the text typed is a configured reason, or the note of an `other`."""
    applicant_id, stage = _stage_value(value)
    choice = ctx.catalog.rejection_reasons.choose(None, reason or "")
    result = service.reject(ctx, applicant_id, choice, expected_from=stage)
    return [move_reply(ctx, result)]


def details_action(ctx: Context, value: str, _input: str | None) -> list[Reply]:
    return [applicant_details(ctx, service.get(ctx, parse_id(value, "details")))]


def register(commands: CommandSet) -> None:
    view, change = Permission.VIEW, Permission.MOVE
    commands.add(
        Command(
            "add",
            ADD_USAGE,
            "add an applicant and post their card",
            add,
            Permission.ADD,
            examples=(
                'add senior-backend "Ayesha Khan" email=ayesha@example.com source=referral '
                "skills=python,postgres exp=6",
            ),
        )
    )
    commands.add(
        Command(
            "list",
            "list [role] [stage|open|closed|all] [skills:…] [exp>=N] [page=N]",
            "applicants, newest first",
            list_,
            view,
            aliases=("ls",),
            examples=(
                "list",
                "list senior-backend screening",
                "list all page=2",
                "list senior-backend skills:python exp>=5",
            ),
        )
    )
    commands.add(Command("show", "show <id>", "one applicant in full", show, view))
    commands.add(
        Command(
            "move",
            MOVE_USAGE,
            "move applicants to another stage",
            move,
            change,
            examples=("move 12 technical_assessment strong CV", "move 12 15 19 interview"),
        )
    )
    commands.add(
        Command(
            "advance",
            ADVANCE_USAGE,
            "move to the next stage",
            advance,
            change,
            examples=("advance 12", "advance 12 15 strong take-home"),
        )
    )
    commands.add(
        Command(
            "reject",
            REJECT_USAGE,
            "reject, with one of the configured reasons",
            reject,
            change,
            examples=(
                "reject 12 15 19 reason=role-filled",
                'reject 12 reason="not enough experience" no production Go yet',
            ),
        )
    )
    commands.add(
        Command("withdraw", "withdraw <id> [reason]", "the applicant withdrew", withdraw, change)
    )
    commands.add(Command("note", "note <id> <text>", "add a note", note, Permission.NOTE))
    commands.add(Command("notes", "notes <id>", "an applicant's notes in full", notes, view))
    commands.add(
        Command(
            "history",
            HISTORY_USAGE,
            "an applicant's hiring events; 'all' adds every command and message",
            history,
            Permission.HISTORY,
            examples=("history 12", "history 12 all page=2"),
        )
    )
    commands.add_action("advance", advance_action)
    commands.add_action("reject", reject_action)
    commands.add_action("details", details_action)
