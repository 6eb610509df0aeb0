"""`people off|back` from Telegram: webhook updates in, answers out through the fake Bot API;
an admin sets someone away, an interviewer is refused, and the group never hears of it."""

from __future__ import annotations

from tests.channels.telegram.conftest import GROUP, HINA, SANA, Telegram


def test_an_admin_sets_someone_away_and_an_interviewer_cannot(telegram: Telegram) -> None:
    telegram.say("/people off hina until=2026-12-24", user=HINA)
    telegram.deliver()
    assert "you need permission to administer hirebot" in telegram.last(HINA)

    telegram.say("/people off hina until=2026-12-24")
    telegram.deliver()
    assert "Hina Baig (hina) is away until 24 Dec 2026 (Asia/Karachi)" in telegram.last(SANA)
    telegram.say("/whoami", user=HINA)
    telegram.deliver()
    assert "Away: until 24 Dec 2026" in telegram.last(HINA)

    telegram.say("/people off hina until=yesterday")
    telegram.deliver()
    assert "until= takes a date like 2026-12-24" in telegram.last(SANA)
    telegram.say("/people back hina")
    telegram.deliver()
    assert "Hina Baig (hina) is back" in telegram.last(SANA)
    assert telegram.texts(GROUP) == []
