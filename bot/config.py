"""config.yaml -> validated pydantic models -> the domain Catalog (the environment: environment.py).

Configuration errors stop hirebot at start with the file, the key path and what is wrong,
so a typo never turns into a half-working bot.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.channels import registry
from bot.domain.applicants import DEFAULT_PHONE_REGION
from bot.domain.candidate_messages import KEYS as CANDIDATE_MESSAGE_KEYS
from bot.domain.candidate_messages import CandidateMessaging, MessageTemplate
from bot.domain.careers import Posting, PostingSection
from bot.domain.catalog import (
    DEFAULT_ORGANIZATION,
    DEFAULT_TIMEZONE,
    STALE_NUDGES_AT,
    Catalog,
    Competency,
    DigestPrefs,
    EmploymentType,
    InterviewSettings,
    PayRange,
    PersonSpec,
    PrivacySettings,
    RoleSpec,
    ScheduleSettings,
)
from bot.domain.channels import ChannelTraits
from bot.domain.interviews import WorkingHours
from bot.domain.permissions import TeamRole
from bot.domain.reasons import DEFAULT_REJECTION_REASONS, RejectionReasons
from bot.domain.schedules import QuietHours
from bot.domain.stages import DEFAULT_STAGES, Pipeline, Stage, StageKind
from bot.domain.suggest import did_you_mean
from bot.domain.trackers import TITLE_MAX, TrackerSpec
from bot.messages.candidate_mail import check_template
from bot.trackers import registry as trackers

SectionT = TypeVar("SectionT", bound=BaseModel)

DEFAULT_CONFIG_PATH = Path("config.yaml")
_KEY = re.compile(r"^[a-z][a-z0-9_\-]{0,49}$")


def _key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError("must be lower-case letters, digits, '-' or '_', starting with a letter")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown timezone '{value}' (use an IANA name like Asia/Karachi)"
        ) from exc
    return value


def _clock_time(value: str) -> str:
    if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value):
        raise ValueError(f"'{value}' is not a 24-hour time like 09:00")
    return value


Key = Annotated[str, AfterValidator(_key)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
ClockTime = Annotated[str, AfterValidator(_clock_time)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PayConfig(_Strict):
    min: Decimal = Field(ge=0)
    max: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    period: Literal["hour", "day", "week", "month", "year"]

    @model_validator(mode="after")
    def _ordered(self) -> PayConfig:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class CompetencyConfig(_Strict):
    key: Key
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=500)
    stages: list[Key] = Field(default_factory=list)


class StageConfig(_Strict):
    key: Key
    label: str = Field(min_length=1, max_length=60)
    kind: StageKind = StageKind.OPEN
    next: list[Key] | None = None
    time_limit_days: int | None = Field(default=None, ge=1, le=365)


class ChannelsConfig(_Strict):
    """Where a role's cards go: one key per channel with shared conversations (the channel's
    name, its value the conversation's id there, as each channel package declares and checks),
    and the name people call it by."""

    model_config = ConfigDict(extra="allow", frozen=True)

    # What people call the role's channel ("#hiring-backend"), said in replies such as "Card
    # posted to …"; the addresses are ids people do not recognise.
    name: str | None = Field(default=None, min_length=1, max_length=80)

    @model_validator(mode="after")
    def _known_channels(self) -> ChannelsConfig:
        self.conversations()
        return self

    def conversations(self) -> dict[str, str]:
        """The role's conversation on each channel, in each channel's stored form."""
        shared = {c.name: c for c in registry.traits() if c.shared_conversations}
        return _by_channel(
            self.model_extra,
            shared,
            lambda c: c.normalise_conversation,
            lambda key: (
                f"unknown channel '{key}'{did_you_mean(key, shared)} "
                f"(channels with shared conversations: {', '.join(shared)})"
            ),
        )


class PostingSectionConfig(_Strict):
    heading: str = Field(min_length=1, max_length=120)
    items: list[str] = Field(default_factory=list, max_length=40)


class CareersConfig(_Strict):
    """What the careers page says about a role (docs/careers.md)."""

    published: bool = True
    description: str = Field(default="", max_length=5000)
    sections: list[PostingSectionConfig] = Field(default_factory=list, max_length=20)

    def posting(self) -> Posting:
        return Posting(
            published=self.published,
            description=self.description.strip(),
            sections=tuple(PostingSection(s.heading, tuple(s.items)) for s in self.sections),
        )


CandidateMessageKey = Literal[CANDIDATE_MESSAGE_KEYS]  # type: ignore[valid-type]


class MessageTemplateConfig(_Strict):
    subject: str = Field(min_length=1, max_length=250)
    body: str = Field(min_length=1, max_length=20_000)

    @model_validator(mode="after")
    def _parses(self) -> MessageTemplateConfig:
        for text in (self.subject, self.body):
            check_template(text)
        return self


class CandidateMessagesConfig(_Strict):
    """Messages to this role's candidates (docs/email.md)."""

    send_unreviewed: bool = False
    rejections: bool = True
    templates: dict[CandidateMessageKey, MessageTemplateConfig] = Field(default_factory=dict)

    def spec(self) -> CandidateMessaging:
        return CandidateMessaging(
            send_unreviewed=self.send_unreviewed,
            rejections=self.rejections,
            templates={k: MessageTemplate(v.subject, v.body) for k, v in self.templates.items()},
        )


