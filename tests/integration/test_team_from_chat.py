"""The team from chat (`people add|set|remove`) on SQLite and PostgreSQL: effective at once,
kept across a restart though config.yaml says otherwise, audited, for admins only."""

from __future__ import annotations

from sqlalchemy import select

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from storage.models import AuditEvent
from tests.helpers import only, say


def restart(app: Hirebot, database_url: str, config: HirebotConfig, clock: FrozenClock) -> Hirebot:
    app.close()
    return bootstrap(
        config=config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )


def field(reply_text: str, label: str) -> str:
    return next(line for line in reply_text.splitlines() if line.startswith(f"{label}: "))


def whoami(app: Hirebot, who: str) -> str:
    return only(say(app, "whoami", who=who)).plain_text()


def test_a_person_added_from_chat_can_act_and_be_scheduled_at_once(
    app: Hirebot, database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> None:
    added = only(say(app, "people add Zara Hussain roles=interviewer tz=Europe/London"))
    assert added.kind == "success", added.text
    assert "their key is 'zara'" in added.text
    assert "Zara Hussain" in whoami(app, "zara")
    assert field(whoami(app, "zara"), "Timezone") == "Timezone: Europe/London"
    say(app, 'add senior-backend "Ayesha Khan" email=ayesha@example.com')
    say(app, "advance 1")
    say(app, "advance 1")
    booked = only(say(app, "schedule 1 2026-11-24 15:00 with=zara duration=1h stage=interview"))
    assert booked.kind == "success", booked.text
    assert "Zara Hussain" in booked.plain_text()

    again = only(say(app, "people add Zara Khan roles=interviewer"))
    assert again.kind == "error"
    assert "'zara' is already Zara Hussain's key" in again.text

    app = restart(app, database_url, shipped_config, clock)
    try:
        assert "Zara Hussain" in whoami(app, "zara")
        with app.uow() as uow:
            kinds = [
                (e.kind, e.summary)
                for e in uow.session.scalars(
                    select(AuditEvent).where(AuditEvent.kind.like("person.%"))
                )
            ]
        assert kinds == [
            ("person.added", "Sana Mirza added Zara Hussain (zara) as interviewer, Europe/London")
        ]
    finally:
        app.close()


def test_a_change_from_chat_outlives_config_yaml(
    app: Hirebot, database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> None:
    changed = only(say(app, "people set hina tz=Europe/Berlin working_hours=10:00-16:00"))
    assert changed.kind == "success", changed.text
    assert field(whoami(app, "hina"), "Timezone") == "Timezone: Europe/Berlin"
    app = restart(app, database_url, shipped_config, clock)  # config.yaml: Asia/Karachi
    try:
        assert field(whoami(app, "hina"), "Timezone") == "Timezone: Europe/Berlin"
        hours = app.catalog.person("hina").working_hours
        assert (f"{hours.start:%H:%M}", f"{hours.end:%H:%M}") == ("10:00", "16:00")
        # her addresses from config.yaml go with her
        assert app.catalog.person("hina").identities == (
            shipped_config.catalog().person("hina").identities
        )
        assert app.catalog.person("hina").identities["slack"] == "U0HINABAG"
        removed = only(say(app, "people remove hina"))
        assert removed.kind == "success", removed.text
        assert "I don't know you yet" in only(say(app, "whoami", who="hina")).text
    finally:
        app.close()


def test_bad_values_and_non_admins_are_refused(app: Hirebot) -> None:
    assert "not a timezone" in only(say(app, "people add Zara roles=interviewer tz=Mars/Base")).text
    assert "did you mean 'interviewer'" in only(say(app, "people add Zara roles=intervewer")).text
    assert "09:00-17:00" in only(say(app, "people set hina working_hours=17:00-09:00")).text
    assert "hires for senior-backend" in only(say(app, "people remove omar")).text
    assert "only admin" in only(say(app, "people set sana roles=recruiter")).text
    unknown = only(say(app, "people add Zara phone=03001234567 roles=interviewer"))
    assert (
        "'phone' is not an option here (options: email, key, roles, tz, working_hours)"
        in unknown.text
    )
    refused = only(say(app, "people add Zara roles=admin", who="omar"))
    assert "you need permission to administer hirebot" in refused.text
    assert "Zara" not in only(say(app, "people")).plain_text()
    odd = only(say(app, 'people add "<!channel> *Bo*" roles=interviewer key=bo'))
    assert odd.kind == "success", odd.text
    assert "<!channel> *Bo*" in only(say(app, "people")).plain_text()
