"""A hirebot whose contract role tracks its hires' work in a tracker served by a local
fake, the server carrying the trackers' webhook route, and the steps to an accepted offer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.runtime.server import Server, build_server
from storage.models import ScheduledTask, TrackerItem
from tests.helpers import handle_inbox, only, say

PUBLIC_URL = "https://hirebot.example.com"
SECRET_KEY = "k" * 40  # HIREBOT_PUBLIC_URL needs one
ROLE = "backend-contract"  # contract offers carry milestones
MILESTONES = "milestones='Design doc:2026-12-15; API v1:2027-01-31'"
OFFER = (
    "pay=4000 currency=USD period=month start=2026-11-30 terms=scope,ip,confidentiality "
    + MILESTONES
)


@dataclass
class Tracked:
    app: Hirebot
    server: Server
    http: TestClient
    clock: FrozenClock


def tracked_config(config: HirebotConfig, tracker: dict[str, Any]) -> HirebotConfig:
    data = config.model_dump(mode="json")
    data["people"].append(
        {"key": "zara", "name": "Zara Hussain", "roles": ["member"], "timezone": "Asia/Karachi"}
    )
    for role in data["roles"]:
        if role["key"] == ROLE:
            role["tracker"] = tracker
    return HirebotConfig.model_validate(data)


@pytest.fixture
def make_tracked(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> Iterator[Any]:
    made: list[Hirebot] = []

    def make(tracker: dict[str, Any], env: dict[str, str]) -> Tracked:
        app = bootstrap(
            config=tracked_config(shipped_config, tracker),
            database_url=database_url,
            clock=clock,
            channels=("console",),
            env=Environment.model_validate(
                {"HIREBOT_PUBLIC_URL": PUBLIC_URL, "HIREBOT_SECRET_KEY": SECRET_KEY, **env}
            ),
        )
        made.append(app)
        server = build_server(app, [], scheduler=False)
        return Tracked(app, server, TestClient(server.asgi()), clock)

    yield make
    for app in made:
        app.close()


def hire_with_offer(app: Hirebot, name: str = "Zara Hussain") -> int:
    """An applicant to an accepted offer with two milestones, by the hiring manager."""
    first = name.split()[0].lower()
    added = only(say(app, f"add {ROLE} '{name}' email={first}@example.com"))
    applicant_id = int(added.text.split("#")[1].split()[0])
    for stage in ("screening", "technical_assessment", "final_interview"):
        assert only(say(app, f"move {applicant_id} {stage}")).kind == "success"
    drafted = say(app, f"offer {applicant_id} {OFFER}", who="omar")
    assert drafted.replies[0].kind == "success", drafted.replies[0].text
    offer_id = int(drafted.replies[0].title.split("#")[1].split()[0])
    accepted = only(say(app, f"offer accept {offer_id}"))
    assert accepted.kind == "success", accepted.text
    return applicant_id


def pending_tracker_tasks(app: Hirebot) -> list[ScheduledTask]:
    with app.uow() as uow:
        return list(
            uow.session.scalars(
                select(ScheduledTask)
                .where(ScheduledTask.kind.startswith("tracker."), ScheduledTask.status == "pending")
                .order_by(ScheduledTask.due_at)
            )
        )


def run_tracker_work(t: Tracked, *, rounds: int = 50) -> int:
    """Run due work, moving the clock to each retry as it falls due, until no tracker task
    waits; how many rounds it took."""
    for n in range(rounds):
        t.app.tasks.run_due(t.clock.now())
        waiting = pending_tracker_tasks(t.app)
        if not waiting:
            return n + 1
        t.clock.set(max(t.clock.now(), waiting[0].due_at) + timedelta(seconds=1))
    raise AssertionError(f"tracker work still pending after {rounds} rounds")


def items(app: Hirebot) -> list[TrackerItem]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(TrackerItem).order_by(TrackerItem.id)))


def deliver(t: Tracked, url: str, body: bytes, headers: dict[str, str]) -> int:
    """A tracker's webhook call, posted to the real route (at `url`: the address registered
    with the tracker, or its path), and what it recorded handled; the route's status code."""
    answer = t.http.post(url.removeprefix(PUBLIC_URL), content=body, headers=headers)
    handle_inbox(t.app)
    status: int = answer.status_code
    return status