class TrackerConfig(_Strict):
    """A role's `tracker:`: `kind` (jira, trello, asana) and the keys that kind needs (a Jira
    `project`; a Trello `board` and `list`; an Asana `workspace` and `project`), with
    optional `labels` on every item and an Asana `section`. See docs/trackers.md."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: str
    labels: list[Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[^\s]+$")]] = Field(
        default_factory=list
    )
    section: str = Field(default="", max_length=100)

    @model_validator(mode="after")
    def _known(self) -> TrackerConfig:
        known = trackers.kinds()
        if self.kind not in known:
            raise ValueError(
                f"kind: unknown tracker '{self.kind}'{did_you_mean(self.kind, known)} "
                f"(trackers: {', '.join(known)})"
            )
        entry = trackers.plugin(self.kind)
        options = self.model_extra or {}
        for key in entry.required:
            if not str(options.get(key) or "").strip():
                raise ValueError(f"{self.kind} needs '{key}'")
        allowed = {*entry.required, *entry.optional}
        for key in options:
            if key not in allowed:
                raise ValueError(
                    f"'{key}' is not a {self.kind} key{did_you_mean(key, allowed)} "
                    f"(keys: {', '.join(sorted(allowed))})"
                )
        return self

    def spec(self) -> TrackerSpec:
        return TrackerSpec(
            kind=self.kind,
            options={k: str(v) for k, v in (self.model_extra or {}).items()},
            labels=tuple(self.labels),
            section=self.section,
        )


class RoleConfig(_Strict):
    key: Key
    title: str = Field(min_length=1, max_length=120)
    team: str = Field(default="", max_length=80)
    location: str = Field(default="", max_length=120)
    employment_type: EmploymentType | list[EmploymentType] = EmploymentType.FULL_TIME
    offer_required: bool = True
    pay: PayConfig | None = None
    hiring_manager: Key
    recruiter: Key
    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    show_initials: bool = False
    summary: str = Field(default="", max_length=2000)
    stages: list[StageConfig] | None = None
    scorecard: list[CompetencyConfig] = Field(default_factory=list)
    question_bank: dict[Key, list[str]] = Field(default_factory=dict)
    practices: list[str] = Field(default_factory=list)
    careers: CareersConfig | None = None
    candidate_messages: CandidateMessagesConfig = Field(default_factory=CandidateMessagesConfig)
    # Where the role's hires' work is tracked, and the steps of their onboarding (one item
    # each in that tracker when an offer is accepted; docs/trackers.md).
    tracker: TrackerConfig | None = None
    onboarding: list[Annotated[str, Field(min_length=1, max_length=TITLE_MAX)]] = Field(
        default_factory=list, max_length=50
    )
    # A closed role takes no new applications (careers page, intake API, chat); its applicants
    # stay where they are (`role close|reopen`, docs/commands.md).
    closed: bool = False

    @property
    def employment_types(self) -> tuple[EmploymentType, ...]:
        """One type or a list of them; the first is what an offer defaults to."""
        if isinstance(self.employment_type, list):
            return tuple(self.employment_type)
        return (self.employment_type,)

    def pipeline(self) -> Pipeline:
        if self.stages is None:
            return Pipeline(DEFAULT_STAGES)
        return Pipeline(
            [
                Stage(
                    s.key,
                    s.label,
                    s.kind,
                    tuple(s.next) if s.next is not None else None,
                    s.time_limit_days,
                )
                for s in self.stages
            ]
        )

    @model_validator(mode="after")
    def _consistent(self) -> RoleConfig:
        try:
            pipeline = self.pipeline()
        except ValueError as exc:
            raise ValueError(f"stages: {exc}") from exc
        if not pipeline.first.is_open:
            raise ValueError("stages: the first stage must be an open stage")
        types = self.employment_types
        if not types:
            raise ValueError("employment_type: give at least one (full_time, contract)")
        if len(set(types)) != len(types):
            raise ValueError("employment_type: a type is listed twice")
        keys = set(pipeline.keys)
        for stage_key in self.question_bank:
            if stage_key not in keys:
                raise ValueError(f"question_bank: '{stage_key}' is not a stage of this role")
        seen: set[str] = set()
        for comp in self.scorecard:
            if comp.key in seen:
                raise ValueError(f"scorecard: competency '{comp.key}' appears twice")
            seen.add(comp.key)
            for stage_key in comp.stages:
                if stage_key not in keys:
                    raise ValueError(
                        f"scorecard: competency '{comp.key}' names unknown stage '{stage_key}'"
                    )
        return self


# Every default below is read from the domain's own dataclasses (bot/domain/catalog.py,
# bot/domain/interviews.py), so a key left out of config.yaml means exactly the domain default
# and a default is written in one place only.
_DIGEST = DigestPrefs()
_WORKING_HOURS = WorkingHours()
_INTERVIEWS = InterviewSettings()
_SCHEDULES = ScheduleSettings()
_PRIVACY = PrivacySettings()


def _clock(value: time) -> str:
    """A domain time as config.yaml spells it ('09:30')."""
    return value.strftime("%H:%M")


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class DigestConfig(_Strict):
    frequency: Literal["off", "daily", "weekly"] = cast(
        Literal["off", "daily", "weekly"], _DIGEST.frequency
    )
    time: ClockTime = _DIGEST.time
    weekday: Weekday = cast(Weekday, _DIGEST.weekday)


class WorkingHoursConfig(_Strict):
    hours: str = Field(
        default=f"{_clock(_WORKING_HOURS.start)}-{_clock(_WORKING_HOURS.end)}",
        pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$",
    )
    days: list[Weekday] = Field(
        default_factory=lambda: [cast(Weekday, d) for d in _WORKING_HOURS.days]
    )

    @model_validator(mode="after")
    def _valid(self) -> WorkingHoursConfig:
        WorkingHours.parse(self.hours, tuple(self.days))
        return self


class InterviewsConfig(_Strict):
    prep_before_minutes: int = Field(default=_INTERVIEWS.prep_before_minutes, ge=0, le=24 * 60)
    first_reminder_hours: int = Field(default=_INTERVIEWS.first_reminder_hours, ge=1, le=24 * 14)
    escalation_hours: int = Field(default=_INTERVIEWS.escalation_hours, ge=1, le=24 * 30)
    snooze_hours: int = Field(default=_INTERVIEWS.snooze_hours, ge=1, le=24 * 14)

    @model_validator(mode="after")
    def _ordered(self) -> InterviewsConfig:
        if self.escalation_hours <= self.first_reminder_hours:
            raise ValueError("escalation_hours must come after first_reminder_hours")
        return self


class PersonConfig(_Strict):
    key: Key
    name: str = Field(min_length=1, max_length=120)
    roles: list[TeamRole] = Field(min_length=1)
    # Besides these keys, a person carries one address key per channel that declares one
    # (bot/channels/*/plugin.py `person_key`), checked by that channel.
    model_config = ConfigDict(extra="allow", frozen=True)

    timezone: TimeZoneName | None = None
    digest: DigestConfig = Field(default_factory=DigestConfig)
    working_hours: WorkingHoursConfig = Field(default_factory=WorkingHoursConfig)
    quiet_hours: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$")

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None:
            QuietHours.parse(value)
        return value

    @model_validator(mode="after")
    def _channel_keys(self) -> PersonConfig:
        self.identities()
        return self

    def identities(self) -> dict[str, str]:
        """This person's addresses from config.yaml, by channel, in each channel's stored form."""
        declared = {c.person_key: c for c in registry.traits() if c.person_key}
        known = [*declared, *type(self).model_fields]
        return _by_channel(
            self.model_extra,
            declared,
            lambda c: c.normalise,
            lambda key: f"unknown key '{key}'{did_you_mean(key, known)}",
        )


class PipelineCheckinConfig(_Strict):
    role: Key
    weekday: Weekday = "mon"
    time: ClockTime = "10:00"


class StaleNudgesConfig(_Strict):
    enabled: bool = _SCHEDULES.stale_nudges is not None
    time: ClockTime = _clock(STALE_NUDGES_AT)
    weekday: Weekday | None = None  # None: every working day's morning, daily


class CheckinQuestionConfig(_Strict):
    key: Key
    text: str = Field(min_length=1, max_length=300)


class HireCheckinsConfig(_Strict):
    weekday: Weekday = cast(Weekday, _SCHEDULES.hire_checkin_weekday)
    time: ClockTime = _clock(_SCHEDULES.hire_checkin_time)
    milestone_days: list[int] = Field(default_factory=lambda: list(_SCHEDULES.milestone_days))
    questions: list[CheckinQuestionConfig] = Field(
        default_factory=lambda: [
            CheckinQuestionConfig(key=key, text=text) for key, text in _SCHEDULES.checkin_questions
        ],
        min_length=1,
    )


class SchedulesConfig(_Strict):
    digest_when_empty: bool = _SCHEDULES.digest_when_empty
    pipeline_checkins: list[PipelineCheckinConfig] = Field(default_factory=list)
    stale_nudges: StaleNudgesConfig = Field(default_factory=StaleNudgesConfig)
    hire_checkins: HireCheckinsConfig = Field(default_factory=HireCheckinsConfig)


class RetentionRuleConfig(_Strict):
    stage: Key
    after_days: int = Field(ge=1, le=3650)


class PrivacyConfig(_Strict):
    retention: list[RetentionRuleConfig] = Field(default_factory=list)
    notice_days: int = Field(default=_PRIVACY.notice_days, ge=0, le=90)
    sweep_time: ClockTime = _clock(_PRIVACY.sweep_time)
    contact: str = Field(default=_PRIVACY.contact, max_length=200)


class DefaultsConfig(_Strict):
    timezone: TimeZoneName = DEFAULT_TIMEZONE
    phone_region: str = Field(default=DEFAULT_PHONE_REGION, pattern=r"^[A-Z]{2}$")


class HirebotConfig(_Strict):
    organization: str = Field(default=DEFAULT_ORGANIZATION, max_length=120)
    defaults: DefaultsConfig = Field(default_factory=DefaultsConfig)
    interviews: InterviewsConfig = Field(default_factory=InterviewsConfig)
    schedules: SchedulesConfig = Field(default_factory=SchedulesConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    people: list[PersonConfig] = Field(min_length=1)
    roles: list[RoleConfig] = Field(default_factory=list)
    rejection_reasons: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REJECTION_REASONS), min_length=1, max_length=30
    )
    # Each channel's own settings, under its name, validated by the model the channel package
    # declares (`ChannelPlugin.config`); secrets stay in the environment.
    channels: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @field_validator("channels")
    @classmethod
    def _channel_sections(cls, sections: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name, section in sections.items():
            plugin = registry.plugin(name)
            if plugin is None:
                known = [t.name for t in registry.traits()]
                raise ValueError(
                    f"unknown channel '{name}'{did_you_mean(name, known)} "
                    f"(channels: {', '.join(known)})"
                )
            if plugin.config is None:
                raise ValueError(f"{name}: the channel has no settings in config.yaml")
            try:
                plugin.config.model_validate(section or {})
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in (name, *e['loc']))}: {e['msg']}"
                    for e in exc.errors()
                )
                raise ValueError(problems) from None
        return sections

    def channel_config(self, name: str, model: type[SectionT]) -> SectionT:
        """A channel's section of config.yaml as its model (its defaults when absent)."""
        return model.model_validate(self.channels.get(name) or {})

    @field_validator("rejection_reasons")
    @classmethod
    def _known_reasons(cls, labels: list[str]) -> list[str]:
        RejectionReasons.of(labels)  # raises naming the bad or repeated label
        return labels

    @field_validator("people")
    @classmethod
    def _unique_people(cls, people: list[PersonConfig]) -> list[PersonConfig]:
        _require_unique("person key", [p.key for p in people])
        for channel in registry.traits():
            if channel.person_key:
                addresses = [p.identities().get(channel.name) for p in people]
                _require_unique(channel.person_key, [a for a in addresses if a])
        return people

    @model_validator(mode="after")
    def _references(self) -> HirebotConfig:
        _require_unique("role key", [r.key for r in self.roles])
        people = {p.key: p for p in self.people}
        for index, role in enumerate(self.roles):
            for attr in ("hiring_manager", "recruiter"):
                who = getattr(role, attr)
                if who not in people:
                    raise ValueError(f"roles[{index}].{attr}: '{who}' is not a configured person")
        if not any(TeamRole.ADMIN in p.roles for p in self.people):
            raise ValueError("people: at least one person needs the admin role")
        role_keys = {r.key for r in self.roles}
        for index, checkin in enumerate(self.schedules.pipeline_checkins):
            if checkin.role not in role_keys:
                raise ValueError(
                    f"schedules.pipeline_checkins[{index}].role: '{checkin.role}' is not a role"
                )
        return self

    def catalog(self) -> Catalog:
        people = {
            p.key: PersonSpec(
                key=p.key,
                name=p.name,
                roles=frozenset(p.roles),
                timezone=p.timezone or self.defaults.timezone,
                identities=p.identities(),
                digest=DigestPrefs(p.digest.frequency, p.digest.time, p.digest.weekday),
                working_hours=WorkingHours.parse(
                    p.working_hours.hours, tuple(p.working_hours.days)
                ),
                quiet_hours=QuietHours.parse(p.quiet_hours) if p.quiet_hours else None,
            )
            for p in self.people
        }
        roles = {r.key: _role_spec(r) for r in self.roles}
        settings = InterviewSettings(**self.interviews.model_dump())
        return Catalog(
            roles,
            people,
            self.organization,
            self.defaults.phone_region,
            settings,
            self._schedule_settings(),
            PrivacySettings(
                retention=tuple((r.stage, r.after_days) for r in self.privacy.retention),
                notice_days=self.privacy.notice_days,
                sweep_time=_time(self.privacy.sweep_time),
                timezone=self.defaults.timezone,
                contact=self.privacy.contact,
            ),
            registry.traits(),
            rejection_reasons=RejectionReasons.of(self.rejection_reasons),
        )

    def _schedule_settings(self) -> ScheduleSettings:
        s = self.schedules
        return ScheduleSettings(
            digest_when_empty=s.digest_when_empty,
            pipeline_checkins=tuple(
                (c.role, c.weekday, _time(c.time)) for c in s.pipeline_checkins
            ),
            stale_nudges=(s.stale_nudges.weekday, _time(s.stale_nudges.time))
            if s.stale_nudges.enabled
            else None,
            hire_checkin_weekday=s.hire_checkins.weekday,
            hire_checkin_time=_time(s.hire_checkins.time),
            milestone_days=tuple(s.hire_checkins.milestone_days),
            checkin_questions=tuple((q.key, q.text) for q in s.hire_checkins.questions),
        )


