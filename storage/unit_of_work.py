"""The transaction boundary: every service call runs inside one `with uow:` and commits explicitly.

Leaving the block without `commit()` rolls back, so a failure half-way writes nothing.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from storage.repositories import (
    ApplicantRepository,
    AuditRepository,
    CardPostRepository,
    InterviewRepository,
    NoteRepository,
    OutboxRepository,
    PersonRepository,
    PipelineRepository,
    RoleRepository,
    StageMoveRepository,
    TaskRepository,
)


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

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
