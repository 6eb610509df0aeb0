"""The intake API's request and response bodies, which are also its OpenAPI schema.

Pydantic checks shapes and sizes here (types, lengths, unknown keys; the lengths are the
domain's limits); the hiring rules (valid email, phone, links, name) are the domain's one
applicant model (`ApplicantDraft`), applied by the service, so the API, chat, forms and CSV
imports accept and refuse exactly the same applicants.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.domain.applicants import (
    NAME_MAX,
    NOTE_MAX,
    SHORT_TEXT_MAX,
    SKILL_MAX,
    SKILLS_MAX,
    URL_MAX,
    YEARS_MAX,
)
from bot.domain.catalog import RoleSpec
from bot.domain.stages import StageKind
from storage.models import Applicant


def _encodable(value: str) -> str:
    """Lone surrogates (legal in JSON escapes) cannot be stored as UTF-8: refuse them here."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("contains characters that are not valid Unicode text") from exc
    return value


Text = Annotated[str, AfterValidator(_encodable)]


class ApplicantIn(BaseModel):
    """A new applicant. Only `role` and `name` are required; unknown keys are refused."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "role": "senior-backend",
                    "name": "Ayesha Khan",
                    "email": "ayesha@example.com",
                    "phone": "+92 300 1234567",
                    "source": "careers page",
                    "skills": ["python", "postgres"],
                    "years_experience": 6,
                    "resume": "https://example.com/ayesha.pdf",
                }
            ]
        },
    )

    role: Text = Field(max_length=50, description="role key, e.g. senior-backend")
    name: Text = Field(max_length=NAME_MAX)
    email: Text | None = Field(default=None, max_length=320)
    phone: Text | None = Field(default=None, max_length=64)
    location: Text | None = Field(default=None, max_length=SHORT_TEXT_MAX)
    source: Text | None = Field(
        default=None, max_length=SHORT_TEXT_MAX, description="where they came from"
    )
    skills: list[Annotated[Text, Field(max_length=SKILL_MAX)]] = Field(
        default_factory=list, max_length=SKILLS_MAX
    )
    resume: Text | None = Field(default=None, max_length=URL_MAX)
    portfolio: Text | None = Field(default=None, max_length=URL_MAX)
    code: Text | None = Field(default=None, max_length=URL_MAX)
    profile: Text | None = Field(default=None, max_length=URL_MAX)
    note: Text | None = Field(default=None, max_length=NOTE_MAX)
    years_experience: int | None = Field(
        default=None, ge=0, le=YEARS_MAX, strict=True, description="whole years of experience"
    )

    def form_fields(self) -> dict[str, str | list[str]]:
        """The fields as the domain validates them (role travels separately)."""
        values = self.model_dump(exclude={"role", "years_experience"}, exclude_none=True)
        fields = {k: v for k, v in values.items() if v != []}
        if self.years_experience is not None:
            fields["years"] = str(self.years_experience)
        return fields


class ApplicantOut(BaseModel):
    """An applicant as the API shows it: personal data included (the token is the trust)."""

    id: int
    role: str
    name: str
    email: str | None
    phone: str | None
    location: str
    source: str
    skills: list[str]
    years_experience: int | None
    links: dict[str, str]
    stage: str
    stage_label: str
    stage_entered_at: datetime
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, applicant: Applicant, role: RoleSpec | None) -> ApplicantOut:
        label = role.pipeline.label(applicant.stage) if role else applicant.stage
        return cls(
            id=applicant.id,
            role=applicant.role.key,
            name=applicant.name,
            email=applicant.email,
            phone=applicant.phone,
            location=applicant.location,
            source=applicant.source,
            skills=[str(s) for s in applicant.skills],
            years_experience=applicant.years_experience,
            links={str(k): str(v) for k, v in applicant.links.items()},
            stage=applicant.stage,
            stage_label=label,
            stage_entered_at=applicant.stage_entered_at,
            created_at=applicant.created_at,
            updated_at=applicant.updated_at,
        )


class ApplicantPage(BaseModel):
    items: list[ApplicantOut]
    total: int = Field(description="applicants matching the filters, on every page")
    page: int
    per_page: int
    pages: int


class StageOut(BaseModel):
    key: str
    label: str
    kind: StageKind
    applicants: int


class RoleOut(BaseModel):
    key: str
    title: str
    team: str
    location: str
    employment_type: str
    summary: str
    open_applicants: int
    stages: list[StageOut]


class Problem(BaseModel):
    """Every error body: what went wrong, in words meant for the person reading the log."""

    error: str


class ValidationProblem(BaseModel):
    """422: one message per bad field (body keys, query parameters or headers by name)."""

    error: str
    fields: dict[str, str]
