"""`people add` on Slack fills in a person's Slack id and timezone from Slack's directory
(users.info for a mention, users.lookupByEmail for email=…, at the fake Slack API through the
runtime's own WebClient), and `user_change` keeps their timezone with Slack's; through
signed requests to the endpoint, on both databases."""

from __future__ import annotations

from sqlalchemy import select

from bot.channels.slack.render import unescape
from storage.models import AuditEvent
from tests.channels.slack.harness import HINA, SANA, Slack, text_of
from tests.fakes.slack_api import FakeSlackAPI

ZARA = "U0ZARAHSN"
DM = "D0SANA"


def zara(api: FakeSlackAPI) -> None:
    api.add_user(
        ZARA,
        "Zara Hussain",
        email="zara.hussain@example.com",
        tz="Europe/London",
        tz_label="Greenwich Mean Time",
        tz_offset=0,
    )


def ask(slack: Slack, text: str, user: str = SANA) -> str:
    return unescape(slack.ask(text, user=user))


def dm(slack: Slack, text: str, user: str = SANA) -> str:
    """A direct message to hirebot, and what it answered there."""
    before = len(slack.posted(DM))
    event = {
        "type": "message",
        "channel": DM,
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": "1700000001.000100",
    }
    assert slack.event(event).status_code == 200
    slack.deliver()
    return unescape("\n".join(text_of(m) for m in slack.posted(DM)[before:]))


def whoami_zara(slack: Slack) -> str:
    return ask(slack, "whoami", user=ZARA)


def person_events(slack: Slack) -> list[tuple[str, str, str]]:
    with slack.hirebot.uow() as uow:
        return [
            (e.kind, e.channel, e.summary)
            for e in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.kind.like("person.%")).order_by(AuditEvent.id)
            )
        ]


def test_a_mention_in_a_dm_fills_in_the_slack_id_name_and_timezone(slack: Slack) -> None:
    zara(slack.api)
    answer = dm(slack, f"people add <@{ZARA}> roles=interviewer")
    assert "Added Zara Hussain as interviewer (Europe/London); their key is 'zara'" in answer
    assert "Found in Slack: their account there is linked." in answer
    [info] = slack.api.calls_to("users.info")
    assert info.params["user"] == ZARA
    assert info.headers["authorization"] == f"Bearer {slack.api.token}"  # the runtime's client
    me = whoami_zara(slack)  # she is known by her Slack id at once
    assert "Zara Hussain" in me
    assert "Timezone: Europe/London" in me
    assert person_events(slack)[-1][2] == (
        "Sana Mirza added Zara Hussain (zara) as interviewer, Europe/London (looked up in Slack)"
    )


def test_an_escaped_mention_in_a_command_keeps_a_typed_name_and_timezone(slack: Slack) -> None:
    zara(slack.api)
    answer = ask(slack, f"people add Zara H. <@{ZARA}|zara> roles=interviewer tz=Asia/Karachi")
    assert "Added Zara H. as interviewer (Asia/Karachi)" in answer
    assert "Timezone: Asia/Karachi" in whoami_zara(slack)


def test_an_email_fills_in_the_slack_id_and_timezone(slack: Slack) -> None:
    zara(slack.api)
    answer = ask(slack, "people add Zara Hussain email=Zara.Hussain@example.com roles=interviewer")
    assert "Added Zara Hussain as interviewer (Europe/London)" in answer
    assert "zara.hussain@example.com" not in answer  # nothing to echo
    [lookup] = slack.api.calls_to("users.lookupByEmail")
    assert lookup.params["email"] == "zara.hussain@example.com"
    me = whoami_zara(slack)
    assert f"slack: {ZARA}" in me
    assert "email: zara.hussain@example.com" in me
    assert slack.api.calls_to("users.info") == []


def test_an_email_slack_does_not_know_still_adds_them_and_says_so(slack: Slack) -> None:
    answer = ask(slack, "people add Zara Hussain email=zara@elsewhere.example roles=interviewer")
    assert "Added Zara Hussain as interviewer (Asia/Karachi)" in answer
    assert "Note: Slack has nobody with that e-mail address" in answer
    assert slack.api.calls_to("users.lookupByEmail")[0].response["error"] == "users_not_found"
    assert "zara — Zara Hussain" in ask(slack, "people")


def test_a_missing_scope_is_named_and_a_bad_mention_refused(slack: Slack) -> None:
    zara(slack.api)
    slack.api.scopes = "chat:write,commands,im:write"
    by_email = ask(slack, "people add Zara Hussain email=zara.hussain@example.com roles=member")
    assert "Added Zara Hussain as member" in by_email
    assert "Note: not looked up in Slack: the Slack app lacks the users:read.email scope" in (
        by_email
    )
    by_mention = dm(slack, f"people add <@{ZARA}> roles=interviewer key=zh")
    assert "the Slack app lacks the users:read scope" in by_mention
    slack.api.scopes = "chat:write,commands,im:write,users:read,users:read.email"
    nobody = dm(slack, "people add <@U0NOBODY1> roles=interviewer")
    assert "Slack has no user U0NOBODY1; check the mention" in nobody
    taken = ask(slack, "people add Hina Again email=x@example.com roles=member key=hina2")
    assert "Added Hina Again" in taken  # x@ is nobody's in Slack
    slack.api.add_user(HINA, "Hina Baig", email="hina.baig@example.com")
    twice = dm(slack, f"people add <@{HINA}> roles=interviewer key=hb")
    assert f"Slack address {HINA} is already Hina Baig's (hina)" in twice
    bad = ask(slack, "people add Zed email=not-an-address roles=member")
    assert "is not an e-mail address" in bad
    assert "Zed" not in ask(slack, "people")


def test_only_admins_add_or_set_anyone_off(slack: Slack) -> None:
    zara(slack.api)
    refused = ask(slack, f"people add Zara <@{ZARA}|zara> roles=interviewer", user=HINA)
    assert "you need permission to administer hirebot" in refused
    assert slack.api.calls_to("users.info") == []  # nothing is looked up for a refusal
    off = ask(slack, "people off lucas until=2026-12-24", user=HINA)
    assert "you need permission to administer hirebot" in off
    assert "away until" not in ask(slack, "people")


def user_change(slack: Slack, user: str, tz: str) -> None:
    event = {
        "type": "user_change",
        "user": {
            "id": user,
            "team_id": "T0001",
            "name": "someone",
            "deleted": False,
            "real_name": "Someone",
            "tz": tz,
            "tz_label": "whatever Slack calls it",
            "tz_offset": 3600,
            "profile": {"real_name": "Someone", "display_name": ""},
        },
        "cache_ts": 1700000000,
        "event_ts": "1700000000.000100",
    }
    assert slack.event(event).status_code == 200


def test_user_change_keeps_the_timezone_with_slacks(slack: Slack) -> None:
    user_change(slack, HINA, "Europe/Berlin")
    assert "Timezone: Europe/Berlin" in ask(slack, "whoami", user=HINA)
    assert slack.hirebot.catalog.person("hina").timezone == "Europe/Berlin"
    assert person_events(slack) == [
        ("person.changed", "system", "hirebot (from Slack) set Hina Baig's timezone Europe/Berlin")
    ]
    user_change(slack, HINA, "Europe/Berlin")  # a change to something else: nothing to do
    user_change(slack, "U0STRANGR", "Asia/Tokyo")  # not on the team
    user_change(slack, HINA, "Mars/Olympus")  # not a zone this machine knows
    assert len(person_events(slack)) == 1
    assert "Timezone: Europe/Berlin" in ask(slack, "whoami", user=HINA)
