"""Rules that must hold whichever way a person tries to walk around them, driven through the
dispatcher as a channel does, on both databases: an offer's employment type must be one the
role hires on, and refusals name the permission actually missing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import Environment, HirebotConfig
from storage.models import Applicant, Offer
from tests.helpers import click, only, say

TERMS = "start=2027-01-10 terms=scope,ip,confidentiality"


def start(
    database_url: str, config: HirebotConfig, clock: FrozenClock, **role_changes: Any
) -> Hirebot:
    """hirebot on the shipped config, with changes to every role's settings."""
    data: dict[str, Any] = config.model_dump(mode="json")
    for role in data["roles"]:
        role.update(role_changes)
    return bootstrap(
        config=HirebotConfig.model_validate(data),
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )


@pytest.fixture
def both_types(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> Iterator[Hirebot]:
    hirebot = start(database_url, shipped_config, clock, employment_type=["full_time", "contract"])
    yield hirebot
    hirebot.close()


def add_at(app: Hirebot, role: str, name: str, stage: str) -> int:
    """Add an applicant and advance them, one stage at a time, to `stage`."""
    added = only(say(app, f"add {role} {name} email={name.lower()}@example.com"))
    assert added.kind == "success", added.text
    with app.uow() as uow:
        applicant_id = max(uow.session.scalars(select(Applicant.id)))
    while stage_of(app, applicant_id) != stage:
        advanced = only(say(app, f"advance {applicant_id}"))
        assert advanced.kind == "success", advanced.text
    return applicant_id


def stage_of(app: Hirebot, applicant_id: int) -> str:
    with app.uow() as uow:
        found = uow.applicants.get(applicant_id)
        assert found is not None
        return found.stage


def offers_stored(app: Hirebot) -> list[Offer]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(Offer)))


def test_an_offer_must_be_of_an_employment_type_the_role_hires_on(app: Hirebot) -> None:
    contractor = add_at(app, "backend-contract", "Chen", "final_interview")
    employee = add_at(app, "senior-backend", "Ayesha", "final_interview")
    full_time = only(say(app, f"offer {contractor} type=full_time pay=4000 currency=USD {TERMS}"))
    assert full_time.kind == "error"
    assert full_time.text == (
        "type: Backend Engineer (Contract) hires as contract only, not full time; type=contract"
    )
    contract = only(say(app, f"offer {employee} type=contract pay=12500 {TERMS}"))
    assert contract.kind == "error"
    assert contract.text == (
        "type: Senior Backend Engineer hires as full time only, not contract; type=full_time"
    )
    assert offers_stored(app) == []
    assert (stage_of(app, contractor), stage_of(app, employee)) == (
        "final_interview",
        "final_interview",
    )
    # the role's own type is the default, and is accepted
    drafted = say(app, f"offer {contractor} pay=4000 currency=USD {TERMS}").replies[0]
    assert drafted.kind == "success", drafted.text
    assert [o.employment_type for o in offers_stored(app)] == ["contract"]


def test_a_role_may_hire_on_several_employment_types(both_types: Hirebot) -> None:
    app = both_types
    first = add_at(app, "senior-backend", "Ayesha", "final_interview")
    second = add_at(app, "senior-backend", "Bilal", "final_interview")
    assert say(app, f"offer {first} pay=12500 {TERMS}").replies[0].kind == "success"
    contract = say(app, f"offer {second} type=contract pay=12500 {TERMS}").replies[0]
    assert contract.kind == "success", contract.text
    assert [o.employment_type for o in offers_stored(app)] == ["full_time", "contract"]
    role = only(say(app, "roles senior-backend"))
    assert {f.label: f.value for f in role.fields}["Type"] == "full-time, contract"


def test_an_interviewer_is_told_the_permission_each_action_needs(app: Hirebot) -> None:
    say(app, "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    typed = only(say(app, "schedule 1 2026-11-25 15:00 with=hina", who="hina"))
    assert typed.kind == "error"
    assert typed.text == (
        "you need permission to schedule, reschedule or cancel interviews (your roles: "
        "interviewer; roles that have it: admin, recruiter, hiring_manager)"
    )
    guided = only(say(app, "schedule 1", who="hina"))
    assert "you need permission to schedule, reschedule or cancel interviews" in guided.text
    tapped = only(click(app, "schedule", "1", who="hina", answer="2026-11-25 15:00 with=hina"))
    assert "you need permission to schedule, reschedule or cancel interviews" in tapped.text
    asked = only(click(app, "ask", "schedule:1", who="hina"))
    assert "you need permission to schedule, reschedule or cancel interviews" in asked.text
    drafted = only(
        say(app, "offer 1 pay=12500 start=2027-01-10 terms=scope,ip,confidentiality", who="hina")
    )
    assert "you need permission to draft offers and record the candidate's answer" in drafted.text
    moved = only(say(app, "move 1 screening", who="hina"))
    assert "you need permission to move, reject or withdraw applicants" in moved.text
    for reply in (typed, guided, tapped, asked, drafted):
        assert "move, reject or withdraw" not in reply.text
