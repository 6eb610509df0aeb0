"""Roles from chat through the Telegram webhook: a hiring manager opens a role with its own
group, a new applicant's card reaches that group at once and the group is answered there from
then on (no restart); closing it lists the open applicants; an interviewer is refused."""

from __future__ import annotations

from tests.channels.telegram.conftest import HINA, OMAR, SANA, Telegram

LEADS = -1001000000777


def test_a_role_opened_from_chat_gets_cards_in_its_group_at_once(telegram: Telegram) -> None:
    telegram.say(
        f'/role open backend-lead from=senior-backend title="Backend Lead" channel={LEADS}',
        user=OMAR,
    )
    telegram.deliver()
    assert "Opened Backend Lead (backend-lead)" in telegram.last(OMAR)
    assert telegram.hirebot.catalog.role("backend-lead").channels["telegram"] == str(LEADS)

    telegram.say('/add backend-lead "Ayesha Khan" email=ayesha@example.com')
    telegram.deliver()
    assert "Added #1 Ayesha Khan to Backend Lead" in telegram.last(SANA)
    card = telegram.last(LEADS)
    assert "Ayesha Khan" in card
    assert "ayesha@example.com" not in card

    # its group is a role group now: commands typed there are taken (answered privately)
    telegram.say("/role close backend-lead", user=OMAR, chat=LEADS)
    telegram.deliver()
    closed = telegram.last(OMAR)
    assert "Closed Backend Lead (backend-lead) to new applications" in closed
    assert "#1 Ayesha Khan — Applied" in closed

    telegram.say('/role open x-lead from=senior-backend title="X"', user=HINA)
    telegram.deliver()
    assert "only admins and hiring managers can open roles" in telegram.last(HINA)
    telegram.say(f"/role set senior-backend channel={LEADS}x")
    telegram.deliver()
    assert "is not a Telegram chat id" in telegram.last(SANA)
