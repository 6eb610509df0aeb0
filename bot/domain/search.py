"""Search expressions, read into a `SearchQuery` with no I/O.

`skills:python,postgres location:karachi exp>=5 "ayesha"` means: has both skills, location
contains "karachi", at least five years of experience, and "ayesha" in the name or a note.
Filters of different kinds all apply; several values of one kind (`location:karachi,lahore`)
mean any of them, except skills, which must all be present. Roles and stages are kept as typed
here and resolved against the catalog by the service, so every mistake can name the bad part.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace

from bot.domain.applicants import SHORT_TEXT_MAX, parse_skills
from bot.domain.errors import InvalidInput
from bot.domain.suggest import did_you_mean

MAX_TOKENS = 30
MAX_TERM = 100
MAX_VALUES = 20
MAX_YEARS = 70
PAGE_MAX = 1_000_000

# Accepted spellings -> the filter they mean.
KEYS = {
    "skills": "skills",
    "skill": "skills",
    "location": "location",
    "loc": "location",
    "source": "source",
    "role": "role",
    "stage": "stage",
    "exp": "exp",
    "years": "exp",
    "text": "text",
    "page": "page",
}
FILTERS = ("skills", "location", "source", "role", "stage", "exp", "text", "page")
_FILTER = re.compile(r"^(?P<key>[A-Za-z_]+)(?P<op>>=|<=|=|:|>|<)(?P<value>.*)$", re.DOTALL)
_RANGE = re.compile(r"^(\d+)-(\d+)$")


def _bad(token: str, problem: str) -> InvalidInput:
    shown = token if len(token) <= 60 else token[:60] + "…"
    return InvalidInput(f"in '{shown}': {problem}")


@dataclass(frozen=True)
class SearchQuery:
    """What to look for; empty parts do not filter. `page` is not part of the query itself."""

    skills: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    min_years: int | None = None
    max_years: int | None = None
    text: tuple[str, ...] = ()
    page: int = 1

    @property
    def empty(self) -> bool:
        return self.without_page() == SearchQuery()

    def without_page(self) -> SearchQuery:
        return replace(self, page=1)

    def canonical(self) -> str:
        """The query written back in its own syntax, tidied: what saved searches store."""
        parts: list[str] = []
        for key, values in (
            ("role", self.roles),
            ("stage", self.stages),
            ("skills", self.skills),
            ("location", self.locations),
            ("source", self.sources),
        ):
            if values:
                parts.append(shlex.quote(f"{key}:{','.join(values)}"))
        if self.min_years is not None and self.min_years == self.max_years:
            parts.append(f"exp={self.min_years}")
        else:
            if self.min_years is not None:
                parts.append(f"exp>={self.min_years}")
            if self.max_years is not None:
                parts.append(f"exp<={self.max_years}")
        parts += [shlex.quote(term) for term in self.text]
        return " ".join(parts)


def _values(token: str, value: str) -> list[str]:
    values = [" ".join(v.split()) for v in value.split(",")]
    values = [v for v in values if v]
    if not values:
        raise _bad(token, "it has no value")
    if len(values) > MAX_VALUES:
        raise _bad(token, f"{len(values)} values given; at most {MAX_VALUES}")
    for v in values:
        if len(v) > SHORT_TEXT_MAX:
            raise _bad(token, f"a value is longer than {SHORT_TEXT_MAX} characters")
    return values


def _years(token: str, text: str) -> int:
    if not text.isdigit() or int(text) > MAX_YEARS:
        raise _bad(
            token,
            f"years of experience must be a whole number from 0 to {MAX_YEARS}, e.g. exp>=5",
        )
    return int(text)


def _year_bounds(token: str, op: str, value: str) -> tuple[int | None, int | None]:
    """(at least, at most) from `exp>=5`, `exp<3`, `exp=4`, `exp:3-8` or `exp:5+`."""
    value = value.strip()
    if op in {">=", ">"}:
        n = _years(token, value)
        return (n + 1 if op == ">" else n), None
    if op in {"<=", "<"}:
        n = _years(token, value)
        if op == "<" and n == 0:
            raise _bad(token, "nobody has fewer than 0 years of experience")
        return None, (n - 1 if op == "<" else n)
    if value.endswith("+"):
        return _years(token, value[:-1]), None
    match = _RANGE.match(value)
    if match:
        low, high = _years(token, match.group(1)), _years(token, match.group(2))
        if low > high:
            raise _bad(token, f"the range {low}-{high} is backwards; write {high}-{low}")
        return low, high
    n = _years(token, value)
    return n, n


def _tokens(expression: str) -> list[str]:
    try:
        tokens = shlex.split(expression)
    except ValueError as exc:
        raise InvalidInput(f"could not read the search: {exc} (check your quotes)") from exc
    if len(tokens) > MAX_TOKENS:
        raise InvalidInput(f"the search has {len(tokens)} parts; at most {MAX_TOKENS}")
    return tokens


def parse_search(expression: str) -> SearchQuery:
    """Read a search expression; a mistake raises InvalidInput naming the part that is wrong."""
    query = SearchQuery()
    low: tuple[str, int] | None = None  # (the token that set it, value)
    high: tuple[str, int] | None = None
    for token in _tokens(expression):
        match = _FILTER.match(token)
        if match is None:
            query = replace(query, text=(*query.text, _term(token, token)))
            continue
        typed, op, value = match.group("key"), match.group("op"), match.group("value")
        key = KEYS.get(typed.lower())
        if key is None:
            hint = did_you_mean(typed.lower(), list(KEYS))
            raise _bad(
                token,
                f"unknown filter '{typed[:30]}'{hint} (filters: {', '.join(FILTERS)}; "
                f'to search for the text itself, write text:"{token[:40]}")',
            )
        if key == "exp":
            at_least, at_most = _year_bounds(token, op, value)
            if at_least is not None and (low is None or at_least > low[1]):
                low = (token, at_least)
            if at_most is not None and (high is None or at_most < high[1]):
                high = (token, at_most)
            if low is not None and high is not None and low[1] > high[1]:
                raise InvalidInput(
                    f"'{low[0][:40]}' and '{high[0][:40]}' can never both hold: "
                    f"at least {low[1]} and at most {high[1]} years"
                )
            continue
        if op not in {":", "="}:
            raise _bad(token, f"only years can be compared; write {typed}:{value[:40]}")
        if key == "page":
            if not value.isdigit() or not 1 <= int(value) <= PAGE_MAX:
                raise _bad(token, "the page must be a positive number")
            query = replace(query, page=int(value))
        elif key == "text":
            query = replace(query, text=(*query.text, _term(token, value)))
        elif key == "skills":
            try:
                skills = parse_skills(_values(token, value))
            except InvalidInput as exc:
                raise _bad(token, exc.message) from exc
            query = replace(query, skills=_merge(query.skills, skills))
        else:
            values = _values(token, value)
            if key == "location":
                query = replace(query, locations=_merge(query.locations, values))
            elif key == "source":
                query = replace(query, sources=_merge(query.sources, values))
            elif key == "role":
                query = replace(query, roles=_merge(query.roles, [v.lower() for v in values]))
            else:
                query = replace(query, stages=_merge(query.stages, [v.lower() for v in values]))
    return replace(
        query,
        min_years=low[1] if low else None,
        max_years=high[1] if high else None,
    )


def _term(token: str, value: str) -> str:
    term = " ".join(value.split())
    if not term:
        raise _bad(token, "it has no text to look for")
    if len(term) > MAX_TERM:
        raise _bad(token, f"a search term is limited to {MAX_TERM} characters")
    return term


def _merge(existing: tuple[str, ...], new: list[str]) -> tuple[str, ...]:
    out = list(existing)
    for value in new:
        if value.lower() not in (v.lower() for v in out):
            out.append(value)
    if len(out) > MAX_VALUES:
        raise InvalidInput(f"{len(out)} values for one filter; at most {MAX_VALUES}")
    return tuple(out)


def looks_like_filter(token: str) -> bool:
    """A word that is a search filter (`skills:python`, `exp>=5`): how `list` spots a search."""
    match = _FILTER.match(token)
    return match is not None and KEYS.get(match.group("key").lower()) not in (None, "page")
