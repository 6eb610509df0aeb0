"""Audit summaries keep no email or phone number, whichever path wrote them: a note through
the intake API (over HTTP), a note and a command in chat. One redaction serves them all."""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot
from storage.models import AuditEvent
from tests.api.conftest import AUTH
from tests.helpers import say

NATIONAL = "3017654321"  # +92 301 7654321


def test_audit_summaries_redact_phone_numbers_from_every_path(
    client: TestClient, api_hirebot: Hirebot
) -> None:
    """A note through the intake API, a note and a command in chat: one redaction for all, and
    times and dates stay as written."""
    response = client.post(
        "/api/applicants",
        json={
            "role": "senior-backend",
            "name": "Ayesha Khan",
            "email": "ayesha@example.com",
            "note": "API note: call +92 301 7654321",
        },
        headers=AUTH,
    )
    assert response.status_code == 201, response.text
    say(api_hirebot, "note 1 or try 0301-765 4321, or Ayesha@Example.com")
    say(api_hirebot, "schedule 1 2026-11-24 15:00 with=hina stage=screening duration=30m")
    with api_hirebot.uow() as uow:
        summaries = [e.summary for e in uow.session.scalars(select(AuditEvent))]
    joined = "\n".join(summaries)
    assert "api noted: API note: call …" in joined
    assert "or try …, or …" in joined
    assert NATIONAL not in re.sub(r"\D", "", joined)
    assert "example.com" not in joined.lower()
    assert "schedule 1 2026-11-24 15:00 with=hina" in joined  # no "…:00"
