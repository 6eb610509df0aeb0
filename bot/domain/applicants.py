"""Applicant data as entered by people or imports, validated before anything is stored."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlparse

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.domain.errors import InvalidInput

NAME_MAX = 200
NOTE_MAX = 10_000
REASON_MAX = 2_000
SHORT_TEXT_MAX = 200
URL_MAX = 2_000
SKILLS_MAX = 30
YEARS_MAX = 70
LINK_KINDS = ("resume", "portfolio", "code", "profile")
YEARS_FIELDS = ("years", "exp")  # years of experience, as chat and CSV spell it

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str, *, what: str, limit: int, required: bool = False) -> str:
    """Strip control characters and surrounding space; refuse empty or over-long values."""
    cleaned = _CONTROL.sub("", unicodedata.normalize("NFC", value)).strip()
    if required and not cleaned:
        raise InvalidInput(f"{what} cannot be empty")
    if len(cleaned) > limit:
        raise InvalidInput(f"{what} is {len(cleaned):,} characters long; the limit is {limit:,}")
    return cleaned


def clean_name(value: str) -> str:
    return " ".join(clean_text(value, what="name", limit=NAME_MAX, required=True).split())


def normalise_email(value: str) -> str:
    """Validate syntax only (no DNS lookups: imports must work offline) and lower-case it."""
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"'{value.strip()}' is not a valid email address: {exc}") from exc
    return result.normalized.lower()


def normalise_phone(value: str, default_region: str) -> str:
    """Store phones in E.164 so the same number typed two ways is recognised as one."""
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"'{value.strip()}' is not a phone number") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(f"'{value.strip()}' is not a possible phone number")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def check_url(value: str, *, what: str) -> str:
    url = value.strip()
    parsed = urlparse(url)
    if len(url) > URL_MAX or parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise InvalidInput(f"{what} must be an http(s) link, got '{url[:80]}'")
    return url


def parse_skills(value: str | list[str]) -> list[str]:
    """Skills are short lower-case tags; duplicates and blanks are dropped, order kept."""
    raw = value if isinstance(value, list) else re.split(r"[,;]", value)
    tags: list[str] = []
    for item in raw:
        tag = " ".join(item.strip().lower().split())
        if not tag:
            continue
        if len(tag) > 50:
            raise InvalidInput(f"skill '{tag[:50]}…' is too long (50 characters at most)")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > SKILLS_MAX:
        raise InvalidInput(f"{len(tags)} skills given; at most {SKILLS_MAX}")
    return tags


def parse_years(value: str) -> int:
    """Years of experience as a whole number ('6', '6y', '6 years'); text is refused."""
    raw = value.strip().lower()
    for suffix in (" years", " year", "years", "year", "yrs", "y", "+"):
        if raw.endswith(suffix):
            raw = raw[: -len(suffix)].strip()
            break
    if not raw.isdigit() or int(raw) > YEARS_MAX:
        raise InvalidInput(
            f"years of experience must be a whole number from 0 to {YEARS_MAX}, "
            f"got '{value.strip()[:20]}'"
        )
    return int(raw)


@dataclass
class ApplicantDraft:
    """A validated applicant, not yet stored. Build it with `ApplicantDraft.from_fields`."""

    role_key: str
    name: str
    email: str | None = None
    phone: str | None = None
    location: str = ""
    source: str = ""
    skills: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    note: str = ""
    years_experience: int | None = None

    @classmethod
    def from_fields(
        cls, role_key: str, fields: dict[str, str], *, phone_region: str = "PK"
    ) -> ApplicantDraft:
        """Validate free-form fields (from chat, CSV or the API); unknown keys are refused."""
        known = {"name", "email", "phone", "location", "source", "skills", "note", *LINK_KINDS}
        known |= set(YEARS_FIELDS)
        unknown = sorted(set(fields) - known)
        if unknown:
            raise InvalidInput(
                f"unknown field(s) {', '.join(unknown)}; known fields: {', '.join(sorted(known))}"
            )
        years = [fields[k] for k in YEARS_FIELDS if fields.get(k, "").strip()]
        if len(years) > 1:
            raise InvalidInput("years of experience is given twice (years= and exp=)")
        email = fields.get("email", "").strip()
        phone = fields.get("phone", "").strip()
        links = {
            kind: check_url(fields[kind], what=f"{kind} link")
            for kind in LINK_KINDS
            if fields.get(kind, "").strip()
        }
        return cls(
            role_key=role_key,
            name=clean_name(fields.get("name", "")),
            email=normalise_email(email) if email else None,
            phone=normalise_phone(phone, phone_region) if phone else None,
            location=clean_text(fields.get("location", ""), what="location", limit=SHORT_TEXT_MAX),
            source=clean_text(fields.get("source", ""), what="source", limit=SHORT_TEXT_MAX),
            skills=parse_skills(fields.get("skills", "")),
            links=links,
            note=clean_text(fields.get("note", ""), what="note", limit=NOTE_MAX),
            years_experience=parse_years(years[0]) if years else None,
        )


def initials(name: str) -> str:
    """'Ayesha Khan' -> 'A. K.', for roles whose channel should not show full names."""
    parts = [p for p in name.split() if p]
    return " ".join(f"{p[0].upper()}." for p in parts[:3]) or "?"
