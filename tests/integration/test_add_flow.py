"""The guided add flow through the dispatcher: persisted steps, re-asks, restarts, double clicks."""

from __future__ import annotations

from sqlalchemy import select

from bot.bootstrap import Hirebot, bootstrap
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.handlers.dispatcher import ActionEvent, Inbound
from bot.messages.reply import Reply
from storage.models import Applicant, FlowRun
from tests.helpers import click, only, say


def choice(reply: Reply, label: str) -> str:
    return next(a.value for a in reply.actions if a.label == label)


def test_guided_add_asks_step_by_step_and_adds(app: Hirebot) -> None:
    prompt = only(say(app, "add"))
    assert prompt.text == "Which role are they applying for?"
    name_q = only(click(app, "flow", choice(prompt, "Senior Backend Engineer")))
    assert name_q.text == "Their full name?"
    say(app, "Zainab Ali")
    bad = say(app, "zainab-at-example")
    assert bad.replies[0].kind == "error"
    assert "not a valid email" in bad.replies[0].text
    assert bad.replies[1].text == "Email address?"  # asked again, answers kept
    say(app, "Zainab@Example.com")
    say(app, "skip")
    skills_q = only(say(app, "referral"))
    assert skills_q.text.startswith("Key skills")
    say(app, "Go, Kubernetes")
    confirm = only(say(app, "skip"))
    assert "Name: Zainab Ali" in confirm.lines
    assert "Email: zainab@example.com" in confirm.lines
    done = only(click(app, "flow", choice(confirm, "Add")))
    assert done.text.startswith("Added #1 Zainab Ali")
    with app.uow() as uow:
        applicant = uow.applicants.get(1)
        assert applicant is not None
        assert applicant.skills == ["go", "kubernetes"]
        run = uow.session.scalars(select(FlowRun)).one()
        assert run.status == "done"
    # with no flow open, text is a command again
    assert only(say(app, "list")).title == "Applicants (open)"


def test_a_restart_mid_flow_resumes_at_the_same_step(
    app: Hirebot, database_url: str, shipped_config: HirebotConfig
) -> None:
    say(app, "add")
    say(app, "senior-backend")
    say(app, "Bilal Ahmed")
    app.close()
    restarted = bootstrap(
        config=shipped_config,
        database_url=database_url,
        clock=app.clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    try:
        reply = only(say(restarted, "bilal@example.com"))
        assert reply.text == "Phone number?"
        with restarted.uow() as uow:
            run = uow.session.scalars(select(FlowRun)).one()
            assert run.data == {
                "role": "senior-backend",
                "name": "Bilal Ahmed",
                "email": "bilal@example.com",
            }
    finally:
        restarted.close()


def test_an_old_button_or_double_click_changes_nothing(app: Hirebot) -> None:
    prompt = only(say(app, "add"))
    value = choice(prompt, "Senior Backend Engineer")
    assert only(click(app, "flow", value)).text == "Their full name?"
    again = only(click(app, "flow", value))
    assert "already answered" in again.text
    with app.uow() as uow:
        run = uow.session.scalars(select(FlowRun)).one()
        assert run.state == "name"


def test_someone_elses_flow_button_is_refused(app: Hirebot) -> None:
    prompt = only(say(app, "add"))
    refused = only(click(app, "flow", choice(prompt, "Senior Backend Engineer"), who="omar"))
    assert "not asked of you" in refused.text


def test_cancel_and_commands_during_a_flow(app: Hirebot) -> None:
    say(app, "add")
    say(app, "senior-backend")
    assert only(say(app, "/whoami")).title == "Sana Mirza"  # a / command runs; the flow waits
    assert only(say(app, "Carla")).text == "Email address?"
    assert "nobody was added" in only(say(app, "cancel")).text
    with app.uow() as uow:
        assert uow.session.scalars(select(Applicant)).all() == []


def test_guided_add_needs_a_private_conversation(app: Hirebot) -> None:
    outcome = app.dispatcher.handle(
        Inbound("console", "sana", "#team-room", text="add", shared_conversation=True)
    )
    assert "direct message" in only(outcome).text


def test_malformed_flow_buttons_are_refused(app: Hirebot) -> None:
    outcome = app.dispatcher.handle(
        Inbound("console", "sana", "console:sana", action=ActionEvent("flow", "x:y"))
    )
    assert "not one of hirebot's" in only(outcome).text


def test_an_over_long_source_is_asked_again_not_cut(app: Hirebot) -> None:
    """The guided add checks each answer with the applicant model's rule for that field."""
    say(app, "add")
    say(app, "senior-backend")
    say(app, "Zainab Ali")
    say(app, "skip")
    say(app, "skip")
    bad = say(app, "x" * 250)
    assert bad.replies[0].kind == "error"
    assert bad.replies[0].text.endswith("source is 250 characters long; the limit is 200")
    assert bad.replies[1].text == "Where did they come from?"  # asked again, nothing kept cut
    with app.uow() as uow:
        run = uow.session.scalars(select(FlowRun)).one()
        assert "source" not in run.data
