"""Two hirebot processes on one database (two `Hirebot` instances, each with its own catalog in
memory, as two replicas or a server and a worker have): a role or a person changed through one
counts in the other at its next event, pass or request, and a process whose generation did
not move does not rebuild. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.domain.catalog import Catalog
from bot.environment import Environment
from bot.runtime.server import build_server
from tests.helpers import only, say

TOKEN = "test-api-token-0123456789"
ENV = {
    "HIREBOT_API_TOKEN": TOKEN,
    "HIREBOT_PUBLIC_URL": "http://testserver",
    "HIREBOT_SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
}


@pytest.fixture
def pair(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> Iterator[tuple[Hirebot, Hirebot]]:
    apps = [
        bootstrap(
            config=shipped_config,
            database_url=database_url,
            clock=clock,
            channels=("console",),
            env=Environment.model_validate(ENV),
        )
        for _ in range(2)
    ]
    yield apps[0], apps[1]
    for app in apps:
        app.close()


def rebuilds(app: Hirebot) -> list[Catalog]:
    seen: list[Catalog] = []
    app.source.listeners.append(seen.append)
    return seen


def test_a_role_opened_in_one_process_counts_in_the_other_at_its_next_event(
    pair: tuple[Hirebot, Hirebot],
) -> None:
    one, other = pair
    seen = rebuilds(other)
    assert only(say(other, "whoami")).kind == "info"
    assert seen == []  # nothing moved: no rebuild, one small read
    opened = only(
        say(one, 'role open backend-lead from=senior-backend title="Backend Lead"', who="omar")
    )
    assert opened.kind == "success", opened.text
    assert "backend-lead" not in other.catalog.roles  # not yet: the other has had no event

    added = only(say(other, 'add backend-lead "Ayesha Khan" email=ayesha@example.com'))
    assert added.kind == "success", added.text
    assert "Card posted to #hiring-senior-backend" in added.text
    assert len(seen) == 1
    assert other.tasks.catalog.role("backend-lead").title == "Backend Lead"
    say(other, "whoami")
    assert len(seen) == 1  # once per change, not once per event


def test_the_task_runner_and_the_public_doors_check_at_each_pass_and_request(
    pair: tuple[Hirebot, Hirebot], clock: FrozenClock
) -> None:
    one, other = pair
    with TestClient(build_server(other, runtimes=[], scheduler=False).asgi()) as http:
        assert "Backend Lead" not in http.get("/jobs").text
        say(one, 'role open backend-lead from=senior-backend title="Backend Lead"')
        assert "Backend Lead" in http.get("/jobs").text  # the other's careers page, at once
        created = http.post(
            "/api/applicants",
            json={"role": "backend-lead", "name": "Chen Wei", "email": "chen@example.com"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert created.status_code == 201, created.text

        say(one, "role close backend-lead")
        refused = http.post(
            "/api/applicants",
            json={"role": "backend-lead", "name": "Dana", "email": "dana@example.com"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert refused.status_code == 422
        assert "closed to new applications" in refused.json()["fields"]["role"]
        assert http.get("/jobs/backend-lead").status_code == 410

    say(one, "role set senior-backend title=Principal")
    other.tasks.run_due(clock.now())
    assert other.tasks.catalog.role("senior-backend").title == "Principal"


def test_a_person_added_in_one_process_can_be_scheduled_in_the_other(
    pair: tuple[Hirebot, Hirebot],
) -> None:
    one, other = pair
    say(other, 'add senior-backend "Ayesha Khan" email=ayesha@example.com')
    say(other, "advance 1")
    say(other, "advance 1")
    added = only(say(one, "people add Zara Hussain roles=interviewer tz=Europe/London"))
    assert added.kind == "success", added.text
    booked = only(say(other, "schedule 1 2026-11-24 15:00 with=zara duration=1h stage=interview"))
    assert booked.kind == "success", booked.text
    assert "Zara Hussain" in booked.plain_text()
    assert "Zara Hussain" in only(say(other, "whoami", who="zara")).plain_text()
