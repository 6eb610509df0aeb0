"""A fast generator of realistic hirebot data: 100,000 applicants and 1,000,000 audit rows in
well under a minute, on SQLite and PostgreSQL.

Roles and people come from the configuration through `bootstrap` (the same sync the app does
at start), so every generated row references real rows. Everything else is written in bulk:
SQLAlchemy Core `insert()` with executemany on SQLite (its type processing stores datetimes and
JSON exactly as the app reads them) and `COPY … FROM STDIN` through psycopg on PostgreSQL.

The shape follows a long-running deployment: applicants arrive steadily over two years; old
ones are mostly closed (rejected, withdrawn, hired), recent ones mostly open; each has its
stage moves, the audit rows the app writes for them (commands, domain events, outgoing cards,
card updates and replies, interleaved in time across applicants), the matching sent outbox
rows, its card post, notes, and interviews with panel feedback once it got that far.

    python -m bench.seed --database-url sqlite:///var/bench/big.db --applicants 100000 \
        --audit 1000000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, Table, event, func, select, text

from bot.bootstrap import bootstrap
from bot.config import HirebotConfig
from bot.domain.catalog import Catalog
from bot.domain.stages import StageKind
from bot.environment import Environment
from storage import migrate
from storage.db import create_db_engine, is_sqlite
from storage.models import (
    Applicant,
    Base,
)

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 20_000

FIRST = [
    "Ayesha",
    "Bilal",
    "Hamza",
    "Fatima",
    "Zain",
    "Sara",
    "Usman",
    "Mehak",
    "Ali",
    "Hira",
    "Omar",
    "Noor",
    "Lucas",
    "Emma",
    "Liam",
    "Mia",
    "Kenji",
    "Yuki",
    "Ana",
    "Mateo",
    "Chloe",
    "Arjun",
    "Priya",
    "Wei",
    "Lin",
    "Olu",
    "Ade",
    "Ivan",
    "Olga",
    "Jonas",
    "Lea",
]
LAST = [
    "Khan",
    "Ahmed",
    "Malik",
    "Qureshi",
    "Siddiqui",
    "Butt",
    "Chaudhry",
    "Shah",
    "Mirza",
    "Baig",
    "Meyer",
    "Schmidt",
    "Garcia",
    "Silva",
    "Tanaka",
    "Sato",
    "Chen",
    "Wang",
    "Okafor",
    "Ivanova",
    "Novak",
    "Rossi",
    "Dubois",
    "Patel",
    "Rao",
    "Haddad",
]
SKILLS = [
    "python",
    "go",
    "rust",
    "java",
    "postgres",
    "mysql",
    "redis",
    "kafka",
    "kubernetes",
    "docker",
    "aws",
    "gcp",
    "terraform",
    "grpc",
    "graphql",
    "django",
    "fastapi",
    "flask",
    "spring",
    "linux",
]
SOURCES = ("referral", "linkedin", "careers page", "job board", "agency", "meetup", "csv import")
CITIES = ("Karachi", "Lahore", "Islamabad", "Berlin", "Dubai", "Remote", "London", "Istanbul")


@dataclass(frozen=True)
class SeedSpec:
    applicants: int = 100_000
    audit: int = 1_000_000
    seed: int = 8
    span_days: int = 730
    now: datetime | None = None
    outbox: bool = True


@dataclass
class SeedReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    applied_ids: list[int] = field(default_factory=list)
    open_ids: list[int] = field(default_factory=list)


def bench_config(*, interviewers: int = 0, telegram: bool = True) -> dict[str, Any]:
    """The shipped config.yaml, plus Telegram ids for its people, a Telegram group for
    senior-backend, and `interviewers` extra interviewers (for the reminder benchmark)."""
    raw: dict[str, Any] = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    if telegram:
        for n, person in enumerate(raw["people"]):
            person["telegram_id"] = 1001 + n
        for role in raw["roles"]:
            if role["key"] == "senior-backend":
                role["channels"]["telegram"] = -1001000000001
    for n in range(interviewers):
        raw["people"].append(
            {
                "key": f"iv{n:04d}",
                "name": f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]} {n}",
                "roles": ["interviewer"],
                "slack_id": f"U0BENCH{n:04d}",
                "timezone": "UTC",
            }
        )
    return raw


def write_config(path: Path, raw: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# -- bulk writing --------------------------------------------------------------------------------


class BulkWriter:
    """Writes row tuples (aware datetimes, dicts for JSON) to a table as fast as the database
    allows; rows must name every id explicitly so they can reference each other."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = is_sqlite(engine)
        self.counts: dict[str, int] = {}
        if self.sqlite:
            # A big page cache keeps index pages in memory while a million rows go in.
            event.listen(engine, "connect", _bulk_pragmas)
            engine.dispose()

    def write(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        count = (
            self._sqlite(table, columns, rows) if self.sqlite else self._copy(table, columns, rows)
        )
        self.counts[table.name] = self.counts.get(table.name, 0) + count
        return count

    def _sqlite(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        count = 0
        with self.engine.begin() as conn:
            for chunk in _chunks(rows, CHUNK):
                conn.execute(
                    table.insert(), [dict(zip(columns, row, strict=True)) for row in chunk]
                )
                count += len(chunk)
        return count

    def _copy(self, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        json_at = [
            i for i, name in enumerate(columns) if table.c[name].type.__class__.__name__ == "JSON"
        ]
        count = 0
        raw = self.engine.raw_connection()
        try:
            cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    if json_at:
                        values = list(row)
                        for i in json_at:
                            values[i] = json.dumps(values[i], separators=(",", ":"))
                        row = tuple(values)
                    copy.write_row(row)
                    count += 1
            raw.commit()
        finally:
            raw.close()
        return count

    def finish(self, tables: Iterable[Table]) -> None:
        """PostgreSQL: move id sequences past the explicit ids and ANALYZE (what autovacuum
        would soon do). SQLite gets no ANALYZE: the app never runs one either."""
        if self.sqlite:
            return
        with self.engine.begin() as conn:
            for table in tables:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT COALESCE(max(id), 1) FROM {table.name}))"
                    )
                )
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


