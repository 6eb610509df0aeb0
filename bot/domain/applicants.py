"""Applicant data as entered by people, forms, the API or imports, validated by one model
before anything is stored."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlparse

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.domain.errors import FieldErrors, InvalidInput

NAME_MAX = 200
NOTE_MAX = 10_000
REASON_MAX = 2_000
SHORT_TEXT_MAX = 200
URL_MAX = 2_000
SKILLS_MAX = 30
SKILL_MAX = 50  # characters in one skill tag
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
        if len(tag) > SKILL_MAX:
            raise InvalidInput(
                f"skill '{tag[:SKILL_MAX]}…' is too long ({SKILL_MAX} characters at most)"
            )
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
# Every name the model reads, `exp` being another spelling of `years`.
INPUT_FIELDS = tuple(sorted({*FORM_FIELDS, *YEARS_FIELDS}))
DEFAULT_PHONE_REGION = "PK"
FieldValue = str | Sequence[str] | None
_GIVEN_TWICE = object()
_T = TypeVar("_T")


def _checked(check: Callable[[], _T]) -> _T:
    """Run a rule, turning its `InvalidInput` into a pydantic error that keeps the message."""
    try:
        return check()
    except InvalidInput as exc:
        raise PydanticCustomError("applicant_field", "{message}", {"message": exc.message}) from exc


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("must be text, not a list")
    return value.strip()


def _optional(value: object, rule: Callable[[str], _T]) -> _T | None:
    """Blank optional fields are absent; anything else must pass the rule."""
    text = _text(value)
    return rule(text) if text else None


def _skill_tags(value: object) -> list[str]:
    """Skills as one comma-separated text (chat, CSV) or a list of tags (the API)."""
    if value is None:
        return []
    if isinstance(value, str):
        return parse_skills(clean_text(value, what="a skill", limit=2_000))
    if not isinstance(value, list | tuple):
        raise InvalidInput("skills must be text")
    items: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise InvalidInput("skills must be text")
        items.append(clean_text(item, what="a skill", limit=2_000))
    return parse_skills(items)


def _given_twice() -> None:
    raise InvalidInput("years of experience is given twice (years= and exp=)")


def _unknown(exc: ValidationError) -> list[str]:
    return sorted(str(e["loc"][0]) for e in exc.errors() if e["type"] == "extra_forbidden")


def _problems(exc: ValidationError) -> dict[str, str]:
    """Each bad field's first message, in the model's field order."""
    found: dict[str, str] = {}
    for error in exc.errors():
        if error["type"] != "extra_forbidden" and error["loc"]:
            found.setdefault(str(error["loc"][0]), error["msg"])
    return found


class ApplicantDraft(BaseModel):
    """A validated applicant, not yet stored: the one model every way in (chat, forms, the
    API, CSV import, the guided add) validates with, so they accept and refuse the same data.

    Fields are named as people type them (`resume=`, `years=`), so each pydantic error's
    location is the field to point at. Two uses, from the same `ValidationError`:
    `from_fields` fails fast with the first problem (a chat reply), `from_form` collects every
    bad field into `FieldErrors` (forms, the API, a CSV row's report).
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    role_key: str
    name: str = Field(default="", validate_default=True)
    email: str | None = None
    phone: str | None = None
    location: str = ""
    source: str = ""
    skills: list[str] = Field(default_factory=list)
    note: str = ""
    resume: str | None = None
    portfolio: str | None = None
    code: str | None = None
    profile: str | None = None
    years: int | None = None

    @property
    def links(self) -> dict[str, str]:
        """The links given, by kind."""
        return {kind: url for kind in LINK_KINDS if (url := getattr(self, kind))}

    @property
    def years_experience(self) -> int | None:
        return self.years

    @model_validator(mode="before")
    @classmethod
    def _one_years_field(cls, data: Any) -> Any:
        """`exp=` is another spelling of `years=`; both at once is refused on `years`."""
        if not isinstance(data, dict) or "exp" not in data:
            return data
        data = dict(data)
        exp = data.pop("exp")
        if _blank(data.get("years")):
            data["years"] = exp
        elif not _blank(exp):
            data["years"] = _GIVEN_TWICE
        return data

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> str:
        return _checked(lambda: clean_name(_text(value)))

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: object) -> str | None:
        return _checked(lambda: _optional(value, normalise_email))

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: object, info: ValidationInfo) -> str | None:
        region = (info.context or {}).get("phone_region", DEFAULT_PHONE_REGION)
        return _checked(lambda: _optional(value, lambda v: normalise_phone(v, region)))

    @field_validator("location", "source", mode="before")
    @classmethod
    def _short_text(cls, value: object, info: ValidationInfo) -> str:
        what = str(info.field_name)
        return _checked(lambda: clean_text(_text(value), what=what, limit=SHORT_TEXT_MAX))

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, value: object) -> str:
        return _checked(lambda: clean_text(_text(value), what="note", limit=NOTE_MAX))

    @field_validator("skills", mode="before")
    @classmethod
    def _skills(cls, value: object) -> list[str]:
        return _checked(lambda: _skill_tags(value))

    @field_validator(*LINK_KINDS, mode="before")
    @classmethod
    def _link(cls, value: object, info: ValidationInfo) -> str | None:
        what = f"{info.field_name} link"
        return _checked(lambda: _optional(value, lambda v: check_url(v, what=what)))

    @field_validator("years", mode="before")
    @classmethod
    def _years(cls, value: object) -> int | None:
        if value is _GIVEN_TWICE:
            return _checked(_given_twice)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return _checked(lambda: _optional(value, parse_years))

    @classmethod
    def from_fields(
        cls,
        role_key: str,
        fields: Mapping[str, FieldValue],
        *,
        phone_region: str = DEFAULT_PHONE_REGION,
    ) -> ApplicantDraft:
        """Validate and stop at the first problem (a chat reply names one thing to fix)."""
        try:
            return cls._validate(role_key, fields, phone_region)
        except ValidationError as exc:
            unknown = _unknown(exc)
            if unknown:
                known = ", ".join(INPUT_FIELDS)
                message = f"unknown field(s) {', '.join(unknown)}; known fields: {known}"
            else:
                message = next(iter(_problems(exc).values()))
            raise InvalidInput(message) from None

    @classmethod
    def from_form(
        cls,
        role_key: str,
        fields: Mapping[str, FieldValue],
        *,
        phone_region: str = DEFAULT_PHONE_REGION,
        problems: Mapping[str, str] | None = None,
    ) -> ApplicantDraft:
        """Validate every field and raise one `FieldErrors` naming each bad one.

        `problems` are errors the caller already found (an unknown role), reported together.
        """
        found: dict[str, str] = dict(problems or {})
        if "role_key" in fields:  # the role is the caller's own argument, never a field
            found["role_key"] = "unknown field; the role goes in the form's role field"
            fields = {k: v for k, v in fields.items() if k != "role_key"}
        try:
            draft = cls._validate(role_key, fields, phone_region)
        except ValidationError as exc:
            for name in _unknown(exc):
                found[name] = f"unknown field; known fields: {', '.join(FORM_FIELDS)}"
            found.update(_problems(exc))
            raise FieldErrors(found) from None
        if found:
            raise FieldErrors(found)
        return draft

    @classmethod
    def check(cls, field: str, value: str, *, phone_region: str = DEFAULT_PHONE_REGION) -> str:
        """One field's rule on its own (a guided add checks each answer as it is given);
        returns the cleaned value as text."""
        draft = cls.model_construct(role_key="")
        try:
            cls.__pydantic_validator__.validate_assignment(
                draft, field, value, context={"phone_region": phone_region}
            )
        except ValidationError as exc:
            raise InvalidInput(next(iter(_problems(exc).values()))) from None
        cleaned = getattr(draft, field)
        return ", ".join(cleaned) if isinstance(cleaned, list) else str(cleaned or "")

    @classmethod
    def _validate(
        cls, role_key: str, fields: Mapping[str, FieldValue], phone_region: str
    ) -> ApplicantDraft:
        data = {**fields, "role_key": role_key}  # the role is the caller's, checked by it
        return cls.model_validate(data, context={"phone_region": phone_region})


def initials(name: str) -> str:
    """'Ayesha Khan' -> 'A. K.', for roles whose channel should not show full names."""
    parts = [p for p in name.split() if p]
    return " ".join(f"{p[0].upper()}." for p in parts[:3]) or "?"
