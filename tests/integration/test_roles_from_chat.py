"""Roles from chat (`role open|close|reopen|set|scorecard|questions`) on SQLite and PostgreSQL:
effective at once (cards, the careers page over HTTP, the intake API, scheduling), kept across
a restart though config.yaml says otherwise, audited with who, for admins and the role's hiring
manager only; bad input changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.runtime.server import build_server
from storage.models import Applicant, AuditEvent, OutboxMessage, Role
from tests.helpers import click, only, say, text_of

TOKEN = "test-api-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECRET = "test-secret-key-0123456789abcdef0123456789"
OPEN = (
    'role open backend-lead from=senior-backend title="Backend Lead <!channel> *now*" '
    "type=contract pay=9000-12000 currency=USD period=month"
)


def start(database_url: str, config: HirebotConfig, clock: FrozenClock) -> Hirebot:
    env = {
        "HIREBOT_API_TOKEN": TOKEN,
        "HIREBOT_PUBLIC_URL": "http://testserver",
        "HIREBOT_SECRET_KEY": SECRET,
    }
    return bootstrap(
        config=config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate(env),
    )


@pytest.fixture
def hirebot(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> Iterator[Hirebot]:
    app = start(database_url, shipped_config, clock)
    yield app
    app.close()


@pytest.fixture
def http(hirebot: Hirebot) -> Iterator[TestClient]:
    with TestClient(build_server(hirebot, runtimes=[], scheduler=False).asgi()) as client:
        yield client


def role_events(app: Hirebot) -> list[tuple[str, str]]:
    with app.uow() as uow:
        rows = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.kind.like("role.%")).order_by(AuditEvent.id)
        )
        return [(e.kind, e.summary) for e in rows]


def generation(app: Hirebot) -> int:
    with app.uow() as uow:
        return uow.catalog_generation.current()


def apply_on_page(http: TestClient, role: str, email: str) -> int:
    page = http.get(f"/jobs/{role}/apply")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    form = {"csrf_token": found.group(1), "name": "Bilal Ahmed", "email": email, "consent": "yes"}
    response = http.post(f"/jobs/{role}/apply", data=form, follow_redirects=False)
    return int(response.status_code)


def test_a_role_opened_from_chat_gets_cards_a_careers_page_and_interviews_at_once(
    hirebot: Hirebot, http: TestClient, database_url: str, shipped_config: HirebotConfig
) -> None:
    before = generation(hirebot)
    opened = only(say(hirebot, OPEN, who="omar"))
    assert opened.kind == "success", opened.text
    assert "Opened Backend Lead <!channel> *now* (backend-lead), contract" in opened.text
    assert "USD 9,000.00 – 12,000.00 per month" in opened.text
    assert "Cards go to #hiring-senior-backend" in opened.text
    assert generation(hirebot) == before + 1
    spec = hirebot.catalog.role("backend-lead")
    source = hirebot.catalog.role("senior-backend")
    assert spec.hiring_manager == "omar"
    assert [c.key for c in spec.scorecard] == [c.key for c in source.scorecard]
    assert spec.question_bank == source.question_bank
    assert spec.pipeline.keys == source.pipeline.keys
    assert spec.channels == source.channels

    # a card in its channel for a new applicant, at once
    added = only(say(hirebot, 'add backend-lead "Ayesha Khan" email=ayesha@example.com'))
    assert added.kind == "success", added.text
    with hirebot.uow() as uow:
        card = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.destination == "#hiring-senior-backend")
        ).one()
        assert "Backend Lead <!channel> *now*" in str(card.payload)
        assert "ayesha@example.com" not in str(card.payload)

    # its careers page, listed and open for applications, over HTTP
    assert "Backend Lead &lt;!channel&gt; *now*" in http.get("/jobs").text
    assert http.get("/jobs/backend-lead").status_code == 200
    assert apply_on_page(http, "backend-lead", "bilal@example.com") == 303
    # and the intake API takes it
    api = http.post(
        "/api/applicants",
        json={"role": "backend-lead", "name": "Chen Wei", "email": "chen@example.com"},
        headers=AUTH,
    )
    assert api.status_code == 201, api.text

    # it can be scheduled: the applicant moves into an interview stage and is booked
    say(hirebot, "advance 1")
    say(hirebot, "advance 1")
    booked = only(say(hirebot, "schedule 1 2026-11-24 15:00 with=hina duration=1h stage=interview"))
    assert booked.kind == "success", booked.text

    assert role_events(hirebot) == [
        (
            "role.opened",
            "Omar Farooq opened Backend Lead <!channel> *now* (backend-lead) from senior-backend, "
            "contract, pay USD 9000–12000 per month",
        )
    ]

    # kept across a restart though config.yaml does not have it
    hirebot.close()
    again = start(database_url, shipped_config, hirebot.clock)  # type: ignore[arg-type]
    try:
        assert again.catalog.role("backend-lead").title == "Backend Lead <!channel> *now*"
        assert "backend-lead" in text_of(say(again, "roles"))
    finally:
        again.close()


def test_a_closed_role_refuses_applications_and_lists_its_open_applicants(
    hirebot: Hirebot, http: TestClient
) -> None:
    for name, email in (("Ayesha Khan", "ayesha@example.com"), ("Bilal Ahmed", "b@example.com")):
        say(hirebot, f'add senior-backend "{name}" email={email}')
    say(hirebot, 'add senior-backend "Chen Wei" email=chen@example.com')
    say(hirebot, "reject 3 reason=not-a-fit")

    closed = only(say(hirebot, "role close senior-backend", who="omar"))
    assert closed.kind == "success", closed.text
    assert closed.title == "Closed Senior Backend Engineer (senior-backend) to new applications"
    assert closed.lines == ["#2 Bilal Ahmed — Applied", "#1 Ayesha Khan — Applied"]
    assert "reject 2 1 reason=role-filled" in closed.footer
    assert "role reopen senior-backend" in closed.footer
    [reject_all] = closed.actions
    assert reject_all.label == "Reject all 2…"

    # nobody new: chat, the careers page, the intake API
    refused = only(say(hirebot, 'add senior-backend "Dana Noor" email=dana@example.com'))
    assert refused.kind == "error"
    assert "is closed to new applications (role reopen senior-backend)" in refused.text
    assert "senior-backend" not in http.get("/jobs").text
    page = http.get("/jobs/senior-backend/apply")
    assert page.status_code == 410
    assert "Applications are closed" in page.text
    api = http.post(
        "/api/applicants",
        json={"role": "senior-backend", "name": "Eve", "email": "eve@example.com"},
        headers=AUTH,
    )
    assert api.status_code == 422
    assert "closed to new applications" in api.json()["fields"]["role"]
    with hirebot.uow() as uow:
        assert len(uow.session.scalars(select(Applicant)).all()) == 3

    # the open ones are still worked on, and rejected together behind one confirmation
    confirm = only(click(hirebot, "bulk", reject_all.value))
    assert confirm.lines == ["#2 Bilal Ahmed — Applied", "#1 Ayesha Khan — Applied"]
    role_filled = next(a for a in confirm.actions if a.label == "role filled")
    result = only(click(hirebot, "flow", role_filled.value))
    assert result.title == "Rejected 2 of 2 applicants (role filled)"

    assert "already closed" in only(say(hirebot, "role close senior-backend")).text
    reopened = only(say(hirebot, "role reopen senior-backend"))
    assert reopened.kind == "success", reopened.text
    assert apply_on_page(http, "senior-backend", "dana@example.com") == 303
    assert [kind for kind, _ in role_events(hirebot)] == ["role.closed", "role.reopened"]
    assert role_events(hirebot)[0][1] == (
        "Omar Farooq closed Senior Backend Engineer (senior-backend)"
    )


def test_editing_a_role_counts_at_once_and_outlives_config_yaml(
    hirebot: Hirebot, database_url: str, shipped_config: HirebotConfig
) -> None:
    changed = only(
        say(hirebot, 'role set senior-backend title="Staff Backend Engineer" pay=13000-15000')
    )
    assert changed.kind == "success", changed.text
    assert "pay USD 13000–15000 per month" in changed.text  # currency and period kept
    added = only(
        say(hirebot, 'role scorecard senior-backend add "Incident response" stages=interview')
    )
    assert added.kind == "success", added.text
    asked = only(
        say(hirebot, 'role questions senior-backend add "How do you roll back?" stage=screening')
    )
    assert asked.kind == "success", asked.text
    listing = only(say(hirebot, "role questions senior-backend"))
    number = next(line.split(".")[0] for line in listing.lines if "How do you roll back?" in line)
    assert "[Screening]" in listing.lines[int(number) - 1]
    spec = hirebot.catalog.role("senior-backend")
    assert spec.title == "Staff Backend Engineer"
    assert spec.scorecard[-1].name == "Incident response"
    assert "How do you roll back?" in spec.question_bank["screening"]

    hirebot.close()
    again = start(database_url, shipped_config, hirebot.clock)  # type: ignore[arg-type]
    try:
        spec = again.catalog.role("senior-backend")
        assert spec.title == "Staff Backend Engineer"  # config.yaml: Senior Backend Engineer
        assert spec.pay is not None
        assert str(spec.pay.minimum) == "13000"
        removed = only(say(again, "role scorecard senior-backend remove incident_response"))
        assert removed.kind == "success", removed.text
        dropped = only(say(again, f"role questions senior-backend remove {number}"))
        assert dropped.kind == "success", dropped.text
        spec = again.catalog.role("senior-backend")
        assert "Incident response" not in [c.name for c in spec.scorecard]
        assert "How do you roll back?" not in spec.question_bank.get("screening", ())
        summaries = [s for _, s in role_events(again)]
        assert summaries[0] == (
            "Sana Mirza set Staff Backend Engineer's (senior-backend) title Staff Backend "
            "Engineer; pay USD 13000–15000 per month"
        )
        assert len(summaries) == 5
        with again.uow() as uow:
            row = uow.session.scalars(select(Role).where(Role.key == "senior-backend")).one()
            assert row.title == "Staff Backend Engineer"
    finally:
        again.close()


def test_only_admins_and_the_roles_hiring_manager_change_it(hirebot: Hirebot) -> None:
    refused = only(say(hirebot, OPEN, who="hina"))  # an interviewer
    assert refused.kind == "error"
    assert "only admins and hiring managers can open roles" in refused.text
    assert "Page not found" not in refused.text
    # backend-contract's hiring manager is someone else than hina
    assert (
        "only admins and the role's hiring manager"
        in only(say(hirebot, "role close senior-backend", who="hina")).text
    )
    assert (
        "only admins give a role another hiring manager"
        in only(say(hirebot, "role set senior-backend manager=hina", who="omar")).text
    )
    assert role_events(hirebot) == []
    assert "backend-lead" not in hirebot.catalog.roles


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("role open Bad_Key! from=senior-backend title=X", "cannot be a role's key"),
        ("role open x1 from=senior-backnd title=X", "did you mean 'senior-backend'"),
        ("role open x1 title=X", "which role does it start from? from=<role>"),
        ("role open x1 from=senior-backend", 'give its title: title="…"'),
        ("role open senior-backend from=senior-backend title=X", "already the key of"),
        ("role open x1 from=senior-backend title=X type=intern", "not an employment type"),
        ("role open x1 from=senior-backend title=X pay=abc", "pay is a range"),
        ("role open x1 from=senior-backend title=X pay=12-9", "starts above its end"),
        ("role open x1 from=senior-backend title=X currency=EURO", "not a currency code"),
        ("role open x1 from=senior-backend title=X salary=5", "'salary' is not an option here"),
        ("role open x1 from=senior-backend title=X recruiter=nobody", "unknown person 'nobody'"),
        ("role set senior-backend", "nothing to change"),
        ("role set senior-backend period=fortnight", "not a pay period"),
        ("role scorecard senior-backend add X stages=lunch", "unknown stage 'lunch'"),
        ("role scorecard senior-backend remove Juggling", "is not on Senior Backend"),
        ("role scorecard senior-backend add Programming languages", "has 'Programming"),
        ("role questions senior-backend remove 99", "give its number, 1 to"),
        ("role questions senior-backend add", "a question needs 1 to 500 characters"),
        ("role close nope", "unknown role 'nope'"),
        ("role reopen senior-backend", "is open already"),
        ("role frobnicate", "usage: role open"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(
    hirebot: Hirebot, line: str, expected: str
) -> None:
    before = generation(hirebot)
    reply = only(say(hirebot, line))
    assert reply.kind == "error", reply.text
    assert expected in reply.text
    assert generation(hirebot) == before
    assert role_events(hirebot) == []
    assert hirebot.catalog.role("senior-backend").title == "Senior Backend Engineer"