def _by_channel(
    extra: dict[str, Any] | None,
    channels: dict[str, ChannelTraits],
    normaliser: Callable[[ChannelTraits], Callable[[str], str]],
    unknown: Callable[[str], str],
) -> dict[str, str]:
    """A section's keys that name a channel (`channels` by the key each is given under: a
    person's `<name>_id`, a role's `channels.<name>`), each value in its channel's stored form,
    by channel name in the registry's order; a key no channel declares is refused with
    `unknown(key)`, a value the channel cannot take with its own message."""
    given: dict[str, str] = {}
    for key, value in (extra or {}).items():
        channel = channels.get(key)
        if channel is None:
            raise ValueError(unknown(key))
        if value is not None:
            given[channel.name] = normaliser(channel)(str(value))
    return {c.name: given[c.name] for c in channels.values() if c.name in given}


def _time(value: str) -> time:
    return time.fromisoformat(value)


def _role_spec(role: RoleConfig) -> RoleSpec:
    channels = role.channels.conversations()
    return RoleSpec(
        key=role.key,
        title=role.title,
        team=role.team,
        location=role.location,
        employment_type=role.employment_types[0],
        employment_types=role.employment_types,
        offer_required=role.offer_required,
        hiring_manager=role.hiring_manager,
        recruiter=role.recruiter,
        pipeline=role.pipeline(),
        pay=PayRange(role.pay.min, role.pay.max, role.pay.currency, role.pay.period)
        if role.pay
        else None,
        channels=channels,
        channel_name=role.channels.name or channels.get("console", ""),
        show_initials=role.show_initials,
        scorecard=tuple(
            Competency(c.key, c.name, c.description, tuple(c.stages)) for c in role.scorecard
        ),
        question_bank={k: tuple(v) for k, v in role.question_bank.items()},
        summary=role.summary,
        practices=tuple(role.practices),
        posting=role.careers.posting() if role.careers else Posting(),
        messages=role.candidate_messages.spec(),
        tracker=role.tracker.spec() if role.tracker else None,
        onboarding=tuple(step.strip() for step in role.onboarding),
        closed=role.closed,
    )


def _require_unique(what: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} '{value}' appears more than once")
        seen.add(value)


class ConfigError(Exception):
    """Invalid configuration; the message names the file, key path and problem."""


def _path_of(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def load_config(path: Path | str | None = None) -> HirebotConfig:
    """Read and validate config.yaml (or $HIREBOT_CONFIG)."""
    config_path = Path(path or os.environ.get("HIREBOT_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw: Any = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{config_path}: file not found (set HIREBOT_CONFIG)") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{config_path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_path}: expected a mapping at the top level")
    try:
        return HirebotConfig.model_validate(raw)
    except ValidationError as exc:
        lines = [
            f"{config_path}: {_path_of(tuple(e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise ConfigError("\n".join(lines)) from exc
