"""Roles and people as the hiring core sees them: immutable values built from the configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from bot.domain.applicants import DEFAULT_PHONE_REGION
from bot.domain.candidate_messages import CandidateMessaging
from bot.domain.careers import Posting, PublicSite
from bot.domain.channels import ChannelTraits
from bot.domain.errors import NotFound
from bot.domain.interviews import WorkingHours
from bot.domain.permissions import Permission, TeamRole, permissions_for
from bot.domain.reasons import DEFAULT_REASONS, RejectionReasons
from bot.domain.schedules import QuietHours
from bot.domain.stages import Pipeline, Stage
from bot.domain.suggest import did_you_mean
from bot.domain.trackers import TrackerSpec

_Spec = TypeVar("_Spec")

# The defaults config.yaml falls back to are the defaults of these dataclasses (bot/config.py
# reads them from here), so each is written once.
DEFAULT_ORGANIZATION = "hirebot"
DEFAULT_TIMEZONE = "UTC"
STALE_NUDGES_AT = time(9, 30)


class EmploymentType(StrEnum):
    FULL_TIME = "full_time"
    CONTRACT = "contract"


@dataclass(frozen=True)
class PayRange:
    minimum: Decimal
    maximum: Decimal
    currency: str
    period: str

    def describe(self) -> str:
        return f"{self.currency} {self.minimum:,.2f} – {self.maximum:,.2f} per {self.period}"


@dataclass(frozen=True)
class Competency:
    key: str
    name: str
    description: str
    stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoleSpec:
    key: str
    title: str
    team: str
    location: str
    employment_type: EmploymentType
    hiring_manager: str
    recruiter: str
    pipeline: Pipeline
    pay: PayRange | None = None
    channels: dict[str, str] = field(default_factory=dict)  # channel -> address (an id)
    channel_name: str = ""  # what people call the role's channel, for replies
    show_initials: bool = False
    scorecard: tuple[Competency, ...] = ()
    question_bank: dict[str, tuple[str, ...]] = field(default_factory=dict)
    summary: str = ""
    practices: tuple[str, ...] = ()
    # Every employment type the role hires on (the first is `employment_type`, the default);
    # empty means that one alone.
    employment_types: tuple[EmploymentType, ...] = ()
    # Hiring needs an accepted offer: only `offer accept` then moves an applicant to hired.
    offer_required: bool = True
    # What the careers page shows (bot/domain/careers.py); unpublished when absent.
    posting: Posting = field(default_factory=Posting)
    # Messages to candidates: review, rejections, wording (domain/candidate_messages.py).
    messages: CandidateMessaging = field(default_factory=CandidateMessaging)
    # Where its hires' milestones and onboarding steps are tracked (None: in hirebot only).
    tracker: TrackerSpec | None = None
    onboarding: tuple[str, ...] = ()
    # Closed to new applications (`role close`); its applicants are still worked on.
    closed: bool = False

    @property
    def hires_as(self) -> tuple[EmploymentType, ...]:
        """The employment types an offer for this role may have."""
        return self.employment_types or (self.employment_type,)

    def holds_interviews_in(self, stage: Stage) -> bool:
        """Stages the question bank or the scorecard names are the interview stages; a role
        that names none interviews in every open stage after the first (nobody is interviewed
        in 'Applied')."""
        named = set(self.question_bank) | {s for c in self.scorecard for s in c.stages}
        if named:
            return stage.key in named
        return stage.is_open and stage != self.pipeline.first

    def next_interview_stage(self, current: str) -> Stage | None:
        """The stage an interview is for when none is said: the applicant's own if interviews
        are held there, else the next one along the pipeline's advance path."""
        stage: Stage | None = self.pipeline.get(current)
        seen: set[str] = set()
        while stage is not None and stage.is_open and stage.key not in seen:
            if self.holds_interviews_in(stage):
                return stage
            seen.add(stage.key)
            stage = self.pipeline.advance_target(stage.key)
        return None


