"""`role`: open, close, reopen and change roles from chat (services/roles.py); effective at once.

`roles` (handlers/general.py) shows them; this command changes them, for admins and each
role's hiring manager (the service checks which role is whose).
"""

from __future__ import annotations

from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.handlers.parsing import CommandLine, refuse_unknown_options, split_options
from bot.handlers.registry import Command, CommandSet
from bot.messages.bulk import BULK_ACTION
from bot.messages.format import plural
from bot.messages.reply import Action, Reply, success
from bot.services import roles
from bot.services.context import Context

OPEN_USAGE = (
    'role open <key> from=<role> title="…" [type=full_time|contract] '
    "[pay=MIN-MAX currency=USD period=month] [channel=here|<id>] [manager=…] [recruiter=…]"
)
USAGE = (
    f"{OPEN_USAGE} · role close <key> · role reopen <key> · "
    "role set <key> [title=…] [pay=…] [channel=…] … · "
    'role scorecard <key> [add|remove <name>] · role questions <key> [add "…" | remove N]'
)
OPEN_OPTIONS = {
    "from",
    "title",
    "type",
    "pay",
    "currency",
    "period",
    "channel",
    "channel_name",
    "manager",
    "recruiter",
}


def role(ctx: Context, line: CommandLine) -> list[Reply]:
    tokens = line.tokens()
    verb = tokens[0].lower() if tokens else ""
    if verb == "open":
        return [_open(ctx, tokens[1:])]
    if verb in {"close", "reopen"}:
        if len(tokens) != 2:
            raise InvalidInput(f"which role? usage: role {verb} <key>")
        if verb == "close":
            return [_closed(ctx, roles.close(ctx, tokens[1]))]
        spec = roles.reopen(ctx, tokens[1])
        return [success(f"{spec.title} ({spec.key}) takes applications again.")]
    if verb == "set":
        words, options = split_options(tokens[1:], roles.SET_FIELDS)
        refuse_unknown_options(words, roles.SET_FIELDS)
        if len(words) != 1:
            raise InvalidInput(f"which role? usage: {USAGE}")
        spec, said = roles.change(ctx, words[0], options)
        return [success(f"Changed {spec.title} ({spec.key}): {'; '.join(said)}.")]
    if verb == "scorecard":
        return [_scorecard(ctx, tokens[1:])]
    if verb == "questions":
        return [_questions(ctx, tokens[1:])]
    raise InvalidInput(f"usage: {USAGE}")


def _open(ctx: Context, tokens: list[str]) -> Reply:
    words, options = split_options(tokens, OPEN_OPTIONS)
    refuse_unknown_options(words, OPEN_OPTIONS)
    if len(words) != 1:
        raise InvalidInput(f"give the new role's key once: {OPEN_USAGE}")
    if "from" not in options:
        raise InvalidInput(f"which role does it start from? from=<role> ({OPEN_USAGE})")
    if "title" not in options:
        raise InvalidInput(f'give its title: title="…" ({OPEN_USAGE})')
    row = roles.open_role(
        ctx, words[0], source=options.pop("from"), title=options.pop("title"), options=options
    )
    spec = ctx.catalog.role(row.key)
    where = spec.channel_name or ", ".join(spec.channels.values()) or "no channel yet"
    page = " Its careers page is /jobs/" + spec.key + "." if spec.posting.published else ""
    return success(
        f"Opened {spec.title} ({spec.key}), {spec.employment_type.value}"
        + (f", {spec.pay.describe()}" if spec.pay else "")
        + f". Cards go to {where}; scorecard: {plural(len(spec.scorecard), 'competency')}, "
        f"{plural(sum(len(q) for q in spec.question_bank.values()), 'question')}.{page} "
        f'Add applicants with: add {spec.key} "Name" email=…'
    )


