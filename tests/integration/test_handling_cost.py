"""What a command costs the database, held to what docs/benchmarks.md ("Handling cost")
promises: no reply part is read only to be thrown away, and the answers stay the same."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from tests.conftest import ROOT
from tests.helpers import only, say, statements, text_of

CONFIG = ROOT / "config.yaml"

ADD = 'add senior-backend "Ayesha Khan" email=ayesha@example.com source=referral'


def test_add_answers_with_the_cards_buttons_without_reading_the_details(app: Hirebot) -> None:
    with statements(app.engine) as seen:
        added = only(say(app, ADD))
    assert added.kind == "success"
    assert [a.id for a in added.actions] == ["advance", "schedule", "reject"]
    read = [s for s in seen if s.startswith("SELECT")]
    # the details' parts (notes, CVs, panel, trackers) are not read for an answer that keeps
    # only the buttons
    for table in ("notes", "applicant_files", "interviews", "feedback", "tracker_items"):
        assert not any(f"FROM {table}" in s for s in read), (table, read)
    # `show` still reads and shows them
    say(app, "note 1 strong on SQL")
    shown = only(say(app, "show 1"))
    assert "strong on SQL" in "\n".join(shown.lines)
    assert [a.id for a in shown.actions] == ["advance", "schedule", "reject"]


def test_the_feed_route_serves_the_path_the_feed_service_hands_out() -> None:
    """The pages restate the feed's path so that serving loads no icalendar at start."""
    from bot.links import pages
    from bot.services import calendar_feed

    assert pages.FEED_PATH == calendar_feed.FEED_PATH
    assert calendar_feed.Issued("Hina", "t0k3n").path().startswith(pages.FEED_PATH)


