"""A person's calendar feed: `hirebot people calendar PERSON` prints a secret URL whose .ics
lists their upcoming interviews (the interviewer's view, no candidate contact data); the URL can
be rotated, and a wrong token is 404."""

from __future__ import annotations

import icalendar
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.bootstrap import Hirebot
from bot.cli import app as cli
from bot.clock import FrozenClock
from bot.runtime.server import Server
from tests.channels.email.conftest import PUBLIC_URL, SECRET_KEY
from tests.channels.email.test_invitations import CANDIDATE, SCHEDULE, applicant_in_interview
from tests.cli_runner import cli_env
from tests.helpers import only, say

PHONE = "03017654321"


def feed_url(database_url: str, clock: FrozenClock, *args: str) -> tuple[int, str]:
    env = cli_env(database_url, clock) | {
        "HIREBOT_PUBLIC_URL": PUBLIC_URL,
        "HIREBOT_SECRET_KEY": SECRET_KEY,
    }
    result = CliRunner().invoke(cli, ["people", "calendar", *args], env=env)
    return result.exit_code, result.output


def path_in(output: str) -> str:
    url = next(w for w in output.split() if w.startswith(PUBLIC_URL))
    return url.removeprefix(PUBLIC_URL)


def test_the_feed_lists_upcoming_interviews_and_its_url_rotates(
    mail_app: Hirebot, server: Server, database_url: str, clock: FrozenClock
) -> None:
    applicant_in_interview(
        mail_app, f"add senior-backend 'Ayesha Khan' email={CANDIDATE} phone={PHONE}"
    )
    assert only(say(mail_app, SCHEDULE)).kind == "success"
    assert only(say(mail_app, SCHEDULE.replace("2026-11-24", "2026-11-26"))).kind == "success"
    assert only(say(mail_app, "cancel-interview 2")).kind == "success"
    code, output = feed_url(database_url, clock, "hina")
    assert code == 0, output
    path = path_in(output)
    assert path.startswith("/calendar/")
    assert path.endswith(".ics")

    web = TestClient(server.asgi())
    response = web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert "METHOD" not in calendar  # a published feed, not an invitation
    events = calendar.walk("VEVENT")
    assert len(events) == 1  # the cancelled one is gone
    assert "Ayesha Khan" in str(events[0]["SUMMARY"])
    assert events[0]["DTSTART"].params["TZID"] == "Asia/Karachi"
    assert CANDIDATE not in response.text
    assert "7654321" not in response.text

    again, refused = feed_url(database_url, clock, "hina")
    assert again != 0
    assert "--rotate" in refused
    code, rotated = feed_url(database_url, clock, "hina", "--rotate")
    assert code == 0, rotated
    assert web.get(path).status_code == 404  # the old URL stops working
    assert web.get(path_in(rotated)).status_code == 200
    assert web.get("/calendar/not-a-token.ics").status_code == 404
    assert web.get(path_in(rotated).removesuffix(".ics")).status_code == 404
    code, unknown = feed_url(database_url, clock, "nobody")
    assert code != 0
    assert "unknown person" in unknown
