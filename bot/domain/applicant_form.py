"""Applicant fields validated one by one, so a form or an API client learns every bad field at
once instead of fixing them one round trip at a time.

The checks are the same functions `ApplicantDraft.from_fields` uses; only the error collection
differs (`FieldErrors` maps each field to its message).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence

from bot.domain.applicants import (
    LINK_KINDS,
    NOTE_MAX,
    SHORT_TEXT_MAX,
    ApplicantDraft,
    check_url,
    clean_name,
    clean_text,
    normalise_email,
    normalise_phone,
    parse_skills,
    parse_years,
)
from bot.domain.errors import FieldErrors, InvalidInput

FORM_FIELDS = (
    "name",
    "email",
    "phone",
    "location",
    "source",
    "skills",
    "note",
    *LINK_KINDS,
    "years",
)
FieldValue = str | Sequence[str] | None


def _skills(value: FieldValue) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    cleaned: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InvalidInput("skills must be text")
        cleaned.append(clean_text(item, what="a skill", limit=2_000))
    return parse_skills(cleaned if not isinstance(value, str) else cleaned[0])


def _text(value: FieldValue) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("must be text, not a list")
    return value


def validate_form(
    role_key: str,
    fields: Mapping[str, FieldValue],
    *,
    phone_region: str = "PK",
    problems: Mapping[str, str] | None = None,
) -> ApplicantDraft:
    """Validate every field and raise one `FieldErrors` naming each bad one.

    `problems` are errors the caller already found (an unknown role), reported together.
    """
    found: dict[str, str] = dict(problems or {})
    for name in sorted(set(fields) - set(FORM_FIELDS)):
        found[name] = f"unknown field; known fields: {', '.join(FORM_FIELDS)}"

    def check(name: str, fn: Callable[[str], str]) -> str:
        try:
            raw = _text(fields.get(name)).strip()
            return fn(raw) if raw or name == "name" else ""
        except InvalidInput as exc:
            found[name] = exc.message
            return ""

    name = check("name", clean_name)
    email = check("email", normalise_email)
    phone = check("phone", lambda v: normalise_phone(v, phone_region))
    location = check("location", lambda v: clean_text(v, what="location", limit=SHORT_TEXT_MAX))
    source = check("source", lambda v: clean_text(v, what="source", limit=SHORT_TEXT_MAX))
    note = check("note", lambda v: clean_text(v, what="note", limit=NOTE_MAX))
    years = check("years", lambda v: str(parse_years(v)))
    links: dict[str, str] = {}
    for kind in LINK_KINDS:
        url = check(kind, functools.partial(check_url, what=f"{kind} link"))
        if url:
            links[kind] = url
    skills: list[str] = []
    try:
        skills = _skills(fields.get("skills"))
    except InvalidInput as exc:
        found["skills"] = exc.message
    if found:
        raise FieldErrors(found)
    return ApplicantDraft(
        role_key=role_key,
        name=name,
        email=email or None,
        phone=phone or None,
        location=location,
        source=source,
        skills=skills,
        links=links,
        note=note,
        years_experience=int(years) if years else None,
    )
