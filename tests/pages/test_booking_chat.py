"""Offering interview times from chat: `schedule … slots=…` and the guided flow, the checks on
the times, without the public pages, and an erasure closing an open offer."""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot
from bot.runtime.server import build_server
from bot.services import privacy
from bot.services.context import Actor, Context
from storage.models import BookingOffer
from tests.helpers import click, only, say, text_of
from tests.pages.booking import SLOTS


def _tap(app: Hirebot, reply, label: str):
    value = next(a.value for a in reply.actions if a.label == label)
    return click(app, "flow", value).replies[-1]


def _offers(app: Hirebot) -> list[BookingOffer]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(BookingOffer).order_by(BookingOffer.id)))


def test_bad_times_are_refused_with_what_to_fix(careers: Hirebot):
    say(careers, "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    for slots, message in (
        ("2026-11-20T10:00", "has passed"),
        ("2026-12-07", "is not a time like 2026-12-07T10:00"),
        ("2026-12-07T25:00", "is not a time"),
        ("2026-12-07T10:00,2026-12-07T10:00", "is given twice"),
        (",".join(f"2026-12-{d:02d}T10:00" for d in range(1, 12)), "at most 10"),
    ):
        reply = text_of(say(careers, f"schedule 1 slots={slots} with=hina"))
        assert message in reply, reply
    assert "not both" in text_of(say(careers, f"schedule 1 2026-12-07 10:00 slots={SLOTS}"))
    assert "unknown interviewer 'zed'" in text_of(
        say(careers, f"schedule 1 slots={SLOTS} with=zed")
    )
    assert "you need permission" in text_of(
        say(careers, f"schedule 1 slots={SLOTS} with=hina", who="hina")
    )
    assert _offers(careers) == []


def test_without_the_public_pages_offering_times_says_how_to_switch_them_on(app: Hirebot):
    say(app, "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    reply = text_of(say(app, f"schedule 1 slots={SLOTS} with=hina"))
    assert "set HIREBOT_PUBLIC_URL" in reply
    assert _offers(app) == []


def test_the_guided_flow_offers_several_times(careers: Hirebot):
    say(careers, "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    prompt = only(say(careers, "schedule 1"))
    assert "Or several times for the candidate to pick from" in prompt.text
    who = only(say(careers, "2026-12-07T10:00, 2026-12-08T11:00"))
    who = _tap(careers, who, "Hina Baig")
    duration = _tap(careers, who, "Done")
    where = _tap(careers, duration, "45m")
    confirm = only(say(careers, "skip")) if where.text.startswith("Where?") else where
    assert confirm.text == "Offer these times to applicant #1?"
    assert "Time: 07 Dec 2026 10:00 PKT" in confirm.lines
    done = _tap(careers, confirm, "Offer times")
    assert "Offered 2 time(s) for the screening interview of #1 with Hina Baig" in done.text
    link = next(f for f in done.fields if f.label == "Booking link")
    assert link.private
    assert link.value.startswith("http://testserver/book/")
    [offer] = _offers(careers)
    assert (offer.duration_minutes, offer.status) == (45, "open")


def test_an_erasure_closes_an_open_offer(careers: Hirebot):
    say(careers, "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    reply = text_of(say(careers, f"schedule 1 slots={SLOTS} with=hina"))
    link = re.search(r"http://testserver(/book/\S+)", reply)
    assert link
    http = TestClient(build_server(careers, runtimes=[], scheduler=False).asgi())
    assert "Pick a time" in http.get(link.group(1)).text
    with careers.uow() as uow:
        ctx = Context(uow, careers.catalog, careers.clock, Actor("system", "cli"), "t", frozenset())
        report = privacy.erase(ctx, 1)
        uow.commit()
    assert report.rows_changed["booking_offers"] == 1
    closed = http.get(link.group(1))
    assert closed.status_code == 410
    assert "This link no longer works" in closed.text