@dataclass(frozen=True)
class DigestPrefs:
    frequency: str = "off"
    time: str = "09:00"
    weekday: str = "mon"


@dataclass(frozen=True)
class PersonSpec:
    key: str
    name: str
    roles: frozenset[TeamRole]
    timezone: str = DEFAULT_TIMEZONE
    # Addresses from config.yaml, by channel name (each channel reads its own key).
    identities: dict[str, str] = field(default_factory=dict)
    digest: DigestPrefs = field(default_factory=DigestPrefs)
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    quiet_hours: QuietHours | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_for(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


@dataclass(frozen=True)
class InterviewSettings:
    prep_before_minutes: int = 30
    first_reminder_hours: int = 24
    escalation_hours: int = 48
    snooze_hours: int = 24


@dataclass(frozen=True)
class ScheduleSettings:
    digest_when_empty: bool = False
    pipeline_checkins: tuple[tuple[str, str, time], ...] = ()  # (role, weekday, local time)
    # (weekday or None for every working day, time); None turns the nudges off
    stale_nudges: tuple[str | None, time] | None = (None, STALE_NUDGES_AT)
    hire_checkin_weekday: str = "fri"
    hire_checkin_time: time = time(16, 0)
    milestone_days: tuple[int, ...] = (30, 60, 90)
    checkin_questions: tuple[tuple[str, str], ...] = (
        ("progress", "How is progress against your milestones and deadlines?"),
        ("blockers", "Is anything blocking you?"),
        ("scope", "Has the scope changed since it was agreed?"),
        ("communication", "How is communication with the team going?"),
    )


@dataclass(frozen=True)
class PrivacySettings:
    retention: tuple[tuple[str, int], ...] = ()  # (stage key, days in it) -> erase
    notice_days: int = 7
    sweep_time: time = time(3, 0)
    timezone: str = DEFAULT_TIMEZONE
    # Where candidates ask for a copy or erasure of their data (the careers page says so).
    contact: str = ""


@dataclass(frozen=True)
class Catalog:
    """Lookups with helpful misses, so handlers never index dicts directly."""

    roles: dict[str, RoleSpec]
    people: dict[str, PersonSpec]
    organization: str = DEFAULT_ORGANIZATION
    phone_region: str = DEFAULT_PHONE_REGION
    interviews: InterviewSettings = field(default_factory=InterviewSettings)
    schedules: ScheduleSettings = field(default_factory=ScheduleSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    # Every channel hirebot has, in order of preference for private messages.
    channels: tuple[ChannelTraits, ...] = ()
    # Why applicants are rejected, as the organisation groups it (bot/domain/reasons.py).
    rejection_reasons: RejectionReasons = DEFAULT_REASONS
    # The public pages' address and signing key (HIREBOT_PUBLIC_URL); None switches them off.
    public: PublicSite | None = None

    def published_roles(self) -> list[RoleSpec]:
        """The roles the careers page lists, in config.yaml's order (a closed one is not)."""
        return [r for r in self.roles.values() if r.posting.published and not r.closed]

    def channel(self, name: str) -> ChannelTraits | None:
        return next((c for c in self.channels if c.name == name), None)

    def role(self, key: str) -> RoleSpec:
        return _named(self.roles, key, "role", listed=True)

    def person(self, key: str) -> PersonSpec:
        return _named(self.people, key, "person")


def _named(table: dict[str, _Spec], key: str, what: str, *, listed: bool = False) -> _Spec:
    """`table`'s entry for a key as people type it (any case, stray spaces); a miss names the
    closest key and, with `listed` (roles: a few), every key there is."""
    found = table.get(key.strip().lower())
    if found is None:
        hint = did_you_mean(key, table)
        every = f" ({what}s: {', '.join(table)})" if listed else ""
        raise NotFound(f"unknown {what} '{key.strip()}'{hint}{every}")
    return found
