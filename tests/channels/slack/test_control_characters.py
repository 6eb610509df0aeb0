"""A pasted control character (a NUL above all, which PostgreSQL refuses in text) never makes a
command fail or go unrecorded: the person gets their answer and the audit log its record."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEvent
from tests.channels.slack.harness import Slack


def test_a_nul_in_a_command_is_answered_and_recorded(slack: Slack) -> None:
    added = slack.ask("add senior-backend 'Ayesha\x00 Khan' email=ayesha@example.com")
    assert "Added #1 Ayesha Khan" in added
    noted = slack.ask("note 1 strong\x00 on\x07 SQL")
    assert "Noted on #1" in noted
    assert "went wrong" not in added + noted
    with slack.hirebot.uow() as uow:
        summaries = [e.summary for e in uow.session.scalars(select(AuditEvent))]
    assert any("note 1 strong on SQL" in s for s in summaries)
    assert not [s for s in summaries if "\x00" in s or "\x07" in s]
