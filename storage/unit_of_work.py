"""The transaction boundary: every service call runs inside one `with uow:` and commits explicitly.

Leaving the block without `commit()` rolls back, so a failure half-way writes nothing. It is
also the one door to the database: every repository hangs on it, so code outside `storage/`
asks `uow.<repository>.<query>(…)` and never builds a statement of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from storage.applicants import ApplicantRepository, NoteRepository, StageMoveRepository
from storage.audit import AuditRepository
from storage.bookings import BookingOfferRepository
from storage.checkins import CheckinRepository
from storage.contacts import ChannelContactRepository
from storage.db import savepoint
from storage.files import ApplicantFileRepository
from storage.flows import FlowRunRepository
from storage.followers import RoleFollowerRepository
from storage.generations import CatalogGenerationRepository
from storage.interviews import InterviewRepository
from storage.link_codes import LinkCodeRepository
from storage.offers import OfferRepository
from storage.outbox import CardPostRepository, OutboxRepository
from storage.people import PersonRepository, RoleRepository
from storage.personal_data import PersonalDataRepository
from storage.pipeline import PipelineRepository
from storage.queue import QueueRepository
from storage.reports import ReportRepository
from storage.searches import ApplicantSearchRepository, SavedSearchRepository
from storage.tasks import TaskRepository
from storage.trackers import TrackerItemRepository, TrackerWebhookRepository


class UnitOfWork:
    session: Session
    roles: RoleRepository
    people: PersonRepository
    applicants: ApplicantRepository
    moves: StageMoveRepository
    notes: NoteRepository
    audit: AuditRepository
    outbox: OutboxRepository
    cards: CardPostRepository
    interviews: InterviewRepository
    tasks: TaskRepository
    pipeline: PipelineRepository
    reports: ReportRepository
    offers: OfferRepository
    searches: ApplicantSearchRepository
    saved_searches: SavedSearchRepository
    link_codes: LinkCodeRepository
    personal_data: PersonalDataRepository
    flow_runs: FlowRunRepository
    checkins: CheckinRepository
    files: ApplicantFileRepository
    contacts: ChannelContactRepository
    followers: RoleFollowerRepository
    queue: QueueRepository  # the claimed-work queue over the inbox, outbox and tasks tables
    bookings: BookingOfferRepository
    tracker_items: TrackerItemRepository
    tracker_webhooks: TrackerWebhookRepository
    # bumped with every change of people or roles (services/catalog_source.py)
    catalog_generation: CatalogGenerationRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.roles = RoleRepository(self.session)
        self.people = PersonRepository(self.session)
        self.applicants = ApplicantRepository(self.session)
        self.moves = StageMoveRepository(self.session)
        self.notes = NoteRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.cards = CardPostRepository(self.session)
        self.interviews = InterviewRepository(self.session)
        self.tasks = TaskRepository(self.session)
        self.pipeline = PipelineRepository(self.session)
        self.reports = ReportRepository(self.session)
        self.offers = OfferRepository(self.session)
        self.searches = ApplicantSearchRepository(self.session)
        self.saved_searches = SavedSearchRepository(self.session)
        self.link_codes = LinkCodeRepository(self.session)
        self.personal_data = PersonalDataRepository(self.session)
        self.flow_runs = FlowRunRepository(self.session)
        self.checkins = CheckinRepository(self.session)
        self.files = ApplicantFileRepository(self.session)
        self.contacts = ChannelContactRepository(self.session)
        self.followers = RoleFollowerRepository(self.session)
        self.queue = QueueRepository(self.session)
        self.bookings = BookingOfferRepository(self.session)
        self.tracker_items = TrackerItemRepository(self.session)
        self.tracker_webhooks = TrackerWebhookRepository(self.session)
        self.catalog_generation = CatalogGenerationRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back anything uncommitted; unlike rollback() it leaves loaded objects
        # readable, so callers can use what they fetched after the block.
        self.session.close()

    def ping(self) -> None:
        """Ask the database for nothing (`SELECT 1`): raises if it cannot be reached (the
        server's /healthz)."""
        self.session.execute(text("SELECT 1"))

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that may fail on its own (one applicant of a bulk action):
        an exception inside undoes its writes and leaves the rest standing (storage/db.py)."""
        with savepoint(self.session):
            yield

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def forget(self) -> None:
        """Let go of every object loaded so far, as leaving the block does, but keep the
        session: a unit of work that lives through several transactions (the inbox's pass, one
        per event) reads each afresh instead of trusting what an earlier one loaded (objects
        are not expired at commit, so a loaded row would otherwise stay as it was read)."""
        self.session.expunge_all()


@contextmanager
def lent_or_new(lent: UnitOfWork | None, factory: Callable[[], UnitOfWork]) -> Iterator[UnitOfWork]:
    """`lent`, a unit of work that lives on after this block (one session through several
    transactions, the inbox's pass), or a new one from `factory`. A lent one is left as a new
    one's session would be at the block's end: what was not committed rolled back, what was
    loaded forgotten."""
    if lent is None:
        with factory() as uow:
            yield uow
        return
    try:
        yield lent
    finally:
        lent.rollback()  # a no-op after a commit
        lent.forget()
