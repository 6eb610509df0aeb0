"""`search`, saved searches, and `list` with search filters."""

from __future__ import annotations

import shlex

from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.domain.search import looks_like_filter
from bot.handlers.parsing import CommandLine, parse_page, split_options
from bot.handlers.registry import Command, CommandSet
from bot.messages.bulk import bulk_actions
from bot.messages.cards import display_name
from bot.messages.format import duration, plural
from bot.messages.reply import Action, Reply, success
from bot.services import applicants as applicant_service
from bot.services import search as service
from bot.services.context import Context

PER_PAGE = 10
SEARCH_USAGE = (
    "search [skills:a,b] [location:…] [source:…] [role:…] [stage:…|open|closed] "
    "[exp>=N|exp<=N|exp:N-M] [words in name or notes] [page=N]"
)
SAVE_USAGE = "search save <name> <query> [digest=on]"
VERBS = {"save", "run", "delete", "digest"}
SEARCHES_USAGE = (
    "searches · search save <name> <query> [digest=on] · search run <name|id> [page=N] · "
    "search digest <name|id> on|off · search delete <name|id>"
)


def _yes_no(word: str, what: str) -> bool:
    value = word.strip().lower()
    if value in {"on", "yes", "true", "1"}:
        return True
    if value in {"off", "no", "false", "0"}:
        return False
    raise InvalidInput(f"{what} must be on or off, got '{word[:20]}'")


def result_reply(ctx: Context, result: service.SearchResult, title: str, again: str) -> Reply:
    """One page of matches, newest first, with how many match in each role and stage."""
    page = result.page
    now = ctx.clock.now()
    lines = []
    for applicant in page.items:
        role = applicant_service.role_of(ctx, applicant)
        parts = [
            f"#{applicant.id} {display_name(applicant, role)} — {role.title}",
            f"{role.pipeline.label(applicant.stage)} for "
            f"{duration(now - applicant.stage_entered_at)}",
        ]
        if applicant.years_experience is not None:
            parts.append(f"{applicant.years_experience}y")
        if applicant.location:
            parts.append(applicant.location)
        if applicant.skills:
            parts.append(", ".join(str(s) for s in applicant.skills[:6]))
        lines.append(" · ".join(parts))
    counts = []
    for role in ctx.catalog.roles.values():
        found = [
            f"{stage.label} {result.by_stage[(role.key, stage.key)]}"
            for stage in role.pipeline.stages
            if result.by_stage.get((role.key, stage.key))
        ]
        if found:
            counts.append(f"{role.title}: {', '.join(found)}")
    head = f"{plural(page.total, 'match', 'matches')}" + (
        f" — {'; '.join(counts)}" if counts else ""
    )
    footer = f"page {page.page} of {page.pages}"
    if page.page < page.pages:
        footer += f" · next: {again} page={page.page + 1}"
    return Reply(
        title=title,
        lines=[head, *lines] if lines else [head, "nobody matches; loosen a filter"],
        footer=footer,
        actions=_bulk_buttons(ctx, result),
    )


def _bulk_buttons(ctx: Context, result: service.SearchResult) -> list[Action]:
    """ "Advance all… / Reject all…" for a search whose matches all show on this page: the
    button carries their ids (a search's own words would not fit in a button)."""
    page = result.page
    if not ctx.actor.can(Permission.BULK) or page.total > len(page.items):
        return []
    open_ids = [
        a.id
        for a in page.items
        if (role := ctx.catalog.roles.get(a.role.key)) is not None
        and a.stage in role.pipeline.keys
        and role.pipeline.get(a.stage).is_open
    ]
    return bulk_actions("i:" + ".".join(str(i) for i in open_ids), len(open_ids))


def _split_page(tokens: list[str]) -> tuple[list[str], int]:
    rest, options = split_options(tokens, {"page"})
    return rest, parse_page(options.get("page"))


def search(ctx: Context, line: CommandLine) -> list[Reply]:
    """Finds applicants by skills, experience, location, source, role, stage and free text."""
    tokens = line.tokens()
    if not tokens:
        raise InvalidInput(f"usage: {SEARCH_USAGE}")
    verb = tokens[0].lower()
    if verb in VERBS and not line.rest.lstrip().startswith(("'", '"')):
        return _saved(ctx, verb, tokens[1:])
    result = service.search(ctx, line.rest, per_page=PER_PAGE)
    expression = result.query.canonical()
    return [result_reply(ctx, result, f"Search: {expression}", f"search {expression}")]