def _closed(ctx: Context, closed: roles.Closed) -> Reply:
    spec = closed.role
    pipeline = spec.pipeline
    lines = [f"#{a.id} {a.name} — {pipeline.label(a.stage)}" for a in closed.open_applicants]
    if closed.open_total > len(closed.open_applicants):
        lines.append(f"… and {closed.open_total - len(closed.open_applicants)} more (list)")
    actions: list[Action] = []
    if not closed.open_total:
        footer = "Nobody is waiting in it."
    else:
        ids = " ".join(str(a.id) for a in closed.open_applicants[:5])
        footer = (
            f"{plural(closed.open_total, 'applicant')} still open. Reject them with a reason: "
            f"reject {ids} reason=role-filled; or add one to another role (add <role> …) and "
            f"withdraw them here; or reopen it: role reopen {spec.key}"
        )
        if ctx.actor.can(Permission.BULK):
            actions.append(
                Action(
                    id=BULK_ACTION,
                    label=f"Reject all {closed.open_total}…",
                    value=f"reject:l:{spec.key}:open",
                    style="danger",
                )
            )
    return Reply(
        kind="success",
        title=f"Closed {spec.title} ({spec.key}) to new applications",
        lines=lines,
        footer=footer,
        actions=actions,
    )


def _change(tokens: list[str], option: str, usage: str) -> tuple[str, str, str | None]:
    """`<key> add <text> [option=…]` or `<key> remove <text>`, as the scorecard and the question
    bank are both changed: the verb, the text, and the option (which only `add` takes)."""
    verb = tokens[1].lower()
    if verb not in {"add", "remove"}:
        raise InvalidInput(f"usage: {usage}")
    words, options = split_options(tokens[2:], {option} if verb == "add" else set())
    refuse_unknown_options(words, {option})
    return verb, " ".join(words), options.get(option)


def _scorecard(ctx: Context, tokens: list[str]) -> Reply:
    if not tokens:
        raise InvalidInput("which role? usage: role scorecard <key> [add|remove <name>]")
    if len(tokens) == 1:
        spec = ctx.catalog.role(tokens[0])
        lines = [
            f"{c.name} ({c.key})" + (f" — {', '.join(c.stages)}" if c.stages else "")
            for c in spec.scorecard
        ]
        return Reply(
            title=f"{spec.title}: scorecard",
            lines=lines or ["no competencies yet"],
            footer=f"role scorecard {spec.key} add <name> [stages=interview] · remove <name>",
        )
    verb, text, stages = _change(
        tokens, "stages", "role scorecard <key> add <name> [stages=…] | remove <name>"
    )
    spec = roles.scorecard(ctx, tokens[0], verb, text, stages)
    names = ", ".join(c.name for c in spec.scorecard) or "none"
    done = "Added to" if verb == "add" else "Removed from"
    return success(f"{done} {spec.title}'s scorecard; it is now: {names}.")


def _questions(ctx: Context, tokens: list[str]) -> Reply:
    if not tokens:
        raise InvalidInput('which role? usage: role questions <key> [add "…" | remove N]')
    if len(tokens) == 1:
        spec = ctx.catalog.role(tokens[0])
        listed = roles.numbered_questions(spec)
        lines = [
            f"{n}. [{spec.pipeline.label(stage)}] {text}"
            for n, (stage, text) in enumerate(listed, 1)
        ]
        return Reply(
            title=f"{spec.title}: question bank",
            lines=lines or ["no questions yet"],
            footer=f'role questions {spec.key} add "…" [stage=…] · remove N',
        )
    verb, text, stage = _change(
        tokens, "stage", 'role questions <key> add "…" [stage=…] | remove N'
    )
    spec, said = roles.questions(ctx, tokens[0], verb, text, stage)
    count = len(roles.numbered_questions(spec))
    return success(f"{said[:1].upper()}{said[1:]}; {plural(count, 'question')} in its bank.")


def register(commands: CommandSet) -> None:
    commands.add(
        Command(
            "role",
            "role open|close|reopen|set|scorecard|questions <key> …",
            "open, close and change roles (admins and the role's hiring manager)",
            role,
            Permission.VIEW,
            examples=(
                'role open backend-contract from=senior-backend title="Backend Engineer '
                '(contract)" type=contract pay=4000-6000 currency=USD period=month',
                "role close backend-contract",
                'role set senior-backend title="Staff Backend Engineer" channel=here',
                'role scorecard senior-backend add "Incident response" stages=interview',
                'role questions senior-backend add "How do you roll back a bad deploy?"',
            ),
        )
    )
