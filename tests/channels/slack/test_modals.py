"""The add-applicant modal (from `/hire add` and the global shortcut) and the App Home tab."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.channels.slack.render import unescape
from bot.clock import FrozenClock
from storage.models import Applicant, AuditEvent
from tests.channels.slack.harness import HINA, HIRING, SANA, TEAM, Slack, new_trigger, text_of
from tests.fakes.slack_api import validate_view


def applicants(slack: Slack) -> int:
    with slack.hirebot.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Applicant)) or 0


def open_form(slack: Slack, *, channel: str = HIRING) -> dict[str, Any]:
    response = slack.command("add", channel=channel, trigger_id="form-1")
    assert response.status_code == 200
    assert response.text == ""  # the form is the answer
    [opened] = slack.api.calls_to("views.open")
    assert opened.params["trigger_id"] == "form-1"
    view: dict[str, Any] = opened.response["view"]
    assert validate_view(opened.params["view"]) == []
    return view


def test_the_add_form_shows_errors_beside_each_bad_field(slack: Slack) -> None:
    view = open_form(slack)
    assert view["callback_id"] == "hirebot.add_applicant"
    role = next(b for b in view["blocks"] if b["block_id"] == "role")
    assert role["element"]["initial_option"]["value"] == "senior-backend"  # the channel's role

    bad = slack.submit(
        view,
        {
            "name": "  ",
            "email": "bob@",
            "phone": "12",
            "resume": "ftp://example.com/cv.pdf",
            "skills": "python, " + "x" * 60,
        },
    )
    body = bad.json()
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert set(errors) == {"name", "email", "phone", "resume", "skills"}
    assert errors["name"] == "name cannot be empty"
    assert "'bob@' is not a valid email address" in errors["email"]
    assert "resume link must be an http(s) link" in errors["resume"]
    assert applicants(slack) == 0
    with slack.hirebot.uow() as uow:
        refused = uow.session.scalars(
            select(AuditEvent.summary).where(AuditEvent.direction == "in")
        ).all()
    assert any(
        s.startswith("clicked form.add_applicant") and s.endswith("[refused]") for s in refused
    )

    good = slack.submit(
        view,
        {
            "name": "Ayesha <!here> Khan",
            "email": "ayesha@example.com",
            "phone": "+92 300 1234567",
            "source": "referral",
            "skills": "python, postgres",
            "code": "https://github.com/ayesha",
            "note": "met at PyCon",
        },
    )
    body = good.json()
    assert body["response_action"] == "update"
    assert validate_view(body["view"]) == []
    assert "Added #1 Ayesha <!here> Khan" in unescape(text_of(body["view"]))
    assert "<!here>" not in json.dumps(body)
    assert applicants(slack) == 1
    with slack.hirebot.uow() as uow:
        logged = " ".join(uow.session.scalars(select(AuditEvent.summary)).all())
    assert "ayesha@example.com" not in logged  # the form's contact details are redacted
    assert "1234567" not in logged
    slack.deliver()
    card = slack.card()
    assert "https://github.com/ayesha" in text_of(card)
    assert "ayesha@example.com" not in json.dumps(card)


def test_the_form_needs_a_role_and_the_right_to_add(slack: Slack) -> None:
    view = open_form(slack, channel="D0SANA")
    role = next(b for b in view["blocks"] if b["block_id"] == "role")
    assert "initial_option" not in role["element"]  # two roles, none chosen by the channel
    body = slack.submit(view, {"name": "Ayesha Khan"}).json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"role"}

    refused = slack.submit(view, {"role": "senior-backend", "name": "Ayesha"}, user=HINA).json()
    assert refused["response_action"] == "update"
    assert "you need permission to add applicants" in text_of(refused["view"])
    assert applicants(slack) == 0


def test_the_global_shortcut_opens_the_form(slack: Slack) -> None:
    trigger = new_trigger()
    payload = {
        "type": "shortcut",
        "callback_id": "hirebot_add_applicant",
        "trigger_id": trigger,
        "user": {"id": SANA, "team_id": TEAM},
        "team": {"id": TEAM},
        "api_app_id": slack.api.app_id,
        "token": "legacy",
        "action_ts": "1700000000.1",
    }
    assert slack.interact(payload).status_code == 200
    [opened] = slack.api.calls_to("views.open")
    assert opened.params["trigger_id"] == trigger
    assert opened.response["view"]["callback_id"] == "hirebot.add_applicant"


def test_app_home_shows_my_pipeline_and_queues(slack: Slack) -> None:
    slack.command("add senior-backend Ayesha")
    slack.command("add senior-backend Bilal")
    slack.command("move 2 screening")
    opened = {"type": "app_home_opened", "user": SANA, "channel": "D0SANA", "tab": "home"}
    assert slack.event(opened, event_id="EvHome1").status_code == 200
    [published] = slack.api.calls_to("views.publish")
    assert published.params["user_id"] == SANA
    assert validate_view(published.params["view"]) == []
    home = text_of(published.params["view"])
    assert "Pipeline — your roles" in home
    assert "Senior Backend Engineer (senior-backend): 2 open applicants" in home
    assert "Applied 1 · Screening 1" in home
    assert "My pending feedback" in home
    assert "My upcoming interviews" in home

    slack.event(opened, event_id="EvHome1")  # a retry: published once
    slack.event({**opened, "tab": "messages"})  # the Messages tab needs no publishing
    assert len(slack.api.calls_to("views.publish")) == 1

    slack.event({**opened, "user": "U0STRANGER"})
    stranger = slack.api.calls_to("views.publish")[-1]
    assert "sorry, I don't know you yet" in text_of(stranger.params["view"])


def test_the_schedule_button_asks_then_shows_on_the_interviewers_home(
    slack: Slack, clock: FrozenClock
) -> None:
    slack.command("add senior-backend Ayesha")
    slack.deliver()
    slack.api.reset()
    slack.click(slack.card(), "schedule")
    [opened] = slack.api.calls_to("views.open")
    view = opened.response["view"]
    assert "When and with whom?" in text_of(view)
    done = slack.submit(view, {"input": "2026-11-25 15:00 with=hina duration=1h"}).json()
    assert done["response_action"] == "update", done
    slack.event({"type": "app_home_opened", "user": HINA, "tab": "home"})
    [published] = slack.api.calls_to("views.publish")
    home = text_of(published.params["view"])
    assert "My upcoming interviews" in home
    assert "Ayesha" in home.split("My upcoming interviews")[1]

    # After the interview, hina owes feedback: her Home shows it with a button that starts it
    # in her DM with hirebot.
    ends = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # 15:00 in Karachi + 1h
    clock.set(ends)
    slack.hirebot.tasks.run_due(ends)
    slack.deliver()
    slack.api.reset()
    slack.event({"type": "app_home_opened", "user": HINA, "tab": "home"})
    [published] = slack.api.calls_to("views.publish")
    owed = text_of(published.params["view"]).split("My pending feedback")[1]
    assert "Ayesha" in owed.split("My upcoming interviews")[0]
    assert slack.click_view(published.response["view"], "feedback", user=HINA).status_code == 200
    slack.deliver()
    [dm] = [c for c in slack.api.calls_to("chat.postMessage") if c.params["channel"] == HINA]
    assert "Ayesha" in text_of(dm.params)
