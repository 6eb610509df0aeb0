"""Offering interview times to a candidate warns about each time an interviewer on the panel
is away (services/absence.py); the times are still offered."""

from __future__ import annotations

from bot.bootstrap import Hirebot
from tests.helpers import only, say, text_of
from tests.pages.booking import SLOTS


def test_each_offered_time_inside_an_absence_is_warned(careers: Hirebot) -> None:
    say(careers, "add senior-backend 'Ayesha Khan' email=ayesha@example.com")
    assert only(say(careers, "people off hina until=2026-12-07")).kind == "success"
    reply = text_of(say(careers, f"schedule 1 slots={SLOTS} with=hina,lucas"))
    assert "http://testserver/book/" in reply  # offered all the same
    assert "⚠ 07 Dec 2026 10:00 PKT: Hina Baig is away until 07 Dec 2026" in reply
    assert "⚠ 07 Dec 2026 15:00 PKT: Hina Baig is away until 07 Dec 2026" in reply
    assert "08 Dec 2026 11:00 PKT: Hina Baig" not in reply  # she is back by then
    assert "Lucas Meyer is away" not in reply
