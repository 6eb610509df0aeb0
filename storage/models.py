"""SQLAlchemy 2 typed models: the tables every service reads and writes through the unit of work."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Role(Base):
    """An opening; its pipeline, scorecard and question bank come from config.yaml, keyed by
    `key`, until it is opened or changed from chat or imported (`spec`)."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(50), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The role's entry as config.yaml would write it, once opened or changed from chat (or
    # imported): from then on the database holds this role, and config.yaml no longer changes it.
    spec: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)


class CatalogGeneration(Base):
    """One row: a number bumped in the same transaction as every change of people or roles, so
    each process sees cheaply that its catalog is out of date (services/catalog_source.py)."""

    __tablename__ = "catalog_generations"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)


class Person(Base):
    """A team member, reachable at one address per channel (`identities`)."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    roles: Mapped[list[Any]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The person's entry as config.yaml would write it, once added or changed from chat: from
    # then on the database holds this person, and config.yaml no longer changes them.
    spec: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)
    # The digest of the secret in their calendar feed's URL (services/calendar_feed.py).
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The end of their absence (`people off KEY until=DATE`, services/absence.py): the end of
    # that date in their timezone. A column, not part of `spec`, so being away never takes a
    # person over from config.yaml; past instants mean nothing.
    away_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, default=None)

    identities: Mapped[list[PersonIdentity]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="person"
    )

    def address_on(self, channel: str) -> str | None:
        """The person's address on `channel`, if they have one there."""
        return next((i.address for i in self.identities if i.channel == channel), None)