def test_starting_on_an_up_to_date_database_loads_no_unused_sdk(
    app: Hirebot, database_url: str
) -> None:
    """A second start, Slack, Telegram and WhatsApp on: no migration machinery (the schema
    is at head), no tracker SDK without its credentials, no chart library before the first
    chart, no FastAPI while the intake API is off (its app is built at its first request),
    no pywa before the first WhatsApp notification or message, no aiohttp (Slack's pool of
    kept-alive connections) before the first post, even once auth.test has been asked, no
    icalendar before the first invitation or calendar feed, no `limits` before the first
    application form posted, no PostgreSQL driver nor SQLAlchemy's PostgreSQL dialect on
    SQLite; and no Jinja template compiled before the first invitation rendered or e-mail link
    opened."""
    unused_sdks: tuple[str, ...] = (
        "alembic",
        "asana",
        "jira",
        "matplotlib",
        "fastapi",
        "pywa",
        "aiohttp",
        "icalendar",
        "limits",
    )
    if database_url.startswith("sqlite"):
        unused_sdks += ("psycopg", "sqlalchemy.dialects.postgresql")
    probe = (
        "import sys\n"
        "from bot.bootstrap import bootstrap\n"
        "from bot.environment import Environment\n"
        "from bot.runtime.server import build_server\n"
        f"hirebot = bootstrap(database_url={database_url!r}, config_path={str(CONFIG)!r},\n"
        "    env=Environment())\n"
        "server = build_server(hirebot, scheduler=False)\n"
        "server.asgi()\n"
        "slack = next(r for r in server.runtimes if r.name == 'slack')\n"
        "assert not slack.identity.resolve_once()  # auth.test at start (refused here)\n"
        f"print(sorted(m for m in {unused_sdks!r} if m in sys.modules))\n"
        "print(sorted(m for m in ('slack_sdk', 'telegram') if m in sys.modules))\n"
        "from bot.links import pages\n"
        "from bot.messages import invitations\n"
        "print(invitations._templates.cache_info().currsize + pages._page.cache_info().currsize)\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k != "HIREBOT_API_TOKEN"},
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "TELEGRAM_API_URL": "http://127.0.0.1:9/bot",
        "WHATSAPP_TOKEN": "test-token",
        "WHATSAPP_PHONE_NUMBER_ID": "1000",
        "WHATSAPP_APP_SECRET": "app-secret",
        "WHATSAPP_VERIFY_TOKEN": "verify",
        "WHATSAPP_API_URL": "http://127.0.0.1:9/",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    unused, used, templates = done.stdout.strip().splitlines()[-3:]
    assert unused == "[]"
    assert used == "['slack_sdk', 'telegram']"  # the channels were built
    assert templates == "0"


def test_importing_the_cli_freezes_what_it_imported_and_collects_again_after() -> None:
    """The first collection after the CLI's imports scanned their whole heap (~0.1 s), and
    every full one after it scanned it again, `hirebot serve`'s own before it freezes: the
    imports' heap is frozen once they are done, the collector on again."""
    probe = "import gc\nimport bot.cli\nprint(gc.isenabled(), gc.get_freeze_count())\n"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    enabled, frozen = done.stdout.split()
    assert enabled == "True"
    assert int(frozen) > 50_000  # the modules, the mappers, the models: not a handful


def people_lookups(seen: list[str]) -> int:
    """Statements that find who is behind an address (a console name is a person's key)."""
    return sum(
        1
        for s in seen
        if s.startswith("SELECT")
        and (re.search(r'WHERE people\."?key"? =', s) or "JOIN person_identities" in s)
    )


def test_a_speaker_is_looked_up_once_per_catalog_generation(app: Hirebot) -> None:
    say(app, "whoami")
    with statements(app.engine) as seen:
        assert only(say(app, "whoami")).kind == "info"
    assert people_lookups(seen) == 0  # remembered
    assert only(say(app, "people add Zara Hussain roles=interviewer")).kind == "success"
    with statements(app.engine) as seen:
        say(app, "whoami")
    assert people_lookups(seen) == 1  # the directory changed: looked up again
    assert only(say(app, "people remove hina")).kind == "success"
    assert "I don't know you yet" in only(say(app, "whoami", who="hina")).text


def test_a_person_removed_in_another_process_is_refused_at_their_next_event(
    app: Hirebot, database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> None:
    other = bootstrap(
        config=shipped_config, database_url=database_url, clock=clock, channels=("console",)
    )
    try:
        assert "Hina Baig" in only(say(app, "whoami", who="hina")).plain_text()  # remembered
        assert only(say(other, "people remove hina")).kind == "success"
        assert "I don't know you yet" in only(say(app, "whoami", who="hina")).text
    finally:
        other.close()


def test_add_reads_its_role_once(app: Hirebot) -> None:
    """The role is read by the add and again by the card's followers; the unit of work keeps
    the row it found. The answer and the card are still both queued."""
    with statements(app.engine) as seen:
        added = only(say(app, ADD))
    assert added.kind == "success"
    assert sum(1 for s in seen if s.startswith("SELECT") and "FROM roles" in s) == 1, seen
    assert sum(1 for s in seen if s.startswith("INSERT INTO outbox")) == 2, seen


def test_a_role_row_the_session_let_go_of_is_read_again(app: Hirebot) -> None:
    """What the unit of work forgot between two events (the inbox's pass) or rolled back is
    not handed out from the role cache: the second lookup is a row of the session again."""
    with app.uow() as uow, statements(app.engine) as seen:
        first = uow.roles.by_key("senior-backend")
        assert first is not None
        assert uow.roles.by_key("senior-backend") is first
        assert len(seen) == 1
        uow.forget()
        again = uow.roles.by_key("senior-backend")
        assert again is not None
        assert again is not first
        assert again in uow.session
        assert len(seen) == 2
        assert uow.roles.by_key("no-such-role") is None
        assert uow.roles.by_key("no-such-role") is None
        assert len(seen) == 4  # a miss is not remembered


def test_show_history_and_notes_read_only_the_names_they_print(app: Hirebot) -> None:
    """Who wrote a note or did a step is printed by name: the names of those people are read,
    not every person of the team with their addresses (500 interviewers made `show` 3× slower
    at 100,000 applicants, docs/benchmarks.md)."""
    applicant = only(say(app, ADD))
    assert applicant.kind == "success"
    say(app, "note 1 strong on SQL")
    for command in ("show 1", "history 1", "notes 1", "history 1 all"):
        with statements(app.engine) as seen:
            shown = say(app, command)
        assert shown.replies, command
        assert all(r.kind != "error" for r in shown.replies), (command, shown.replies)
        people = [s for s in seen if "FROM people" in s]
        assert all("WHERE people.id IN" in s for s in people), (command, people)
        assert not any("FROM person_identities" in s for s in seen), (command, seen)
    assert "Sana" in text_of(say(app, "notes 1"))  # the author's name, as before
    assert "Sana" in only(say(app, "history 1 all")).plain_text()
