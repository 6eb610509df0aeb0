"""Self-scheduling in a real Chromium: the candidate sees the offered times in their own
timezone (detected by the page's one script), books one, and the recruiter hears of it; a time
taken meanwhile, an expired or forged link, and asking for other times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from bot.clock import FrozenClock
from storage.models import Person, ScheduledTask
from tests.pages.booking import interviews, offered, told
from tests.pages.conftest import Site, screenshot

pytestmark = pytest.mark.browser


def _candidate(chromium: Browser, site: Site, timezone: str) -> Page:
    context = chromium.new_context(
        base_url=site.url, timezone_id=timezone, viewport={"width": 420, "height": 900}
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.on("dialog", lambda d: pytest.fail(f"a script ran: {d.message}"))
    return page


def test_self_scheduling_in_the_candidates_timezone(chromium: Browser, site: Site):
    applicant_id, link, reply = offered(site.hirebot, "Ayesha Khan", "ayesha@example.com")
    # Lucas works in Berlin: 10:00 in Karachi is 06:00 there.
    assert "Lucas Meyer: 07 Dec 2026 06:00 CET is outside their working hours" in reply

    page = _candidate(chromium, site, "America/New_York")
    try:
        page.goto(link)
        # The script saw New York and asked for the times there (10:00 PKT is 00:00 EST).
        expect(page).to_have_url(f"{link}?tz=America%2FNew_York")
        expect(page.get_by_label("Show the times in")).to_have_value("America/New_York")
        expect(page.get_by_label("Mon 7 Dec 2026, 00:00 – 01:00 EST")).to_be_visible()
        screenshot(page, "book")
        page.get_by_label("Mon 7 Dec 2026, 05:00 – 06:00 EST").check()
        page.get_by_role("button", name="Book this time").click()
        expect(page.get_by_role("heading", name="Your interview is booked")).to_be_visible()
        expect(page.get_by_text("Mon 7 Dec 2026, 05:00 – 06:00 EST")).to_be_visible()
        screenshot(page, "booked")

        [interview] = interviews(site.hirebot)
        assert interview.applicant_id == applicant_id
        assert interview.starts_at == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
        assert interview.stage == "screening"
        assert sorted(p.person_id for p in interview.panelists) == sorted(
            p.id for p in _people(site, "hina", "lucas")
        )
        with site.hirebot.uow() as uow:
            kinds = {t.kind for t in uow.session.scalars(select(ScheduledTask))}
        assert {"interview.prep", "interview.feedback_request"} <= kinds
        [note] = told(site.hirebot, "booked: Ayesha Khan")
        assert "picked 07 Dec 2026 15:00 PKT" in note
        assert told(site.hirebot, f"Interview #{interview.id}: Ayesha Khan")  # the panel

        page.goto(link)
        expect(page.get_by_role("heading", name="This link was used")).to_be_visible()
    finally:
        page.context.close()


def _people(site: Site, *keys: str) -> list[Person]:
    with site.hirebot.uow() as uow:
        return [p for k in keys if (p := uow.people.by_key(k)) is not None]


def test_a_time_taken_meanwhile_an_expired_link_and_other_times(
    chromium: Browser, site: Site, clock: FrozenClock
):
    _first, first_link, _ = offered(site.hirebot, "Bilal Ahmed", "bilal@example.com")
    _second, second_link, _ = offered(site.hirebot, "Zara Shah", "zara@example.com")
    first = _candidate(chromium, site, "Asia/Karachi")
    second = _candidate(chromium, site, "Asia/Karachi")
    try:
        second.goto(second_link)  # Zara has the page open while Bilal books
        first.goto(first_link)
        first.get_by_label("Mon 7 Dec 2026, 10:00 – 11:00 PKT").check()
        first.get_by_role("button", name="Book this time").click()
        expect(first.get_by_role("heading", name="Your interview is booked")).to_be_visible()

        second.get_by_label("Mon 7 Dec 2026, 10:00 – 11:00 PKT").check()
        second.get_by_role("button", name="Book this time").click()
        expect(second.get_by_role("alert")).to_contain_text("that time was just taken")
        expect(second.get_by_label("Mon 7 Dec 2026, 10:00 – 11:00 PKT")).to_have_count(0)
        expect(second.get_by_label("Mon 7 Dec 2026, 15:00 – 16:00 PKT")).to_be_visible()
        screenshot(second, "book-taken")
        assert len(interviews(site.hirebot)) == 1

        second.get_by_label("Which days or times would suit you?").fill(
            "Any evening after 18:00 <b>PKT</b>, or Saturday"
        )
        second.get_by_role("button", name="Ask for other times").click()
        expect(second.get_by_role("heading", name="Message sent")).to_be_visible()
        [note] = told(site.hirebot, "Zara Shah (Senior Backend Engineer) asks for other")
        assert "Any evening after 18:00 <b>PKT</b>, or Saturday" in note

        second.goto(second_link[:-3] + "abc")
        expect(second.get_by_role("heading", name="This link does not work")).to_be_visible()
        clock.advance(timedelta(days=8))
        second.goto(second_link)
        expect(second.get_by_role("heading", name="This link has expired")).to_be_visible()
        assert len(interviews(site.hirebot)) == 1
    finally:
        first.context.close()
        second.context.close()
