"""Search, `list` filters and saved searches through the dispatcher, on both databases; years
of experience from every intake (chat, CSV, API)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.bootstrap import Hirebot, bootstrap
from bot.cli import app as cli
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment
from bot.messages.reply import Reply
from bot.runtime.server import build_server
from storage.models import Applicant, AuditEvent, OutboxMessage, SavedSearch
from tests.helpers import only, say

TOKEN = "test-api-token-0123456789"
PEOPLE = [
    "add senior-backend 'Ayesha Khan' skills=python,postgres location=Karachi exp=6 "
    "source=referral",
    "add senior-backend 'Bilal Ahmed' skills=go,postgresql location=Lahore exp=3 source=LinkedIn",
    "add backend-contract 'Chen Wei' skills=python location='Islamabad, Pakistan' exp=9 "
    "source='careers page'",
    "add senior-backend 'Dana 100% Reyes' skills=python location=Karachi",
    "add backend-contract 'Esa Malik' skills=python,go location=Karachi exp=5 source=referral",
]


@pytest.fixture
def app(database_url: str, shipped_config: HirebotConfig, clock: FrozenClock) -> Iterator[Hirebot]:
    hirebot = bootstrap(
        config=shipped_config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({"HIREBOT_API_TOKEN": TOKEN}),
    )
    yield hirebot
    hirebot.close()


@pytest.fixture
def seeded(app: Hirebot) -> Hirebot:
    for line in PEOPLE:
        assert only(say(app, line)).kind == "success", line
    say(app, "note 2 led the distributed ledger rewrite")
    say(app, "reject 2 not enough go")
    return app


def ids(reply: Reply) -> list[int]:
    return [int(line.split()[0][1:]) for line in reply.lines if line.startswith("#")]


def test_the_issue_example_and_each_filter(seeded: Hirebot) -> None:
    reply = only(say(seeded, "search skills:python,postgres location:karachi exp>=5"))
    assert reply.title == "Search: skills:python,postgres location:karachi exp>=5"
    assert ids(reply) == [1]
    assert reply.lines[0] == "1 match — Senior Backend Engineer: Applied 1"
    assert (
        "#1 Ayesha Khan — Senior Backend Engineer · Applied for 0m · 6y · Karachi"
        in (reply.lines[1])
    )
    cases = {
        "search skills:python": [5, 4, 3, 1],
        "search skills:postgres": [1],  # tags match exactly: not postgresql
        "search skills:python,go": [5],
        "search exp>=5": [5, 3, 1],  # unknown experience never matches a bound
        "search exp:3-5": [5, 2],
        "search exp<4": [2],
        "search location:karachi,lahore": [5, 4, 2, 1],
        "search location:islamabad": [3],
        "search source:referral": [5, 1],
        "search source:linkedin": [2],
        "search role:backend-contract": [5, 3],
        "search stage:rejected": [2],
        "search stage:open skills:go": [5],
        "search stage:closed": [2],
        "search khan": [1],
        "search distributed": [2],  # a note
        "search 'ayesha khan'": [1],
        "search text:100%": [4],  # wildcards are literal
        "search text:_": [],
        "search role:senior-backend skills:python exp>=5 location:karachi source:referral": [1],
    }
    for command, expected in cases.items():
        assert ids(only(say(seeded, command))) == expected, command


def test_pages_and_counts(seeded: Hirebot) -> None:
    for n in range(12):
        say(seeded, f"add senior-backend 'Fill {n}' skills=rust exp=2")
    say(seeded, "advance 6")
    first = only(say(seeded, "search skills:rust"))
    assert first.lines[0] == "12 matches — Senior Backend Engineer: Applied 11, Screening 1"
    assert len(ids(first)) == 10
    assert first.footer == "page 1 of 2 · next: search skills:rust page=2"
    second = only(say(seeded, "search skills:rust page=2"))
    assert ids(second) == [7, 6]
    assert second.footer == "page 2 of 2"
    assert "past the end" in only(say(seeded, "search skills:rust page=3")).text
    none = only(say(seeded, "search skills:cobol"))
    assert none.lines == ["0 matches", "nobody matches; loosen a filter"]


def test_list_takes_search_filters_and_keeps_its_open_default(seeded: Hirebot) -> None:
    reply = only(say(seeded, "list senior-backend skills:python"))
    assert reply.title == "Applicants (role:senior-backend stage:open skills:python)"
    assert ids(reply) == [4, 1]
    assert ids(only(say(seeded, "list all location:lahore"))) == [2]
    assert ids(only(say(seeded, "list exp>=5"))) == [5, 3, 1]
    plain = only(say(seeded, "list senior-backend"))  # without filters: as before
    assert plain.title == "Applicants (Senior Backend Engineer, open)"


MALFORMED = {
    "search skils:python": "in 'skils:python': unknown filter 'skils' — did you mean 'skills'",
    "search exp>=five": "in 'exp>=five'",
    "search role:senior-backnd": "in 'role:senior-backnd': unknown role 'senior-backnd'",
    "search stage:intervew": "in 'stage:intervew': unknown stage 'intervew'",
    "search exp>=9 exp<=2": "'exp>=9' and 'exp<=2' can never both hold",
    "search location:": "in 'location:'",
    'search "unclosed': "check your quotes",
    "search": "usage: search",
    "search page=2": "what should I look for?",
    "list senior-backend skills:python bogus": "in 'stage:bogus'",
}


def test_malformed_searches_name_the_bad_part(seeded: Hirebot) -> None:
    for command, named in MALFORMED.items():
        reply = only(say(seeded, command))
        assert reply.kind == "error", command
        assert named in reply.text, (command, reply.text)
        with seeded.uow() as uow:
            last = uow.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.direction == "in")
                .order_by(AuditEvent.id.desc())
            ).first()
            assert last is not None
            assert last.summary.endswith("[refused]"), command


def test_interviewers_may_search(seeded: Hirebot) -> None:
    assert ids(only(say(seeded, "search khan", who="hina"))) == [1]


def test_erased_applicants_are_never_found(seeded: Hirebot, clock: FrozenClock) -> None:
    with seeded.uow() as uow:
        uow.session.execute(
            update(Applicant).where(Applicant.id == 1).values(erased_at=clock.now())
        )
        uow.commit()
    assert ids(only(say(seeded, "search skills:python"))) == [5, 4, 3]


def test_years_of_experience_from_chat_csv_and_api(
    app: Hirebot, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert only(say(app, "add senior-backend Zed exp=7")).kind == "success"
    refused = only(say(app, "add senior-backend Yan exp=seven"))
    assert "years of experience must be a whole number" in refused.text
    assert "given twice" in only(say(app, "add senior-backend Yan exp=3 years=4")).text
    path = tmp_path / "people.csv"
    path.write_text(
        "name,role,years,skills\nXia,senior-backend,4,python\nWu,senior-backend,lots,go\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HIREBOT_CONFIG", str(Path(__file__).resolve().parents[2] / "config.yaml"))
    for name in ("SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(cli, ["import", str(path)])
    assert result.exit_code == 1, result.output
    assert "2 rows: imported 1, 0 duplicate(s), 1 rejected" in result.output
    assert "years of experience must be" in result.output
    client = TestClient(build_server(app, runtimes=[]).asgi())
    auth = {"Authorization": f"Bearer {TOKEN}"}
    created = client.post(
        "/api/applicants",
        json={"role": "senior-backend", "name": "Vera", "years_experience": 11},
        headers=auth,
    )
    assert created.status_code == 201, created.text
    assert created.json()["years_experience"] == 11
    for bad in ("11", -1, 71, 5.5, True):
        refused_api = client.post(
            "/api/applicants",
            json={"role": "senior-backend", "name": "Uma", "years_experience": bad},
            headers=auth,
        )
        assert refused_api.status_code == 422, bad
        assert "years_experience" in refused_api.json()["fields"]
    client.close()
    with app.uow() as uow:
        years = {a.name: a.years_experience for a in uow.session.scalars(select(Applicant))}
    assert years == {"Zed": 7, "Xia": 4, "Vera": 11}
    assert ids(only(say(app, "search exp>=5"))) == [3, 1]
    details = only(say(app, "show 1"))
    assert any(f.label == "Experience" and f.value == "7 years" for f in details.fields)


def digests_sent(app: Hirebot) -> list[Reply]:
    with app.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.destination == "console:sana")
            .order_by(OutboxMessage.id)
        ).all()
    replies = [Reply.model_validate(m.payload) for m in rows]
    return [r for r in replies if r.title.startswith("Hiring digest")]


def digest_lines(app: Hirebot, who: str = "sana") -> list[str]:
    return only(say(app, "digest", who=who)).lines


def test_saved_searches_rerun_and_report_new_matches_in_the_digest(
    app: Hirebot, clock: FrozenClock
) -> None:
    say(app, "add senior-backend Early skills=python location=Islamabad exp=8")
    saved = only(
        say(
            app,
            "search save 'senior python, Islamabad' skills:Python location:islamabad exp>=5 "
            "digest=on",
        )
    )
    assert saved.kind == "success", saved.text
    assert (
        "Saved search #1 'senior python, Islamabad': skills:python location:islamabad exp>=5"
        in (saved.text)
    )
    assert ids(only(say(app, "search run 'senior python, Islamabad'"))) == [1]
    # only applicants added after saving are news
    assert not any("senior python" in line for line in digest_lines(app))
    for name in ("Ali", "Bea", "Cem"):
        say(app, f"add backend-contract {name} skills=python,go location=Islamabad exp=6")
    say(app, "add backend-contract Junior skills=python location=Islamabad exp=1")
    expected = "3 new applicants match 'senior python, Islamabad': #4, #3, #2 (search run 1)"
    assert expected in digest_lines(app)
    assert expected in digest_lines(app)  # a preview marks nothing as reported
    with app.uow() as uow:
        assert uow.session.scalars(select(SavedSearch.last_seen_id)).one() == 1
    # the scheduled digest sends it, then marks it reported
    previews = len(digests_sent(app))
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    app.tasks.run_due(clock.now())
    clock.set(datetime(2026, 11, 24, 4, 0, tzinfo=UTC))
    app.tasks.run_due(clock.now())
    sent = digests_sent(app)[previews:]
    with app.uow() as uow:
        assert uow.session.scalars(select(SavedSearch.last_seen_id)).one() == 5
    assert len(sent) == 1
    assert "— Your saved searches (1) —" in sent[0].lines
    assert expected in sent[0].lines
    assert not any("senior python" in line for line in digest_lines(app))
    say(app, "add senior-backend Dee skills=python location=Islamabad exp=12")
    assert "1 new applicant matches 'senior python, Islamabad': #6 (search run 1)" in (
        digest_lines(app)
    )
    # someone else's digest never shows my searches
    assert not any("senior python" in line for line in digest_lines(app, "omar"))


def test_managing_saved_searches(app: Hirebot) -> None:
    assert only(say(app, "search save python skills:python")).kind == "success"
    replaced = only(say(app, "search save PYTHON skills:python exp>=3 digest=on"))
    assert replaced.text.startswith("Replaced search #1 'python': skills:python exp>=3.")
    listing = only(say(app, "searches"))
    assert listing.lines == ["#1 python: skills:python exp>=3 · in digest"]
    assert "no longer in" in only(say(app, "search digest python off")).text
    assert only(say(app, "searches", who="omar")).lines == ["none yet"]
    assert "you have no saved search '1'" in only(say(app, "search run 1", who="omar")).text
    errors = {
        "search save": "give a name and the search",
        "search save name": "give a name and the search",
        "search save 12 skills:go": "cannot be a number",
        "search save x skils:go": "in 'skils:go'",
        "search save x role:nope": "in 'role:nope'",
        "search save x skills:go digest=maybe": "digest must be on or off",
        "search run nope": "you have no saved search 'nope' (yours: 'python')",
        "search digest python": "usage: search digest",
    }
    for command, message in errors.items():
        reply = only(say(app, command))
        assert reply.kind == "error", command
        assert message in reply.text, (command, reply.text)
    assert ids(only(say(app, "search 'save'"))) == []  # quoted: the word, not the verb
    assert "Deleted saved search 'python'" in only(say(app, "search delete #1")).text
    with app.uow() as uow:
        assert uow.session.scalars(select(SavedSearch)).all() == []
