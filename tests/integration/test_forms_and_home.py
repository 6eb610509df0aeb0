"""The channel-neutral form action (add applicant) and the `home` dashboard, via the dispatcher."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.bootstrap import Hirebot
from bot.handlers.forms import ADD_APPLICANT
from storage.models import Applicant, OutboxMessage
from tests.helpers import click, only, say


def applicants(app: Hirebot) -> int:
    with app.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Applicant)) or 0


def test_a_form_reports_every_bad_field_at_once(app: Hirebot) -> None:
    reply = only(
        click(
            app,
            ADD_APPLICANT,
            json.dumps(
                {
                    "role": "senior-backnd",
                    "name": " ",
                    "email": "bob@",
                    "phone": "12",
                    "portfolio": "javascript:alert(1)",
                }
            ),
        )
    )
    assert reply.kind == "error"
    problems = {f.label: f.value for f in reply.fields}
    assert set(problems) == {"role", "name", "email", "phone", "portfolio"}
    assert "did you mean 'senior-backend'" in problems["role"]
    assert problems["name"] == "name cannot be empty"
    assert applicants(app) == 0


def test_a_valid_form_adds_and_announces_like_the_command(app: Hirebot) -> None:
    outcome = click(
        app,
        ADD_APPLICANT,
        json.dumps(
            {
                "role": "senior-backend",
                "name": "Ayesha Khan",
                "email": "Ayesha@Example.com",
                "skills": "python, postgres",
                "resume": "https://example.com/cv.pdf",
            }
        ),
    )
    reply = only(outcome)
    assert reply.kind == "success"
    assert "Added #1 Ayesha Khan to Senior Backend Engineer (Applied)" in reply.text
    assert {a.id for a in reply.actions} >= {"advance", "reject"}
    with app.uow() as uow:
        applicant = uow.applicants.get(1)
        assert applicant is not None
        assert applicant.email == "ayesha@example.com"
        assert applicant.skills == ["python", "postgres"]
        card = uow.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "card"))
        assert card is not None
        assert card.destination == "#hiring-senior-backend"
    again = only(
        click(
            app,
            ADD_APPLICANT,
            json.dumps({"role": "senior-backend", "name": "A K", "email": "ayesha@example.com"}),
        )
    )
    assert "has already applied" in again.text
    assert applicants(app) == 1


def test_a_form_needs_the_right_to_add_and_a_readable_body(app: Hirebot) -> None:
    refused = only(click(app, ADD_APPLICANT, json.dumps({"name": "X"}), who="hina"))
    assert "you need permission to add applicants" in refused.text
    assert refused.fields == []
    assert "could not be read" in only(click(app, ADD_APPLICANT, "[1, 2]")).text
    assert "could not be read" in only(click(app, ADD_APPLICANT, "{not json")).text
    unknown = only(click(app, ADD_APPLICANT, json.dumps({"role": "senior-backend", "x": "1"})))
    assert {f.label for f in unknown.fields} == {"name", "x"}
    assert applicants(app) == 0


def test_a_role_key_in_the_form_is_refused_not_replaced(app: Hirebot) -> None:
    """The role is the form's `role` field; a `role_key` beside it (a forged or stale form) is
    an unknown field, reported with the others, never silently overridden."""
    reply = only(
        click(
            app,
            ADD_APPLICANT,
            json.dumps({"role": "senior-backend", "role_key": "data-eng", "name": "Ayesha"}),
        )
    )
    assert reply.kind == "error"
    problems = {f.label: f.value for f in reply.fields}
    assert set(problems) == {"role_key"}
    assert "the role goes in the form's role field" in problems["role_key"]
    assert applicants(app) == 0


def test_home_shows_my_roles_pipeline_and_my_queues(app: Hirebot) -> None:
    say(app, "add senior-backend Ayesha")
    say(app, "add senior-backend Bilal")
    say(app, "move 2 screening")
    pipeline, feedback, interviews = say(app, "home").replies
    assert pipeline.title == "Pipeline — your roles"
    [senior] = [line for line in pipeline.lines if "(senior-backend)" in line]
    assert "2 open applicants" in senior
    assert "Applied 1 · Screening 1" in senior
    assert feedback.title == "My pending feedback"
    assert interviews.title == "My upcoming interviews"

    hina = say(app, "home", who="hina").replies[0]
    assert hina.title == "Pipeline — all roles"  # not on any role's hiring team
