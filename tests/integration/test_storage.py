"""Storage on both databases: migrations match the models, types round-trip, constraints hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from bot.bootstrap import Hirebot
from storage import migrate
from storage.db import create_db_engine
from storage.models import Applicant, Base
from storage.unit_of_work import UnitOfWork


def test_migrations_produce_exactly_the_models(app: Hirebot) -> None:
    assert migrate.is_up_to_date(app.engine)
    with app.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def _applicant(role_id: int, email: str | None, at: datetime) -> Applicant:
    return Applicant(
        role_id=role_id,
        name="A",
        email=email,
        email_normalized=email,
        stage="applied",
        stage_entered_at=at,
        created_at=at,
        updated_at=at,
        skills=["go"],
        links={},
    )


def test_times_come_back_aware_and_in_utc(app: Hirebot) -> None:
    karachi = timezone(timedelta(hours=5))
    moment = datetime(2026, 3, 8, 14, 30, tzinfo=karachi)
    with app.uow() as uow:
        role = uow.roles.by_key("senior-backend")
        assert role is not None
        uow.applicants.add(_applicant(role.id, None, moment))
        uow.commit()
    with app.uow() as uow:
        stored = uow.applicants.get(1)
        assert stored is not None
        assert stored.created_at == moment
        assert stored.created_at.tzinfo is UTC
        assert stored.skills == ["go"]


def test_naive_datetimes_are_refused(app: Hirebot) -> None:
    with app.uow() as uow:
        role = uow.roles.by_key("senior-backend")
        assert role is not None
        uow.applicants.add(_applicant(role.id, None, datetime(2026, 1, 1)))
        with pytest.raises(Exception, match="naive datetimes"):
            uow.commit()


def test_one_email_per_role_is_enforced_by_the_database(app: Hirebot) -> None:
    now = datetime.now(UTC)
    with app.uow() as uow:
        role = uow.roles.by_key("senior-backend")
        assert role is not None
        uow.applicants.add(_applicant(role.id, "a@example.com", now))
        uow.applicants.add(_applicant(role.id, "a@example.com", now))
        with pytest.raises(IntegrityError):
            uow.commit()
    with app.uow() as uow:
        assert uow.applicants.search(role_id=None, stages=None, page=1, per_page=10).total == 0


def test_leaving_the_unit_of_work_without_commit_rolls_back(app: Hirebot) -> None:
    with app.uow() as uow:
        role = uow.roles.by_key("senior-backend")
        assert role is not None
        uow.applicants.add(_applicant(role.id, None, datetime.now(UTC)))
        uow.flush()
    with UnitOfWork(app.session_factory) as uow:
        assert uow.applicants.get(1) is None


def test_config_people_and_roles_are_synced(app: Hirebot) -> None:
    with app.uow() as uow:
        assert [p.key for p in uow.people.all()] == ["sana", "omar", "hina", "lucas"]
        sana = uow.people.by_identity("slack", "U0SANAMRZ")
        assert sana is not None
        assert sana.key == "sana"
        assert [r.key for r in uow.roles.all()] == ["senior-backend", "backend-contract"]


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_task_planned_first_in_a_transaction_is_undone_with_it(app: Hirebot) -> None:
    """`add_once` keeps its insert in a savepoint; as the first write of a transaction, that
    savepoint must not commit on its own when it is released (pysqlite would let it)."""
    from storage.models import ScheduledTask

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    task = ScheduledTask(
        kind="digest",
        subject="person:1",
        key="k-undone",
        due_at=now,
        status="pending",
        attempts=0,
        created_at=now,
    )
    with app.uow() as uow:
        assert uow.tasks.add_once(task)
        uow.rollback()
    with app.uow() as uow:
        assert uow.tasks.by_key("k-undone") is None


def test_the_cheap_head_check_agrees_with_alembic(app: Hirebot, tmp_path: Path) -> None:
    head = migrate.head_revision(app.engine)
    assert migrate.scripts_head() == head
    assert migrate.stored_revisions(app.engine) == [head]
    behind = create_db_engine(f"sqlite:///{tmp_path / 'behind.db'}")
    try:
        assert migrate.stored_revisions(behind) == []
        assert not migrate.is_up_to_date(behind)
        migrate.upgrade(behind, "0015")
        assert migrate.stored_revisions(behind) == ["0015"]
        assert not migrate.is_up_to_date(behind)
        migrate.upgrade(behind)
        assert migrate.is_up_to_date(behind)
    finally:
        behind.dispose()


def test_scripts_that_are_not_one_chain_leave_the_answer_to_alembic(tmp_path: Path) -> None:
    def script(name: str, revision: str, down: str | None) -> None:
        down_text = f'"{down}"' if down else "None"
        (tmp_path / f"{name}.py").write_text(
            f'revision: str = "{revision}"\ndown_revision: str | None = {down_text}\n'
        )

    script("a", "0001", None)
    script("b", "0002", "0001")
    assert migrate.scripts_head.__wrapped__(tmp_path) == "0002"
    script("c", "0003", "0001")  # a second branch off 0001
    assert migrate.scripts_head.__wrapped__(tmp_path) is None
