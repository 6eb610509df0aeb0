"""Applicant search and saved searches: a parsed query resolved against the catalog, run page by
page, and re-run for a person's digest ("3 new applicants match 'senior python, Islamabad'")."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.domain.applicants import clean_text
from bot.domain.catalog import RoleSpec
from bot.domain.errors import InvalidInput, NotFound, UserError
from bot.domain.permissions import Permission
from bot.domain.search import SearchQuery, parse_search
from bot.domain.stages import stage_keys
from bot.services import audit
from bot.services.context import Context
from storage.models import Applicant, SavedSearch
from storage.repository import Page
from storage.searches import ApplicantFilter

NAME_MAX = 80
SAVED_MAX = 50
DIGEST_IDS = 5


@dataclass(frozen=True)
class SearchResult:
    query: SearchQuery
    page: Page[Applicant]
    by_stage: dict[tuple[str, str], int]  # (role key, stage key) -> matches


def _role_rows(ctx: Context) -> dict[str, int]:
    return {row.key: row.id for row in ctx.uow.roles.all()}


def resolve(ctx: Context, query: SearchQuery, *, default_stages: str = "all") -> ApplicantFilter:
    """Role and stage words -> ids and keys; an unknown one is named with the closest match."""
    ids = _role_rows(ctx)
    roles: list[RoleSpec] = []
    for word in query.roles:
        try:
            roles.append(ctx.catalog.role(word))
        except UserError as exc:
            raise InvalidInput(f"in 'role:{word[:40]}': {exc.message}") from exc
    scope = roles or list(ctx.catalog.roles.values())
    stages: set[str] | None = set()
    for word in query.stages or (default_stages,):
        found = _stage_keys(scope, word)
        if found is None:
            stages = None
            break
        assert stages is not None
        stages |= found
    return ApplicantFilter(
        role_ids=tuple(ids.get(r.key, -1) for r in roles) if roles else None,
        stages=tuple(sorted(stages)) if stages is not None else None,
        skills=query.skills,
        locations=query.locations,
        sources=query.sources,
        min_years=query.min_years,
        max_years=query.max_years,
        text=query.text,
    )


def _stage_keys(roles: list[RoleSpec], word: str) -> set[str] | None:
    """As `stage_keys`, with the error naming the search term it came from."""
    try:
        keys = stage_keys([r.pipeline for r in roles], word)
    except InvalidInput as exc:
        raise InvalidInput(f"in 'stage:{word[:40]}': {exc.message} (or open, closed, all)") from exc
    return None if keys is None else set(keys)


def run(
    ctx: Context, query: SearchQuery, *, per_page: int = 10, default_stages: str = "all"
) -> SearchResult:
    ctx.actor.require(Permission.VIEW)
    conditions = resolve(ctx, query, default_stages=default_stages)
    repo = ctx.uow.searches
    counts = repo.counts(conditions)
    total = sum(counts.values())
    pages = max(1, -(-total // per_page))
    if query.page > pages and total:
        raise InvalidInput(f"page {query.page} is past the end: {total} match, {pages} page(s)")
    items = repo.page(conditions, page=query.page, per_page=per_page) if total else []
    keys = {row.id: row.key for row in ctx.uow.roles.all()}
    by_stage = {(keys.get(role_id, "?"), stage): n for (role_id, stage), n in counts.items()}
    return SearchResult(query, Page(items, total, query.page, per_page), by_stage)


def search(
    ctx: Context, expression: str, *, per_page: int = 10, default_stages: str = "all"
) -> SearchResult:
    query = parse_search(expression)
    if query.empty:
        raise InvalidInput(
            "what should I look for? e.g. search skills:python,postgres location:karachi exp>=5"
        )
    return run(ctx, query, per_page=per_page, default_stages=default_stages)


# Saved searches ------------------------------------------------------------------------------


def _owner(ctx: Context) -> int:
    if ctx.actor.person_id is None:
        raise InvalidInput("saved searches belong to people in the directory")
    return ctx.actor.person_id


def _clean_name(name: str) -> str:
    cleaned = " ".join(clean_text(name, what="the search's name", limit=NAME_MAX).split())
    if not cleaned:
        raise InvalidInput('give the search a name, e.g. search save "senior python" …')
    if cleaned.isdigit() or (cleaned.startswith("#") and cleaned[1:].isdigit()):
        raise InvalidInput("a search's name cannot be a number (numbers are search ids)")
    return cleaned


@dataclass(frozen=True)
class Saved:
    search: SavedSearch
    replaced: bool


def save(ctx: Context, name: str, expression: str, *, in_digest: bool) -> Saved:
    """Store the tidied query under the name (replacing the person's own of that name); the
    digest reports applicants added from now on."""
    ctx.actor.require(Permission.VIEW)
    person_id = _owner(ctx)
    name = _clean_name(name)
    query = parse_search(expression).without_page()
    if query.empty:
        raise InvalidInput("the search to save is empty; give filters or words to look for")
    resolve(ctx, query)  # refuse unknown roles and stages now, not at the next digest
    repo = ctx.uow.saved_searches
    newest = ctx.uow.searches.newest_id()
    existing = repo.by_name(person_id, name)
    if existing is not None:
        existing.query, existing.in_digest, existing.last_seen_id = (
            query.canonical(),
            in_digest,
            newest,
        )
        return Saved(existing, replaced=True)
    if len(repo.for_person(person_id, limit=SAVED_MAX + 1)) >= SAVED_MAX:
        raise InvalidInput(f"you have {SAVED_MAX} saved searches; delete one first")
    row = SavedSearch(
        person_id=person_id,
        name=name,
        query=query.canonical(),
        in_digest=in_digest,
        created_at=ctx.clock.now(),
        last_seen_id=newest,
    )
    repo.add(row)
    ctx.uow.flush()
    audit.record(ctx, direction="event", kind="search.saved", summary=f"saved search '{name}'")
    return Saved(row, replaced=False)


def mine(ctx: Context) -> list[SavedSearch]:
    return list(ctx.uow.saved_searches.for_person(_owner(ctx)))


def find(ctx: Context, ref: str) -> SavedSearch:
    """One of the person's own saved searches, by id (`3`, `#3`) or name."""
    person_id = _owner(ctx)
    repo = ctx.uow.saved_searches
    word = ref.strip()
    found: SavedSearch | None
    if word.lstrip("#").isdigit():
        found = repo.get(int(word.lstrip("#")))
        found = found if found is not None and found.person_id == person_id else None
    else:
        found = repo.by_name(person_id, word)
    if found is None:
        names = ", ".join(f"'{s.name}'" for s in repo.for_person(person_id, limit=10))
        raise NotFound(
            f"you have no saved search '{word[:80]}'"
            + (f" (yours: {names})" if names else "; save one with: search save <name> <query>")
        )
    return found


def rerun(ctx: Context, ref: str, *, page: int, per_page: int = 10) -> SearchResult:
    saved = find(ctx, ref)
    query = replace(parse_search(saved.query), page=page)
    return run(ctx, query, per_page=per_page)


def delete(ctx: Context, ref: str) -> str:
    saved = find(ctx, ref)
    ctx.uow.saved_searches.delete(saved)
    return saved.name


def set_digest(ctx: Context, ref: str, on: bool) -> SavedSearch:
    saved = find(ctx, ref)
    if on and not saved.in_digest:
        saved.last_seen_id = ctx.uow.searches.newest_id()
    saved.in_digest = on
    return saved


# Digests -------------------------------------------------------------------------------------


@dataclass
class DigestMatches:
    """New matches for a person's digest searches, and how far each was looked at, so sending
    the digest can mark exactly those as reported (a preview marks nothing)."""

    lines: list[str] = field(default_factory=list)
    total: int = 0
    horizon: int = 0
    search_ids: list[int] = field(default_factory=list)


def for_digest(ctx: Context, person_key: str) -> DigestMatches:
    person = ctx.uow.people.by_key(person_key)
    spec = ctx.catalog.people.get(person_key)
    found = DigestMatches()
    if person is None or spec is None or not spec.can(Permission.VIEW):
        return found
    search_repo = ctx.uow.searches
    found.horizon = search_repo.newest_id()
    for saved in ctx.uow.saved_searches.in_digest(person.id):
        found.search_ids.append(saved.id)
        try:
            conditions = resolve(ctx, parse_search(saved.query))
        except UserError as exc:  # a role or stage left the configuration since it was saved
            found.lines.append(f"'{saved.name}' no longer runs: {exc.message}")
            continue
        conditions = replace(conditions, after_id=saved.last_seen_id, up_to_id=found.horizon)
        count = sum(search_repo.counts(conditions).values())
        if not count:
            continue
        newest = search_repo.page(conditions, page=1, per_page=DIGEST_IDS)
        ids = ", ".join(f"#{a.id}" for a in newest) + (" …" if count > len(newest) else "")
        noun = "new applicant matches" if count == 1 else "new applicants match"
        found.lines.append(f"{count} {noun} '{saved.name}': {ids} (search run {saved.id})")
        found.total += count
    return found


def mark_reported(ctx: Context, matches: DigestMatches) -> None:
    """After the digest went out: the next one reports only applicants added since."""
    for search_id in matches.search_ids:
        saved = ctx.uow.saved_searches.get(search_id)
        if saved is not None and saved.last_seen_id < matches.horizon:
            saved.last_seen_id = matches.horizon
