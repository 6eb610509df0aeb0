"""The claimed-work queue: the one set of queries behind the inbox, outbox delivery and the
task runner (`uow.queue`, over the `QueueTable` a call names).

Each queue keeps its own table (its rows carry different things, and other code reads them:
an outbox row is a message, a task row a piece of due work), but they are claimed, leased,
finished, retried, listed and purged here, the same way:

- **States.** Every table speaks one vocabulary, `waiting → claimed → done | given_up`, spelled
  in its stored words (`States`, the one place they are mapped): pending/working/done/failed,
  the same in the inbox, the outbox and the tasks (`WORDS`).
- **Claim** (`claim`): one `UPDATE … RETURNING` over the first due rows, so a claim is one
  atomic statement. On PostgreSQL the rows are picked in a CTE with `FOR UPDATE SKIP LOCKED`, so
  replicas never pick the same row; on SQLite the statement runs under the database's single
  write lock (a writing statement takes it before it reads), so a second process on the same
  file never claims a row twice either. A claim counts an attempt, so work that kills its
  process runs out of attempts like work that raises.
- **Per-lane order.** A table with a lane (a person's events, a conversation's messages) claims
  a row only if no earlier unfinished row of its lane is outside this claim: an earlier row
  another worker has claimed, or one its claim has locked right now, holds the later ones back.
- **Leases.** A claimed row carries its holder (`claimed_by`) and a lease end; `renew` pushes it
  while the holder works, `take_back` hands back a dead holder's rows, and a claim takes back
  rows whose lease ran out.

Why by hand: the queue libraries weighed (docs/architecture.md) are PostgreSQL-only or cannot
enqueue inside the caller's SQLAlchemy transaction, which is how every queue here is fed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, exists, func, or_, select, update

from storage.models import InboundEvent, OutboxMessage, ScheduledTask
from storage.repository import Queries


@dataclass(frozen=True)
class States:
    """The queue's four states in one table's stored words."""

    waiting: str
    claimed: str
    done: str
    given_up: str

    @property
    def open(self) -> tuple[str, str]:
        """Not finished: waiting or being worked on."""
        return (self.waiting, self.claimed)


# The queue's words, stored by the inbox, the outbox and the tasks alike.
WORDS = States("pending", "working", "done", "failed")


@dataclass(frozen=True)
class QueueTable:
    """How one table holds a queue: its states and which columns play which part.

    `due` is when a waiting row is next due; `lease` when a claimed row's lease ends (by
    default the same column: a row handed back is due at once). `lanes` are the columns whose
    rows are claimed in order (by id); `scope` the column a worker keeps to (the outbox's
    channel); `order` the claim order; `finished` is stamped when a row is done and `created`
    ages a row given up. The defaults are what the inbox and the outbox share; a table states
    what it does differently."""

    name: str
    table: Table
    finished: str
    states: States = WORDS
    due: str = "next_attempt_at"
    lease: str = "next_attempt_at"
    order: tuple[str, ...] = ("id",)
    created: str = "created_at"
    lanes: tuple[str, ...] = ()
    scope: str | None = None

    @property
    def lease_is_due_time(self) -> bool:
        return self.lease == self.due


@dataclass(frozen=True)
class ClaimedRow:
    """What a claim returns of each row: its id, attempts so far (this one included), lane,
    and the columns the claim was asked to `carry` (read by its own RETURNING)."""

    id: int
    attempts: int
    lane: tuple[str, ...]
    carried: Mapping[str, Any] = field(default_factory=dict)


def _scoped(q: QueueTable, scope: str | None) -> list[ColumnElement[bool]]:
    if scope is None or q.scope is None:
        return []
    return [q.table.c[q.scope] == scope]


class QueueRepository(Queries):
    """The queue queries, over the table of the queue each call names."""

    def claim(
        self,
        q: QueueTable,
        *,
        now: datetime,
        lease_now: datetime,
        lease_until: datetime,
        holder: str,
        limit: int,
        scope: str | None = None,
        carry: Sequence[str] = (),
    ) -> list[ClaimedRow]:
        """Claim up to `limit` rows due at `now` for `holder` until `lease_until`, in claim
        order, keeping each lane's order; the `carry` columns come back with each row, so
        handling needs no second read of them. Rows whose lease ran out by `lease_now` (the
        process's clock: a run as of another instant must not take a live worker's rows) are
        taken back first.

        One look says whether anything is due or expired; then the take-back (if needed) and
        the claim are each one UPDATE whose rows are picked by a bounded range of an index in
        order (as one `waiting OR lease ran out` query, PostgreSQL ORed two
        bitmap scans, which never skip the dead index entries a busy queue leaves behind)."""
        t = q.table
        c = t.c
        st = q.states
        due = and_(c.status == st.waiting, c[q.due] <= now, *_scoped(q, scope))
        expired = and_(
            c.status == st.claimed, c[q.due] <= now, c[q.lease] < lease_now, *_scoped(q, scope)
        )
        # A look first, without writing: an idle queue's pass never takes SQLite's write lock,
        # which the requests being recorded at the door are waiting for.
        any_due, any_expired = self.session.execute(
            select(exists().where(due), exists().where(expired))
        ).one()
        if any_expired:
            self.take_back_expired(q, now=now, lease_now=lease_now, limit=limit, scope=scope)
        elif not any_due:
            return []
        picked = (
            select(c.id, *(c[name] for name in q.lanes))
            .where(due, *self._not_stuck(q, now))
            .order_by(*(c[name] for name in q.order))
            .limit(limit)
        )
        postgres = self.session.get_bind().dialect.name == "postgresql"
        cand = (
            picked.with_for_update(skip_locked=True).cte("cand")
            if postgres
            else picked.subquery("cand")
        )
        eligible = select(cand.c.id)
        if q.lanes:
            other = t.alias("earlier")
            eligible = eligible.where(
                ~exists(
                    select(other.c.id).where(
                        *(other.c[name] == cand.c[name] for name in q.lanes),
                        other.c.id < cand.c.id,
                        other.c.status.in_(st.open),
                        other.c.id.not_in(select(cand.c.id)),
                    )
                )
            )
        values: dict[str, Any] = {
            "status": st.claimed,
            q.lease: lease_until,
            "claimed_by": holder,
            "attempts": c.attempts + 1,
        }
        stmt = (
            update(t)
            .where(c.id.in_(eligible.scalar_subquery()))
            .values(values)
            .returning(c.id, c.attempts, *(c[name] for name in (*q.lanes, *q.order, *carry)))
        )
        rows = list(
            self.session.execute(stmt, execution_options={"synchronize_session": False}).all()
        )
        nl, no = len(q.lanes), len(q.order)
        rows.sort(key=lambda r: tuple(r[2 + nl : 2 + nl + no]))
        return [
            ClaimedRow(
                int(r[0]),
                int(r[1]),
                tuple(str(v) for v in r[2 : 2 + nl]),
                dict(zip(carry, r[2 + nl + no :], strict=True)),
            )
            for r in rows
        ]

    @staticmethod
    def _not_stuck(q: QueueTable, now: datetime) -> list[ColumnElement[bool]]:
        """For a table with lanes: leave out of the claim's range the due rows that cannot be
        claimed now, those behind an earlier row of their lane that is not due yet (paced, or
        waiting for a retry) or held by a claim. Otherwise rows queued into a waiting lane
        after it was deferred (a Telegram group's cards, one each `add`, queued while the
        group's bucket is empty) fill the `limit` rows picked, none passes the lane rule, and
        the due rows of other lanes (the answer to the person who typed) wait until the
        deferred row goes: 2.6 s at a group's 20 a minute (docs/benchmarks.md)."""
        if not q.lanes:
            return []
        c = q.table.c
        st = q.states
        ahead = q.table.alias("ahead")
        return [
            ~exists(
                select(ahead.c.id).where(
                    *(ahead.c[name] == c[name] for name in q.lanes),
                    ahead.c.id < c.id,
                    or_(
                        ahead.c.status == st.claimed,
                        and_(ahead.c.status == st.waiting, ahead.c[q.due] > now),
                    ),
                )
            )
        ]

    def take_back_expired(
        self,
        q: QueueTable,
        *,
        now: datetime,
        lease_now: datetime,
        limit: int,
        scope: str | None = None,
    ) -> int:
        """Claimed rows due by `now` whose lease ran out by `lease_now`: waiting again (their
        holder died or stalled), attempts kept. Rows locked right now are left alone."""
        c = q.table.c
        expired = (
            select(c.id)
            .where(
                c.status == q.states.claimed,
                c[q.due] <= now,
                c[q.lease] < lease_now,
                *_scoped(q, scope),
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return self._rowcount(
            update(q.table)
            .where(c.id.in_(expired.scalar_subquery()))
            .values(self._waiting_again(q, lease_now))
        )

    def done(self, q: QueueTable, ids: Sequence[int], now: datetime, **values: Any) -> None:
        """Finished: one statement for any number of rows (the inbox marks each event in the
        transaction of its handling). `values` are the queue's own columns to set as well."""
        if ids:
            self._rowcount(
                update(q.table)
                .where(q.table.c.id.in_(list(ids)))
                .values(self._done_values(q, now, values))
            )

    def done_row(self, q: QueueTable, row: object, now: datetime, **values: Any) -> None:
        """The same for a row loaded in this unit of work (its change commits with the work)."""
        for name, value in self._done_values(q, now, values).items():
            setattr(row, name, value)

    def release(self, q: QueueTable, ids: Sequence[int], now: datetime) -> None:
        """Hand back claimed rows untouched (their lane is blocked this pass): waiting, due now,
        the attempt their claim counted given back."""
        if ids:
            c = q.table.c
            values = self._waiting_again(q, now)
            values[q.due] = now
            values["attempts"] = c.attempts - 1
            self._rowcount(
                update(q.table)
                .where(c.id.in_(list(ids)), c.status == q.states.claimed)
                .values(values)
            )

    def defer_lane(self, q: QueueTable, lane: Sequence[str], until: datetime) -> int:
        """The waiting rows of one lane, due before `until`, due then: a lane that must wait
        (paced, or behind a failed row) leaves the claim's range of due rows to other lanes
        instead of filling it with rows that cannot go. Their order is kept (claims go by
        order within a lane, whatever the due times)."""
        if not q.lanes or len(lane) != len(q.lanes):
            return 0
        c = q.table.c
        return self._rowcount(
            update(q.table)
            .where(
                *(c[name] == value for name, value in zip(q.lanes, lane, strict=True)),
                c.status == q.states.waiting,
                c[q.due] < until,
            )
            .values({q.due: until})
        )

    def failed(self, q: QueueTable, row_id: int, error: str, retry_at: datetime | None) -> None:
        """An attempt failed: waiting until `retry_at`, or given up (None)."""
        c = q.table.c
        values: dict[str, Any] = {"last_error": error, "claimed_by": None}
        if retry_at is None:
            values["status"] = q.states.given_up
            if not q.lease_is_due_time:
                values[q.lease] = None
        else:
            values.update(self._waiting_again(q, retry_at))
            values[q.due] = retry_at
        self._rowcount(update(q.table).where(c.id == row_id).values(values))

    def retry(
        self, q: QueueTable, ids: Sequence[int] | None, now: datetime, scope: str | None = None
    ) -> tuple[list[int], list[int]]:
        """Given-up rows (these, or all) waiting again with a fresh set of attempts; returns
        (retried, not given up or unknown)."""
        c = q.table.c
        wanted = list(ids) if ids is not None else self.given_up_ids(q, scope)
        if not wanted:
            return [], []
        retried = set(
            self.session.scalars(
                update(q.table)
                .where(c.id.in_(wanted), c.status == q.states.given_up, *_scoped(q, scope))
                .values({"status": q.states.waiting, "attempts": 0, q.due: now})
                .returning(c.id),
                execution_options={"synchronize_session": False},
            )
        )
        return sorted(retried), [i for i in wanted if i not in retried]

    def listing(
        self,
        q: QueueTable,
        states: Sequence[str] | None,
        limit: int,
        *,
        scope: str | None = None,
        errored: bool | None = None,
        newest_first: bool = False,
    ) -> Sequence[Any]:
        """Rows in these stored states (None: any), bounded: in claim order, so the head of
        each lane is on top, or newest first. `errored` keeps to rows that have (or have not)
        failed an attempt: an open row with an error is one being retried."""
        c = q.table.c
        model = _MODELS[q.table.name]
        conditions = _scoped(q, scope)
        if states is not None:
            conditions.append(c.status.in_(list(states)))
        if errored is not None:
            conditions.append(c.last_error.is_not(None) if errored else c.last_error.is_(None))
        order = [c[name] for name in q.order]
        return self.session.scalars(
            select(model)
            .where(*conditions)
            .order_by(*(col.desc() for col in order) if newest_first else order)
            .limit(limit)
        ).all()

    def given_up_ids(self, q: QueueTable, scope: str | None = None) -> list[int]:
        c = q.table.c
        return list(
            self.session.scalars(
                select(c.id).where(c.status == q.states.given_up, *_scoped(q, scope)).order_by(c.id)
            )
        )

    def purge(self, q: QueueTable, *, done_before: datetime, given_up_before: datetime) -> int:
        """Delete done rows, and rows given up on, past their keeping time."""
        c = q.table.c
        return self._rowcount(
            delete(q.table).where(
                or_(
                    and_(c.status == q.states.done, c[q.finished] < done_before),
                    and_(c.status == q.states.given_up, c[q.created] < given_up_before),
                )
            )
        )

    def counts(
        self, q: QueueTable, states: Sequence[str] | None = None
    ) -> dict[tuple[str, str, bool], int]:
        """(scope, stored state, tried and failed before) -> rows. Naming the states keeps done
        rows (most of them) unread; scope and state have few values, so this stays small."""
        c = q.table.c
        errored = c.last_error.is_not(None)
        keys: list[Any] = [c[q.scope]] if q.scope else []
        keys += [c.status, errored]
        stmt = select(*keys, func.count()).group_by(*keys)
        if states is not None:
            stmt = stmt.where(c.status.in_(list(states)))
        out: dict[tuple[str, str, bool], int] = {}
        for row in self.session.execute(stmt).all():
            scope = str(row[0]) if q.scope else ""
            status, err, n = row[-3], row[-2], row[-1]
            out[(scope, str(status), bool(err))] = int(n)
        return out

    def oldest_open(self, q: QueueTable) -> dict[str, datetime]:
        """When the oldest unfinished row of each scope was created: the queue's lag."""
        c = q.table.c
        keys: list[Any] = [c[q.scope]] if q.scope else []
        rows = self.session.execute(
            select(*keys, func.min(c[q.created])).where(c.status.in_(q.states.open)).group_by(*keys)
        ).all()
        return {(str(r[0]) if q.scope else ""): r[-1] for r in rows if r[-1] is not None}

    # Leases -------------------------------------------------------------------------------

    def renew(self, q: QueueTable, ids: Sequence[int], holder: str, until: datetime) -> int:
        """Push the lease of these rows to `until`, if this holder still has them.

        Rows locked right now are skipped: the lock is the holder's own transaction finishing
        them (a batch of tasks marked done), and waiting for it could deadlock with it."""
        if not ids:
            return 0
        c = q.table.c
        held = (
            select(c.id)
            .where(c.id.in_(list(ids)), c.status == q.states.claimed, c.claimed_by == holder)
            .with_for_update(skip_locked=True)
        )
        return self._rowcount(
            update(q.table).where(c.id.in_(held.scalar_subquery())).values({q.lease: until})
        )

    def holders(self, q: QueueTable) -> list[str]:
        """Who holds claimed rows now (each a worker id, see bot/runtime/leases.py)."""
        c = q.table.c
        return [
            str(h)
            for h in self.session.scalars(
                select(c.claimed_by)
                .where(c.status == q.states.claimed, c.claimed_by.is_not(None))
                .distinct()
            )
        ]

    def take_back(self, q: QueueTable, holders: Sequence[str], now: datetime) -> int:
        """Hand back every row these holders claimed: waiting again, due now, attempts kept (a
        handler that kills its process runs out of attempts like one that raises)."""
        if not holders:
            return 0
        c = q.table.c
        return self._rowcount(
            update(q.table)
            .where(c.status == q.states.claimed, c.claimed_by.in_(list(holders)))
            .values(self._waiting_again(q, now))
        )

    # Helpers ------------------------------------------------------------------------------

    @staticmethod
    def _waiting_again(q: QueueTable, now: datetime) -> dict[str, Any]:
        return {
            "status": q.states.waiting,
            "claimed_by": None,
            q.lease: now if q.lease_is_due_time else None,
        }

    @staticmethod
    def _done_values(q: QueueTable, now: datetime, values: Mapping[str, Any]) -> dict[str, Any]:
        done: dict[str, Any] = {
            "status": q.states.done,
            q.finished: now,
            "last_error": None,
            "claimed_by": None,
        }
        if not q.lease_is_due_time:
            done[q.lease] = None
        return {**done, **values}


_MODELS: dict[str, type[Any]] = {
    m.__tablename__: m for m in (InboundEvent, OutboxMessage, ScheduledTask)
}


def _table(model: type[object]) -> Table:
    table = getattr(model, "__table__")  # noqa: B009 (mapped classes expose it untyped)
    assert isinstance(table, Table)
    return table


INBOX = QueueTable(
    "inbox", _table(InboundEvent), finished="done_at", created="received_at", lanes=("lane",)
)
OUTBOX = QueueTable(
    "outbox",
    _table(OutboxMessage),
    finished="sent_at",  # the outbox's `done_at`, named for what done means there
    lanes=("channel", "destination"),
    scope="channel",
)
# Tasks are claimed in order of when they are due, and a claim's lease is a column of its own.
TASKS = QueueTable(
    "tasks",
    _table(ScheduledTask),
    finished="finished_at",
    due="due_at",
    lease="lease_until",
    order=("due_at", "id"),
)
