"""The application form's fields: their labels, hints and kinds, and the posted form read back
into what the applicant model validates (bot/domain/applicants.py), so the page and the API
accept and refuse the same data."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile

from bot.domain.applicants import FieldValue


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str = "text"  # the input's type, or "textarea"
    required: bool = False
    hint: str = ""
    autocomplete: str = "off"


FIELDS = (
    FormField("name", "Full name", required=True, autocomplete="name"),
    FormField("email", "Email", "email", required=True, autocomplete="email"),
    FormField(
        "phone",
        "Phone",
        "tel",
        hint="With your country code, e.g. +92 300 1234567",
        autocomplete="tel",
    ),
    FormField(
        "location", "Where you are based", hint="City and country", autocomplete="address-level2"
    ),
    FormField("years", "Years of backend experience", "number"),
    FormField("skills", "Skills", hint="Separated by commas, e.g. python, postgresql, kubernetes"),
    FormField("resume", "Link to your CV", "url", hint="Or attach the file below"),
    FormField("portfolio", "Portfolio", "url"),
    FormField("code", "Code (GitHub, GitLab…)", "url"),
    FormField("profile", "Profile (LinkedIn…)", "url"),
    FormField("note", "Anything you would like us to know", "textarea"),
)
NAMES = tuple(f.name for f in FIELDS)
CV = "cv"
CONSENT = "consent"
HONEYPOT = "website"  # hidden from people; a bot that fills every field fills it


def values(form: FormData) -> dict[str, str]:
    """The text fields as typed (kept to show the form back), nothing else."""
    out: dict[str, str] = {}
    for name in NAMES:
        value = form.get(name)
        out[name] = value if isinstance(value, str) else ""
    return out


def applicant_fields(typed: dict[str, str]) -> dict[str, FieldValue]:
    """What the applicant model reads: blank fields left out, as an API body would."""
    return {name: value for name, value in typed.items() if value.strip()}


def upload(form: FormData) -> UploadFile | None:
    value = form.get(CV)
    return value if isinstance(value, UploadFile) else None
