"""The links in candidate e-mails, end to end: the offer e-mail's Accept / Decline links (signed,
single-use, expiring) answered on the page `hirebot serve` serves, and unsubscribing."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot
from bot.clock import FrozenClock
from bot.links.signing import LinkSigner
from bot.runtime.server import Server
from storage.models import Applicant, Offer
from tests.channels.email.conftest import PUBLIC_URL
from tests.channels.email.test_invitations import CANDIDATE, deliver, only_to, part
from tests.fakes.smtp_server import SmtpServer
from tests.helpers import click, inbox, only, say, text_of

GOOD = "pay=12500 start=2027-01-10 terms=scope,ip,confidentiality"


def approved_offer(app: Hirebot, email: str = CANDIDATE, name: str = "Ayesha Khan") -> int:
    added = only(say(app, f"add senior-backend '{name}' email={email}"))
    applicant_id = int(added.text.split("#")[1].split()[0])
    for _ in range(4):
        say(app, f"advance {applicant_id}")
    say(app, f"offer {applicant_id} {GOOD}")
    with app.uow() as uow:
        offer = uow.session.scalars(select(Offer).where(Offer.applicant_id == applicant_id)).one()
        offer_id = offer.id
    assert only(say(app, f"offer approve {offer_id}", who="omar")).kind == "success"
    return applicant_id


def send_offer_mail(app: Hirebot, server: Server, applicant_id: int) -> str:
    draft = only(say(app, f"email {applicant_id} offer"))
    assert "USD 12,500.00 per month" in draft.text
    send = next(a for a in draft.actions if a.label == "Send")
    assert only(click(app, send.id, send.value)).kind == "success"
    deliver(server)
    return draft.title


def links_in(text: str) -> dict[str, str]:
    found = dict(re.findall(r"To (accept|decline)[^:]*: (\S+)", text))
    return {k: v.removeprefix(PUBLIC_URL) for k, v in found.items()}


def status_of(app: Hirebot, offer_id: int = 1) -> str:
    with app.uow() as uow:
        offer = uow.offers.get(offer_id)
        assert offer is not None
        return offer.status


def test_accept_once_by_the_link(mail_app: Hirebot, server: Server, smtp: SmtpServer) -> None:
    approved_offer(mail_app)
    send_offer_mail(mail_app, server, 1)
    message = only_to(smtp, CANDIDATE)
    links = links_in(part(message, "text/plain").get_content())
    assert set(links) == {"accept", "decline"}
    assert 'href="https://hirebot.example/links/offer/' in part(message, "text/html").get_content()
    web = TestClient(server.asgi())

    shown = web.get(links["accept"])  # opening the link (a mail scanner too) changes nothing
    assert shown.status_code == 200
    assert "Accept the offer" in shown.text
    assert status_of(mail_app) == "approved"

    done = web.post(links["accept"])
    assert done.status_code == 200
    assert "Your acceptance is recorded" in done.text
    assert status_of(mail_app) == "accepted"
    with mail_app.uow() as uow:
        applicant = uow.applicants.get(1)
        assert applicant is not None
        assert applicant.stage == "hired"
    told = [r for r in inbox(mail_app, "sana") if r.title == "Offer #1 accepted"]
    assert len(told) == 1
    assert "by e-mail link" in text_of(say(mail_app, "history 1"))

    again = web.post(links["accept"])
    assert again.status_code == 410
    assert "used already" in again.text
    other = web.post(links["decline"])  # the other link of an answered offer
    assert other.status_code == 409
    assert status_of(mail_app) == "accepted"


def test_forged_altered_and_expired_links_change_nothing(
    mail_app: Hirebot, server: Server, smtp: SmtpServer, clock: FrozenClock
) -> None:
    approved_offer(mail_app)
    send_offer_mail(mail_app, server, 1)
    links = links_in(part(only_to(smtp, CANDIDATE), "text/plain").get_content())
    web = TestClient(server.asgi())
    forged = LinkSigner("a-different-secret-key-entirely", PUBLIC_URL).offer_answer(
        1, "accept", clock.now()
    )
    for path in (forged.removeprefix(PUBLIC_URL), links["accept"][:-3] + "abc"):
        response = web.post(path)
        assert response.status_code == 400
        assert "not one hirebot made" in response.text
    clock.advance(timedelta(days=15))
    expired = web.post(links["decline"], data={"reason": "took another job"})
    assert expired.status_code == 400
    assert "expired" in expired.text
    assert status_of(mail_app) == "approved"


def test_decline_with_a_reason(mail_app: Hirebot, server: Server, smtp: SmtpServer) -> None:
    approved_offer(mail_app)
    send_offer_mail(mail_app, server, 1)
    links = links_in(part(only_to(smtp, CANDIDATE), "text/plain").get_content())
    web = TestClient(server.asgi())
    assert "Would you tell us why?" in web.get(links["decline"]).text
    done = web.post(links["decline"], data={"reason": "relocating <b>abroad</b>"})
    assert done.status_code == 200
    assert status_of(mail_app) == "declined"
    with mail_app.uow() as uow:
        offer = uow.offers.get(1)
        assert offer is not None
        assert offer.decision_reason == "relocating <b>abroad</b>"


def test_unsubscribe_stops_non_essential_mail_only(
    mail_app: Hirebot, server: Server, smtp: SmtpServer
) -> None:
    say(mail_app, f"add senior-backend 'Ayesha Khan' email={CANDIDATE}")
    draft = only(say(mail_app, "email 1 received"))
    click(mail_app, "mail_send", draft.actions[0].value)
    deliver(server)
    message = only_to(smtp, CANDIDATE)
    header = str(message["List-Unsubscribe"])
    assert header.startswith(f"<{PUBLIC_URL}/links/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = header.strip("<>").removeprefix(PUBLIC_URL)
    web = TestClient(server.asgi())
    assert "Unsubscribe" in web.get(path).text
    # What a mail client's one-click unsubscribe sends (RFC 8058).
    assert web.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    with mail_app.uow() as uow:
        applicant = uow.session.get(Applicant, 1)
        assert applicant is not None
        assert applicant.unsubscribed_at is not None
    refused = only(say(mail_app, "email 1 free Any news?"))
    assert refused.kind == "error"
    assert "unsubscribed" in refused.text
    assert only(say(mail_app, "email 1 rejection")).kind != "error"  # essential still goes
