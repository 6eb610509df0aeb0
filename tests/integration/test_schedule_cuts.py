"""Digests, pipeline check-ins and stale nudges never drop anyone silently: a cut section says
how many it left out (counted in the database) and names the command that lists them all.

Driven through `hirebot jobs run-due --at`, `hirebot digest --preview` and console commands, on
the test's clock, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.bootstrap import Hirebot
from bot.clock import FrozenClock
from tests.cli_runner import run_cli
from tests.helpers import inbox, only, say

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 14:00 in Karachi
NEXT_MONDAY_10_PKT = "2026-11-30T10:00+05:00"  # the pipeline check-in; the 09:30 nudge is due


def add_applicants(app: Hirebot, clock: FrozenClock, count: int) -> None:
    clock.set(MONDAY)
    for n in range(1, count + 1):
        added = only(say(app, f"add senior-backend 'Person {n:02}' email=p{n}@example.com"))
        assert added.kind != "error", added.text


def run_due(app: Hirebot, database_url: str, at: str) -> None:
    code, output = run_cli(database_url, app.clock, "jobs", "run-due", "--at", at)
    assert code == 0, output


def test_a_nudge_about_eleven_stuck_applicants_names_ten_and_counts_the_eleventh(
    app: Hirebot, clock: FrozenClock, database_url: str
) -> None:
    add_applicants(app, clock, 11)
    run_due(app, database_url, MONDAY.isoformat())  # plans the series
    run_due(app, database_url, NEXT_MONDAY_10_PKT)
    [nudge] = [r for r in inbox(app, "sana") if "stuck in Senior Backend Engineer" in r.title]
    assert nudge.title == "11 applicants stuck in Senior Backend Engineer"
    assert len([line for line in nudge.lines if line.startswith("#")]) == 10
    assert nudge.lines[-1] == "… and 1 more — see: digest stuck senior-backend"

    [checkin] = [r for r in inbox(app, "omar") if r.title.startswith("Pipeline check-in")]
    assert "— Stuck longer than their stage allows (11) —" in checkin.lines
    assert "… and 1 more — see: digest stuck senior-backend" in checkin.lines

    clock.set(datetime.fromisoformat(NEXT_MONDAY_10_PKT))
    listed = only(say(app, "digest stuck senior-backend"))
    assert listed.title == "Stuck longer than their stage allows (11)"
    names = [line.split(":")[0] for line in listed.lines]
    assert sorted(names) == sorted(f"#{n} Person {n:02}" for n in range(1, 12))
    assert listed.footer == "page 1 of 1 · 11 rows"


def test_the_digest_preview_counts_what_it_leaves_out_and_pages_through_all_of_it(
    app: Hirebot, clock: FrozenClock, database_url: str
) -> None:
    add_applicants(app, clock, 22)
    code, preview = run_cli(database_url, clock, "digest", "--person", "sana", "--preview")
    assert code == 0, preview
    assert "New applicants (22)" in preview
    assert "… and 12 more — see: digest new since=2026-11-22T14:00" in preview  # a day back
    assert "#13 Person 13" in preview  # newest first: #22 … #13 are named
    assert "#12 Person 12" not in preview

    first = only(say(app, "digest new"))
    assert first.title == "New applicants (22)"
    assert len(first.lines) == 20
    assert first.footer == "page 1 of 2 · 22 rows · next: digest new since=2026-11-22T14:00 page=2"
    second = only(say(app, "digest new since=2026-11-22T14:00 page=2"))
    assert second.lines == [
        "#2 Person 02 — Senior Backend Engineer",
        "#1 Person 01 — Senior Backend Engineer",
    ]
    # an admin reading someone else's digest is pointed at that person's sections
    omar = only(say(app, "digest omar"))
    assert "… and 12 more — see: digest new omar since=2026-11-16T14:00" in omar.lines  # weekly


def test_a_sent_digest_points_at_its_own_period_after_the_next_one_began(
    app: Hirebot, clock: FrozenClock, database_url: str
) -> None:
    add_applicants(app, clock, 11)
    run_due(app, database_url, MONDAY.isoformat())
    run_due(app, database_url, "2026-11-24T09:00+05:00")  # Sana's daily digest
    [sent] = [r for r in inbox(app, "sana") if r.title.startswith("Hiring digest")]
    assert "… and 1 more — see: digest new since=2026-11-23T09:00" in sent.lines
    clock.set(datetime(2026, 11, 24, 5, 0, tzinfo=UTC))  # an hour after it was sent
    listed = only(say(app, "digest new since=2026-11-23T09:00"))
    assert listed.title == "New applicants (11)"
    assert len(listed.lines) == 11
    assert only(say(app, "digest new")).lines == ["nothing here"]  # since that digest


def test_digest_sections_refuse_what_they_do_not_know(app: Hirebot) -> None:
    bad = only(say(app, "digest stuk"))
    assert bad.kind == "error"
    assert "'stuk' is not a section, role or person" in bad.text
    assert "decisions | new | moves | interviews | overdue | stuck" in bad.text
    assert "page= needs a section" in only(say(app, "digest page=2")).text
    assert "is not a time like" in only(say(app, "digest new since=yesterday")).text
    refused = only(say(app, "digest stuck senior-backend", who="hina"))
    assert "does not hire for 'senior-backend'" in refused.text