def _bulk_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.close()


def _chunks(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _next_id(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


# -- the generator --------------------------------------------------------------------------------


@dataclass
class _Ids:
    role: dict[str, int]
    person: dict[str, int]


@dataclass(slots=True)
class _Event:
    at: datetime
    direction: str
    kind: str
    applicant_id: int | None
    summary: str
    actor: int | None
    channel: str = "slack"
    destination: str | None = None


def _ids(engine: Engine) -> _Ids:
    with engine.connect() as conn:
        roles = {k: i for i, k in conn.execute(text("SELECT id, key FROM roles"))}
        people = {k: i for i, k in conn.execute(text("SELECT id, key FROM people"))}
    return _Ids(roles, people)


def prepare(database_url: str, config: HirebotConfig) -> Engine:
    """Migrate (PostgreSQL too) and sync roles and people through bootstrap."""
    engine = create_db_engine(database_url)
    migrate.upgrade(engine)
    hirebot = bootstrap(
        config=config, database_url=database_url, env=Environment.model_validate({})
    )
    hirebot.close()
    return engine


def seed(database_url: str, config: HirebotConfig, spec: SeedSpec) -> SeedReport:
    """Fill an empty (or already bootstrapped) database; returns counts and timing."""
    started = time.perf_counter()
    engine = prepare(database_url, config)
    try:
        report = _seed(engine, config.catalog(), spec)
    finally:
        engine.dispose()
    report.seconds = time.perf_counter() - started
    return report


def _seed(engine: Engine, catalog: Catalog, spec: SeedSpec) -> SeedReport:
    rnd = random.Random(spec.seed)
    now = (spec.now or datetime.now(UTC)).replace(microsecond=0)
    ids = _ids(engine)
    tables = Base.metadata.tables
    writer = BulkWriter(engine)
    recruiter = ids.person.get("sana")
    interviewers = [
        ids.person[p.key]
        for p in catalog.people.values()
        if "interviewer" in {r.value for r in p.roles}
    ][:20] or list(ids.person.values())
    role_keys = list(catalog.roles)
    weights = [0.7] + [0.3 / max(1, len(role_keys) - 1)] * (len(role_keys) - 1)
    first_applicant = _next_id(engine, Applicant.__table__)  # type: ignore[arg-type]
    ids_next = {
        name: _next_id(engine, tables[name])
        for name in (
            "stage_moves",
            "notes",
            "audit_events",
            "outbox",
            "card_posts",
            "interviews",
            "interview_panelists",
            "feedback",
            "scheduled_tasks",
        )
    }
    applicants: list[tuple[Any, ...]] = []
    moves: list[tuple[Any, ...]] = []
    notes: list[tuple[Any, ...]] = []
    cards: list[tuple[Any, ...]] = []
    interviews: list[tuple[Any, ...]] = []
    panelists: list[tuple[Any, ...]] = []
    feedback: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    events: list[_Event] = []
    report = SeedReport()
    span = timedelta(days=spec.span_days)
    start = now - span
    for n in range(spec.applicants):
        applicant_id = first_applicant + n
        role_key = rnd.choices(role_keys, weights)[0]
        role = catalog.roles[role_key]
        created = (
            start + span * (n / max(1, spec.applicants)) + timedelta(seconds=rnd.randint(0, 3600))
        )
        created = min(created, now - timedelta(minutes=5))
        age_days = (now - created).days
        open_stages = [s for s in role.pipeline.stages if s.kind is StageKind.OPEN]
        hired = next((s for s in role.pipeline.stages if s.kind is StageKind.HIRED), None)
        # How far they got: most stop early; old applications are mostly closed.
        reached = min(len(open_stages) - 1, int(rnd.expovariate(0.9)))
        path = [s.key for s in open_stages[: reached + 1]]
        closed_chance = 0.95 if age_days > 120 else 0.6 if age_days > 30 else 0.2
        if rnd.random() < closed_chance:
            if hired is not None and reached == len(open_stages) - 1 and rnd.random() < 0.6:
                path.append(hired.key)
            else:
                path.append("withdrawn" if rnd.random() < 0.15 else "rejected")
        moment = created
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        actor = recruiter
        events.append(
            _Event(
                moment, "in", "command", applicant_id, f"/hire add {role_key} {name} email=…", actor
            )
        )
        events.append(
            _Event(
                moment,
                "event",
                "applicant.added",
                applicant_id,
                f"Sana Mirza added {name} to {role.title} "
                f"({role.pipeline.label(path[0])}) via slack",
                actor,
            )
        )
        if "slack" in role.channels:
            events.append(
                _Event(
                    moment,
                    "out",
                    "card",
                    applicant_id,
                    f"to {role.channels['slack']}: {name}",
                    None,
                    destination=role.channels["slack"],
                )
            )
            cards.append(
                (
                    ids_next["card_posts"] + len(cards),
                    "slack",
                    f"applicant:{applicant_id}",
                    role.channels["slack"],
                    f"{moment.timestamp():.6f}",
                    moment,
                )
            )
        moves.append(
            (
                ids_next["stage_moves"] + len(moves),
                applicant_id,
                None,
                path[0],
                actor,
                "added via slack",
                moment,
                "seed",
            )
        )
        previous = path[0]
        for stage in path[1:]:
            step = timedelta(days=rnd.uniform(0.5, 9))
            if moment + step >= now:
                break
            moment += step
            label = role.pipeline.label(stage)
            events.append(
                _Event(
                    moment,
                    "in",
                    "action" if rnd.random() < 0.6 else "command",
                    applicant_id,
                    f"clicked advance ({applicant_id}:{previous})",
                    actor,
                )
            )
            events.append(
                _Event(
                    moment,
                    "event",
                    "applicant.moved",
                    applicant_id,
                    f"Sana Mirza moved {name} from {role.pipeline.label(previous)} to {label}",
                    actor,
                )
            )
            if "slack" in role.channels:
                events.append(
                    _Event(
                        moment,
                        "out",
                        "card_update",
                        applicant_id,
                        f"to {role.channels['slack']}: {name}",
                        None,
                        destination=role.channels["slack"],
                    )
                )
            moves.append(
                (
                    ids_next["stage_moves"] + len(moves),
                    applicant_id,
                    previous,
                    stage,
                    actor,
                    "",
                    moment,
                    "seed",
                )
            )
            if stage in {"interview", "final_interview"} and interviewers:
                iv_id = ids_next["interviews"] + len(interviews)
                starts = moment - timedelta(days=1)
                interviews.append(
                    (
                        iv_id,
                        applicant_id,
                        previous,
                        starts,
                        60,
                        "UTC",
                        "",
                        "scheduled",
                        "",
                        actor,
                        starts - timedelta(days=3),
                        starts,
                    )
                )
                for person in rnd.sample(interviewers, min(2, len(interviewers))):
                    panelists.append(
                        (
                            ids_next["interview_panelists"] + len(panelists),
                            iv_id,
                            person,
                            "submitted",
                            starts + timedelta(hours=1),
                            None,
                            None,
                            None,
                        )
                    )
                    feedback.append(
                        (
                            ids_next["feedback"] + len(feedback),
                            iv_id,
                            applicant_id,
                            person,
                            {"programming": {"score": str(rnd.randint(1, 4)), "comment": ""}},
                            rnd.choice(["yes", "no", "strong_yes"]),
                            "clear thinking",
                            "",
                            starts + timedelta(hours=5),
                        )
                    )
                    events.append(
                        _Event(
                            starts + timedelta(hours=5),
                            "event",
                            "feedback.submitted",
                            applicant_id,
                            "feedback submitted",
                            person,
                        )
                    )
                for kind, due in (
                    ("interview.prep", starts - timedelta(minutes=30)),
                    ("interview.feedback_request", starts + timedelta(hours=1)),
                ):
                    tasks.append(
                        (
                            ids_next["scheduled_tasks"] + len(tasks),
                            kind,
                            f"interview:{iv_id}",
                            f"{kind}:interview:{iv_id}:{due.isoformat()}",
                            due,
                            "done",
                            1,
                            None,
                            "sent",
                            None,
                            starts - timedelta(days=3),
                            due,
                        )
                    )
            previous = stage
        stage_entered = moment
        current_open = previous in {s.key for s in open_stages}
        if current_open:
            report.open_ids.append(applicant_id)
            if previous == path[0]:
                report.applied_ids.append(applicant_id)
        for k in range(rnd.choice((0, 0, 0, 1, 1, 2, 3))):
            at = min(now - timedelta(minutes=1), created + timedelta(hours=6 * (k + 1)))
            tone = rnd.choice(("strong", "ok", "mixed"))
            body = f"note {k + 1}: {rnd.choice(SKILLS)} experience, {tone} communication"
            notes.append((ids_next["notes"] + len(notes), applicant_id, actor, body, at))
            events.append(
                _Event(
                    at, "event", "applicant.note", applicant_id, f"Sana Mirza noted: {body}", actor
                )
            )
        email = f"{name.lower().replace(' ', '.')}.{applicant_id}@example.com"
        skills = rnd.sample(SKILLS, rnd.randint(1, 4))
        applicants.append(
            (
                applicant_id,
                ids.role[role_key],
                name,
                email,
                email,
                f"+92300{applicant_id % 10_000_000:07d}",
                rnd.choice(CITIES),
                rnd.choice(SOURCES),
                skills,
                {"resume": f"https://cv.example.com/{applicant_id}"},
                previous,
                stage_entered,
                created,
                stage_entered,
                actor,
            )
        )
    # Pad with everyday reads (show/history/list) to reach the audit target.
    people_ids = list(ids.person.values())
    last = first_applicant + spec.applicants - 1
    while len(events) < spec.audit:
        at = start + span * rnd.random()
        who = rnd.choice(people_ids)
        if rnd.random() < 0.1:
            events.append(_Event(at, "in", "command", None, "/hire list", who))
            continue
        target = rnd.randint(first_applicant, max(first_applicant, last))
        if (
            spec.applicants
            and target - first_applicant < len(applicants)
            and applicants[target - first_applicant][12] > at
        ):
            at = applicants[target - first_applicant][12] + timedelta(minutes=rnd.randint(1, 600))
        events.append(_Event(at, "in", "command", target, f"/hire show {target}", who))
        if len(events) < spec.audit:
            events.append(
                _Event(
                    at,
                    "out",
                    "message",
                    target,
                    f"to C0HIRESBE: #{target}",
                    None,
                    destination="C0HIRESBE",
                )
            )
    events = events[: spec.audit] if spec.audit else []
    events.sort(key=lambda e: e.at)

    t = tables
    writer.write(t["applicants"], _APPLICANT_COLUMNS, applicants)
    del applicants
    writer.write(t["stage_moves"], _MOVE_COLUMNS, moves)
    writer.write(t["notes"], ["id", "applicant_id", "author_id", "text", "at"], notes)
    writer.write(
        t["card_posts"],
        ["id", "channel", "card_key", "destination", "message_ref", "posted_at"],
        cards,
    )
    writer.write(t["interviews"], _INTERVIEW_COLUMNS, interviews)
    writer.write(t["interview_panelists"], _PANELIST_COLUMNS, panelists)
    writer.write(t["feedback"], _FEEDBACK_COLUMNS, feedback)
    writer.write(t["scheduled_tasks"], _TASK_COLUMNS, tasks)
    audit_first, outbox_first = ids_next["audit_events"], ids_next["outbox"]
    writer.write(t["audit_events"], _AUDIT_COLUMNS, _audit_rows(events, audit_first))
    if spec.outbox:
        writer.write(t["outbox"], _OUTBOX_COLUMNS, _outbox_rows(events, outbox_first))
    writer.finish(
        t[name]
        for name in (
            "applicants",
            "stage_moves",
            "notes",
            "card_posts",
            "interviews",
            "interview_panelists",
            "feedback",
            "scheduled_tasks",
            "audit_events",
            "outbox",
        )
    )
    report.counts = dict(writer.counts)
    return report


_APPLICANT_COLUMNS = [
    "id",
    "role_id",
    "name",
    "email",
    "email_normalized",
    "phone",
    "location",
    "source",
    "skills",
    "links",
    "stage",
    "stage_entered_at",
    "created_at",
    "updated_at",
    "created_by_id",
]
_MOVE_COLUMNS = [
    "id",
    "applicant_id",
    "from_stage",
    "to_stage",
    "actor_id",
    "reason",
    "at",
    "correlation_id",
]
_INTERVIEW_COLUMNS = [
    "id",
    "applicant_id",
    "stage",
    "starts_at",
    "duration_minutes",
    "timezone",
    "location",
    "status",
    "cancel_reason",
    "created_by_id",
    "created_at",
    "updated_at",
]
_PANELIST_COLUMNS = [
    "id",
    "interview_id",
    "person_id",
    "feedback_status",
    "requested_at",
    "reminded_at",
    "escalated_at",
    "snoozed_until",
]
_FEEDBACK_COLUMNS = [
    "id",
    "interview_id",
    "applicant_id",
    "person_id",
    "ratings",
    "recommendation",
    "strengths",
    "concerns",
    "submitted_at",
]
_TASK_COLUMNS = [
    "id",
    "kind",
    "subject",
    "key",
    "due_at",
    "status",
    "attempts",
    "last_error",
    "result",
    "lease_until",
    "created_at",
    "finished_at",
]
_AUDIT_COLUMNS = [
    "id",
    "at",
    "direction",
    "channel",
    "kind",
    "actor_id",
    "actor_ref",
    "applicant_id",
    "summary",
    "correlation_id",
    "dedup_key",
    "payload",
]
_OUTBOX_COLUMNS = [
    "id",
    "created_at",
    "channel",
    "destination",
    "kind",
    "ephemeral_to",
    "card_key",
    "thread_card_key",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "sent_at",
    "external_ref",
    "applicant_id",
    "correlation_id",
]


def _audit_rows(events: list[_Event], first: int) -> Iterator[tuple[Any, ...]]:
    for n, e in enumerate(events):
        rid = first + n
        cid = f"{rid:016x}"
        dedup = f"slack:cmd:seed{rid}" if e.direction == "in" else None
        payload: dict[str, Any] = (
            {"destination": e.destination} if e.destination else {"conversation": "C0HIRESBE"}
        )
        yield (
            rid,
            e.at,
            e.direction,
            e.channel,
            e.kind,
            e.actor,
            "",
            e.applicant_id,
            e.summary,
            cid,
            dedup,
            payload,
        )


def _outbox_rows(events: list[_Event], first: int) -> Iterator[tuple[Any, ...]]:
    n = 0
    for e in events:
        if e.direction != "out":
            continue
        kind = e.kind if e.kind in {"card", "card_update"} else "message"
        key = f"applicant:{e.applicant_id}" if kind != "message" and e.applicant_id else None
        payload: dict[str, Any] = {
            "kind": "card" if key else "info",
            "title": e.summary[:80],
            "text": "",
            "lines": [],
        }
        yield (
            first + n,
            e.at,
            e.channel,
            e.destination or "C0HIRESBE",
            kind,
            None,
            key,
            None,
            payload,
            "done",
            1,
            e.at,
            None,
            e.at,
            f"{e.at.timestamp():.6f}",
            e.applicant_id,
            "seed",
        )
        n += 1


# -- due reminders (the run-due benchmark) --------------------------------------------------------


def seed_due_reminders(
    engine: Engine,
    *,
    count: int,
    people: Sequence[str],
    applicant_ids: Sequence[int],
    now: datetime,
    seed: int = 8,
) -> list[int]:
    """`count` pending feedback reminders due at `now`: interviews that ended yesterday, each
    with two panelists from `people` who were asked for feedback and have not given it.
    Returns the panelist ids."""
    rnd = random.Random(seed)
    ids = _ids(engine)
    person_ids = [ids.person[k] for k in people]
    tables = Base.metadata.tables
    writer = BulkWriter(engine)
    next_iv = _next_id(engine, tables["interviews"])
    next_pan = _next_id(engine, tables["interview_panelists"])
    next_task = _next_id(engine, tables["scheduled_tasks"])
    starts = now - timedelta(days=1, hours=2)
    interviews: list[tuple[Any, ...]] = []
    panelists: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    for n in range(0, count, 2):
        iv_id = next_iv + len(interviews)
        applicant_id = applicant_ids[(n // 2) % len(applicant_ids)]
        interviews.append(
            (
                iv_id,
                applicant_id,
                "interview",
                starts,
                60,
                "UTC",
                "",
                "scheduled",
                "",
                None,
                starts - timedelta(days=2),
                starts,
            )
        )
        for person in rnd.sample(person_ids, 2) if n + 1 < count else rnd.sample(person_ids, 1):
            pid = next_pan + len(panelists)
            panelists.append(
                (pid, iv_id, person, "pending", starts + timedelta(hours=1), None, None, None)
            )
            due = now - timedelta(minutes=rnd.randint(1, 120))
            tasks.append(
                (
                    next_task + len(tasks),
                    "feedback.reminder",
                    f"panelist:{pid}",
                    f"feedback.reminder:panelist:{pid}:{due.isoformat()}",
                    due,
                    "pending",
                    0,
                    None,
                    None,
                    None,
                    starts,
                    None,
                )
            )
    writer.write(tables["interviews"], _INTERVIEW_COLUMNS, interviews)
    writer.write(tables["interview_panelists"], _PANELIST_COLUMNS, panelists)
    writer.write(tables["scheduled_tasks"], _TASK_COLUMNS, tasks)
    writer.finish([tables["interviews"], tables["interview_panelists"], tables["scheduled_tasks"]])
    return [p[0] for p in panelists]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.seed", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--applicants", type=int, default=100_000)
    parser.add_argument("--audit", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--config", type=Path, help="config.yaml (default: the shipped one with Telegram ids)"
    )
    args = parser.parse_args(argv)
    raw = yaml.safe_load(args.config.read_text(encoding="utf-8")) if args.config else bench_config()
    report = seed(
        args.database_url,
        HirebotConfig.model_validate(raw),
        SeedSpec(applicants=args.applicants, audit=args.audit, seed=args.seed),
    )
    for table, count in report.counts.items():
        print(f"{table:22} {count:>10,}")
    print(f"seeded in {report.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
