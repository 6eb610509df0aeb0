"""The candidate e-mails hirebot drafts without being asked: "application received" when the
careers page takes an application, and the kind rejection when an applicant is rejected (one
each in a bulk rejection). Each is a draft put in front of the role's recruiter in chat, sent
only once they press Send."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.messages.reply import Reply
from bot.runtime.server import Server, build_server
from tests.channels.email.conftest import PUBLIC_URL
from tests.channels.email.test_invitations import CANDIDATE, deliver, only_to, part
from tests.fakes.smtp_server import SmtpServer
from tests.helpers import click, inbox, only, say

OTHER = "bilal.ahmed@example.org"


def drafts_for(app: Hirebot, who: str) -> list[Reply]:
    return [r for r in inbox(app, who) if r.title and r.title.startswith("Draft e-mail to")]


def press(app: Hirebot, draft: Reply, label: str) -> Reply:
    action = next(a for a in draft.actions if a.label == label)
    return only(click(app, action.id, action.value))


def test_a_rejection_drafts_the_kind_e_mail_for_the_recruiter(
    mail_app: Hirebot, server: Server, smtp: SmtpServer, clock: FrozenClock
) -> None:
    assert only(say(mail_app, f"add senior-backend 'Ayesha Khan' email={CANDIDATE}")).kind == (
        "success"
    )
    assert only(say(mail_app, "reject 1 reason=role-filled")).kind == "success"
    mail_app.tasks.run_due(clock.now())
    mail_app.tasks.run_due(clock.now())  # a second pass drafts nothing more
    [draft] = drafts_for(mail_app, "sana")
    assert draft.title == (
        "Draft e-mail to #1 Ayesha Khan: Your application for Senior Backend Engineer"
    )
    assert CANDIDATE not in (draft.text or "")
    deliver(server)
    assert smtp.to(CANDIDATE) == []  # nothing reaches the candidate unreviewed

    assert press(mail_app, draft, "Send").kind == "success"
    deliver(server)
    message = only_to(smtp, CANDIDATE)
    assert "not to move forward" in part(message, "text/plain").get_content()


def test_a_bulk_rejection_drafts_one_personal_e_mail_each(
    mail_app: Hirebot, server: Server, smtp: SmtpServer, clock: FrozenClock
) -> None:
    say(mail_app, f"add senior-backend 'Ayesha Khan' email={CANDIDATE}")
    say(mail_app, f"add senior-backend 'Bilal Ahmed' email={OTHER}")
    say(mail_app, "reject 1 2 reason=role-filled")
    mail_app.tasks.run_due(clock.now())
    drafts = drafts_for(mail_app, "sana")
    assert [d.title for d in drafts] == [
        "Draft e-mail to #1 Ayesha Khan: Your application for Senior Backend Engineer",
        "Draft e-mail to #2 Bilal Ahmed: Your application for Senior Backend Engineer",
    ]
    assert (drafts[0].text or "").startswith("Dear Ayesha,")
    assert (drafts[1].text or "").startswith("Dear Bilal,")
    assert press(mail_app, drafts[1], "Don't send").kind == "success"
    assert press(mail_app, drafts[0], "Send").kind == "success"
    deliver(server)
    assert len(smtp.to(CANDIDATE)) == 1
    assert smtp.to(OTHER) == []


def test_without_e_mail_a_rejection_plans_nothing(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
) -> None:
    app = bootstrap(
        config=shipped_config, database_url=database_url, clock=clock, channels=("console",)
    )
    try:
        say(app, f"add senior-backend 'Ayesha Khan' email={CANDIDATE}")
        assert only(say(app, "reject 1 reason=role-filled")).kind == "success"
        with app.uow() as uow:
            kinds = [t.kind for t in uow.tasks.pending_for("applicant:1")]
        assert "candidate.rejection_mail" not in kinds
        assert drafts_for(app, "sana") == []
    finally:
        app.close()


@pytest.fixture
def client(mail_app: Hirebot) -> Iterator[TestClient]:
    server = build_server(mail_app, runtimes=[], scheduler=False)
    with TestClient(server.asgi(), base_url=PUBLIC_URL) as http:
        yield http


def test_an_application_from_the_careers_page_drafts_the_received_e_mail(
    mail_app: Hirebot, client: TestClient, server: Server, smtp: SmtpServer, clock: FrozenClock
) -> None:
    page = client.get("/jobs/senior-backend/apply")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    form = {
        "csrf_token": token.group(1),
        "name": "Ayesha Khan",
        "email": CANDIDATE,
        "consent": "yes",
    }
    answer = client.post("/jobs/senior-backend/apply", data=form, follow_redirects=False)
    assert answer.status_code in (200, 303), answer.text
    mail_app.tasks.run_due(clock.now())
    [draft] = drafts_for(mail_app, "sana")
    assert draft.title == (
        "Draft e-mail to #1 Ayesha Khan: We received your application for Senior Backend Engineer"
    )
    assert press(mail_app, draft, "Send").kind == "success"
    deliver(server)
    message = only_to(smtp, CANDIDATE)
    assert message["Subject"] == "We received your application for Senior Backend Engineer"