class PersonIdentity(Base):
    """One person's address on one channel. An address belongs to one person, and a person has
    one address per channel; `linked_by` says where it came from (`config`: config.yaml, which
    owns it; `code`: a one-time link code, kept until someone else links the address)."""

    __tablename__ = "person_identities"
    __table_args__ = (
        UniqueConstraint("channel", "address", name="uq_person_identities_channel_address"),
        UniqueConstraint("person_id", "channel", name="uq_person_identities_person_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(128))
    linked_by: Mapped[str] = mapped_column(String(16))
    verified_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="identities")


class Applicant(Base):
    __tablename__ = "applicants"
    __table_args__ = (
        UniqueConstraint("role_id", "email_normalized", name="uq_applicants_role_email"),
        Index("ix_applicants_role_stage", "role_id", "stage", "id"),
        Index("ix_applicants_stage", "stage", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    email_normalized: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    location: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    links: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stage: Mapped[str] = mapped_column(String(50))
    stage_entered_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(index=True)  # digests: "new since"
    updated_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    years_experience: Mapped[int | None] = mapped_column(Integer)
    erased_at: Mapped[datetime | None]
    # The candidate asked for no more e-mail but what their application needs (docs/email.md).
    unsubscribed_at: Mapped[datetime | None]

    role: Mapped[Role] = relationship(lazy="joined", innerjoin=True)


class StageMove(Base):
    """Who moved an applicant, when, from where to where, and why: never updated, only added."""

    __tablename__ = "stage_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(50))
    to_stage: Mapped[str] = mapped_column(String(50))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(index=True)  # digests: "moved since"
    correlation_id: Mapped[str] = mapped_column(String(32))


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class AuditEvent(Base):
    """Append-only log of every inbound command/action, outbound message and domain event.

    `dedup_key` is unique so a retried delivery (Slack retry, repeated Telegram update) is
    recognised and processed once.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_applicant", "applicant_id", "id"),)

    id: Mapped[int] = mapped_column(
        Integer().with_variant(BigInteger, "postgresql"), primary_key=True
    )
    at: Mapped[datetime]
    direction: Mapped[str] = mapped_column(String(8))  # in, out, event
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_ref: Mapped[str] = mapped_column(String(64), default="")
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicants.id"))
    summary: Mapped[str] = mapped_column(Text, default="")
    correlation_id: Mapped[str] = mapped_column(String(32), index=True)
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutboxMessage(Base):
    """A message waiting to leave (or that has left) through a channel.

    Written in the same transaction as the change that caused it, so a crash never loses a
    message nor sends one for a change that rolled back.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_channel_status", "channel", "status", "id"),
        # A platform's later report about a sent message names it by the platform's id.
        Index("ix_outbox_channel_external_ref", "channel", "external_ref"),
    )

    id: Mapped[int] = mapped_column(
        Integer().with_variant(BigInteger, "postgresql"), primary_key=True
    )
    created_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    destination: Mapped[str] = mapped_column(String(320))  # an e-mail address may be this long
    # message, card, card_update, message_update, email
    kind: Mapped[str] = mapped_column(String(16), default="message")
    ephemeral_to: Mapped[str | None] = mapped_column(String(64))
    card_key: Mapped[str | None] = mapped_column(String(100))
    thread_card_key: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The queue's words (pending, working, done, failed: storage/queue.py), or an e-mail
    # draft's own (draft, discarded) before it is sent or instead.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    # When the row became `done` (the platform accepted it): the inbox's `done_at`, the tasks'
    # `finished_at`, under the name it had before the queue's words were shared.
    sent_at: Mapped[datetime | None]
    external_ref: Mapped[str | None] = mapped_column(String(100))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicants.id"), index=True)
    correlation_id: Mapped[str] = mapped_column(String(32))
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # worker id (bot/runtime/leases.py)
    # What the platform later said became of the sent message (delivered, read, failed), for
    # channels that report it after accepting a message; and when it said so.
    receipt: Mapped[str | None] = mapped_column(String(16))
    receipt_at: Mapped[datetime | None]
    # How many parts of a reply too long for one platform message were accepted so far, for
    # channels that split: a send resumed after a rate limit or a restart sends only the rest.
    parts_sent: Mapped[int | None] = mapped_column(Integer)


class InboundEvent(Base):
    """A platform request written down before it is acknowledged, and handled from here after.

    Slack wants an answer within 3 s and Telegram redelivers until it gets a 200; recording the
    event first keeps the acknowledgement to one insert, survives a restart between the two, and
    lets replicas share the handling (rows are claimed, in order per lane). `key` is the
    platform's own id for the event, so a redelivery is recognised at the door.
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        Index("ix_inbound_events_due", "status", "next_attempt_at", "id"),
        Index("ix_inbound_events_lane", "lane", "status", "id"),
    )

    id: Mapped[int] = mapped_column(
        Integer().with_variant(BigInteger, "postgresql"), primary_key=True
    )
    received_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    lane: Mapped[str] = mapped_column(String(100))  # events of one lane are handled in order
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # working, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # worker id (bot/runtime/leases.py)
    # Minted when the event was accepted at the door; the logs of its handling carry it.
    correlation_id: Mapped[str | None] = mapped_column(String(32))


class ChannelContact(Base):
    """What a channel needs to remember about a person's conversation with it, beside their
    address in `person_identities`: another id the platform knows them by (`alias`, such as a
    business-scoped user id beside a phone number), when they last wrote to us (platforms that
    only allow free-form messages for a while after that), and when we last invited them to
    write (a template sent while that window was closed)."""

    __tablename__ = "channel_contacts"
    __table_args__ = (
        UniqueConstraint("channel", "address", name="uq_channel_contacts_channel_address"),
        UniqueConstraint("channel", "alias", name="uq_channel_contacts_channel_alias"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(128))
    alias: Mapped[str | None] = mapped_column(String(128))
    last_inbound_at: Mapped[datetime | None]
    invited_at: Mapped[datetime | None]


class RoleFollower(Base):
    """A team member who asked to be told about a role's applicants privately (`follow ROLE`):
    where a channel has no shared conversations, the role's cards reach them this way."""

    __tablename__ = "role_followers"
    __table_args__ = (
        UniqueConstraint("role_id", "person_id", name="uq_role_followers_role_person"),
        Index("ix_role_followers_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class CardPost(Base):
    """Where an applicant's card was posted on a channel, so it can be edited and threaded."""

    __tablename__ = "card_posts"
    __table_args__ = (UniqueConstraint("channel", "card_key", "destination", name="uq_card_posts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    card_key: Mapped[str] = mapped_column(String(100))
    destination: Mapped[str] = mapped_column(String(100))
    message_ref: Mapped[str] = mapped_column(String(100))
    posted_at: Mapped[datetime]


class FlowRun(Base):
    """A conversation in progress: which flow, which step, and the answers so far.

    Saved after every step, so a restart resumes at the same step. `version` guards against
    two deliveries of the same answer advancing the flow twice.
    """

    __tablename__ = "flow_runs"
    __table_args__ = (Index("ix_flow_runs_person_status", "person_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    flow: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(
        String(16), default="active"
    )  # active, paused, done, cancelled
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    channel: Mapped[str] = mapped_column(String(16))
    conversation: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LinkCode(Base):
    """A one-time code an admin hands a person to bind their chat account; stored hashed."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_ref: Mapped[str | None] = mapped_column(String(64))


class Interview(Base):
    __tablename__ = "interviews"
    __table_args__ = (Index("ix_interviews_applicant", "applicant_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"))
    stage: Mapped[str] = mapped_column(String(50))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled, cancelled
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The calendar event's SEQUENCE: raised on every change calendars must replace the event
    # for (a reschedule, the cancellation).
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Whether the candidate gets the calendar invitation (`notify_candidate=no` says not).
    notify_candidate: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    panelists: Mapped[list[Panelist]] = relationship(
        back_populates="interview", order_by="Panelist.id", lazy="selectin"
    )


class Panelist(Base):
    """One interviewer on one interview, and where their feedback stands."""

    __tablename__ = "interview_panelists"
    __table_args__ = (
        UniqueConstraint("interview_id", "person_id", name="uq_interview_panelists_person"),
        Index("ix_interview_panelists_person_status", "person_id", "feedback_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    feedback_status: Mapped[str] = mapped_column(String(16), default="pending")
    # pending, submitted, not_attended, cancelled
    requested_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]

    interview: Mapped[Interview] = relationship(back_populates="panelists")


class Feedback(Base):
    """An interviewer's submitted scorecard: one per interviewer and interview."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("interview_id", "person_id", name="uq_feedback_interview_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    ratings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recommendation: Mapped[str] = mapped_column(String(16))
    strengths: Mapped[str] = mapped_column(Text, default="")
    concerns: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime]


class ScheduledTask(Base):
    """A piece of due work. Jobs claim due rows (SKIP LOCKED on PostgreSQL), so several
    replicas never run the same task; `key` makes scheduling the same work twice a no-op."""

    __tablename__ = "scheduled_tasks"
    __table_args__ = (Index("ix_scheduled_tasks_status_due", "status", "due_at", "id"),)

    id: Mapped[int] = mapped_column(
        Integer().with_variant(BigInteger, "postgresql"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(100), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # pending, working, done, cancelled, failed (the queue's words: storage/queue.py)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # worker id (bot/runtime/leases.py)


class Checkin(Base):
    """Recurring check-ins with someone hired (employee or contractor), summarised to a manager."""

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, paused, ended
    paused_until: Mapped[datetime | None]
    milestones: Mapped[list[Any]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class CheckinResponse(Base):
    """One check-in's answers (or that it was skipped)."""

    __tablename__ = "checkin_responses"
    __table_args__ = (Index("ix_checkin_responses_checkin", "checkin_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"))
    occasion: Mapped[str] = mapped_column(String(32))  # weekly, day-30, …
    status: Mapped[str] = mapped_column(String(16))  # answered, skipped
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answered_at: Mapped[datetime]


class SavedSearch(Base):
    """A person's named search, re-runnable and optionally summarised in their digest."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("person_id", "name", name="uq_saved_searches_person_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(Text)
    in_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    last_seen_id: Mapped[int] = mapped_column(
        Integer, default=0
    )  # newest applicant already reported


class Offer(Base):
    """An offer to an applicant: terms, pay against the role's range, approval and outcome."""

    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_applicant", "applicant_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"))
    employment_type: Mapped[str] = mapped_column(String(16))
    pay_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    period: Mapped[str] = mapped_column(String(8))
    start_date: Mapped[date]
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # scope, ip, confidentiality
    milestones: Mapped[list[Any]] = mapped_column(JSON, default=list)
    outside_range_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24))
    # pending_approval, approved, declined_by_manager, accepted, declined, withdrawn
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ApplicantFile(Base):
    """A file an applicant sent with their application (a CV), kept in the database so every
    replica serves it and erasure removes it with the rest of their data in one transaction."""

    __tablename__ = "applicant_files"
    __table_args__ = (Index("ix_applicant_files_applicant", "applicant_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"))
    kind: Mapped[str] = mapped_column(String(16))  # "cv"
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class BookingOffer(Base):
    """Interview times offered to a candidate, who picks one on the booking page
    (/book/<token>); the interview is created from it as `schedule` creates one."""

    __tablename__ = "booking_offers"
    __table_args__ = (Index("ix_booking_offers_applicant", "applicant_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"))
    stage: Mapped[str] = mapped_column(String(50))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))  # the recruiter's, for their replies
    location: Mapped[str] = mapped_column(Text, default="")
    interviewer_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    slots: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ISO starts, UTC
    status: Mapped[str] = mapped_column(String(16))  # open, booked, closed
    expires_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    booked_at: Mapped[datetime | None]
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interviews.id"))


class TrackerItem(Base):
    """An item hirebot made (or is making) in a role's task tracker for a hire: a milestone of
    the accepted offer, an onboarding step, or a scope change / blocker from a check-in.
    `key` is hirebot's own, also written on the item, so creation is idempotent; `kind` is
    empty when the role names no tracker and hirebot alone keeps the item."""

    __tablename__ = "tracker_items"
    __table_args__ = (
        Index("ix_tracker_items_applicant", "applicant_id", "purpose", "position"),
        Index("ix_tracker_items_external", "kind", "external_id"),
        Index("ix_tracker_items_due", "purpose", "state", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))
    kind: Mapped[str] = mapped_column(String(16), default="")
    purpose: Mapped[str] = mapped_column(String(16))  # milestone, onboarding, scope-change, …
    position: Mapped[int] = mapped_column(Integer)  # the milestone's number (1, 2, …)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None]
    state: Mapped[str] = mapped_column(String(16))  # pending, open, done, failed
    external_id: Mapped[str | None] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TrackerWebhook(Base):
    """A webhook hirebot registered with a tracker (`hirebot trackers register`): what it
    watches, the tracker's id for it, and the secret its deliveries are signed with when the
    tracker hands one out at the handshake (Asana) rather than taking one from hirebot."""

    __tablename__ = "tracker_webhooks"
    __table_args__ = (UniqueConstraint("kind", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(200))  # the project, board or resource watched
    external_id: Mapped[str] = mapped_column(String(120), default="")
    secret: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