def _saved(ctx: Context, verb: str, tokens: list[str]) -> list[Reply]:
    if verb == "save":
        rest, options = split_options(tokens, {"digest"})
        if len(rest) < 2:
            raise InvalidInput(f"give a name and the search; usage: {SAVE_USAGE}")
        in_digest = _yes_no(options["digest"], "digest") if "digest" in options else False
        stored = service.save(ctx, rest[0], shlex.join(rest[1:]), in_digest=in_digest)
        row = stored.search
        digest = " Your digest will say when new applicants match." if row.in_digest else ""
        done = "Replaced" if stored.replaced else "Saved"
        return [
            success(
                f"{done} search #{row.id} '{row.name}': {row.query}.{digest} "
                f"Run it with: search run {row.id}"
            )
        ]
    if verb == "run":
        rest, page = _split_page(tokens)
        if len(rest) != 1:
            raise InvalidInput("which search? usage: search run <name|id> [page=N]")
        saved = service.find(ctx, rest[0])
        result = service.rerun(ctx, rest[0], page=page, per_page=PER_PAGE)
        return [
            result_reply(
                ctx, result, f"Saved search '{saved.name}': {saved.query}", f"search run {saved.id}"
            )
        ]
    if verb == "delete":
        if len(tokens) != 1:
            raise InvalidInput("which search? usage: search delete <name|id>")
        return [success(f"Deleted saved search '{service.delete(ctx, tokens[0])}'.")]
    if len(tokens) != 2:
        raise InvalidInput("usage: search digest <name|id> on|off")
    row = service.set_digest(ctx, tokens[0], _yes_no(tokens[1], "digest"))
    state = "now in" if row.in_digest else "no longer in"
    return [success(f"Saved search '{row.name}' is {state} your digest.")]


def searches(ctx: Context, line: CommandLine) -> list[Reply]:
    """The person's saved searches."""
    rows = service.mine(ctx)
    lines = [f"#{s.id} {s.name}: {s.query}" + (" · in digest" if s.in_digest else "") for s in rows]
    return [
        Reply(
            title="Your saved searches",
            lines=lines or ["none yet"],
            footer=SEARCHES_USAGE,
        )
    ]


def list_filtered(ctx: Context, line: CommandLine) -> list[Reply]:
    """`list senior-backend screening skills:python exp>=3`: list's role and stage words plus
    search filters; open stages unless a stage is given."""
    words, page = _split_page(line.tokens())
    parts: list[str] = []
    for word in words:
        if looks_like_filter(word):
            parts.append(word)
        elif word.lower() in ctx.catalog.roles:
            parts.append(f"role:{word}")
        else:
            parts.append(f"stage:{word}")
    if not any(p.startswith("stage:") for p in parts):
        parts.insert(0, "stage:open")
    result = service.search(
        ctx, shlex.join([*parts, f"page={page}"]), per_page=PER_PAGE, default_stages="open"
    )
    expression = result.query.canonical()
    return [result_reply(ctx, result, f"Applicants ({expression})", f"list {expression}")]


def wants_filters(line: CommandLine) -> bool:
    """Whether a `list` line uses search filters (so `list_filtered` answers it)."""
    try:
        tokens = line.tokens()
    except InvalidInput:
        return False
    return any(looks_like_filter(t) for t in tokens)


def register(commands: CommandSet) -> None:
    commands.add(
        Command(
            "search",
            SEARCH_USAGE,
            "find applicants by skills, experience, location, source, stage or words",
            search,
            Permission.VIEW,
            aliases=("find",),
            examples=(
                "search skills:python,postgres location:karachi exp>=5",
                'search "ayesha" stage:open',
                'search save "senior python, Islamabad" skills:python location:islamabad '
                "exp>=5 digest=on",
                "search run 3",
            ),
        )
    )
    commands.add(Command("searches", "searches", "your saved searches", searches, Permission.VIEW))
