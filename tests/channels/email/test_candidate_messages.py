"""Messages to candidates through the console's dispatcher: drafted from the role's templates,
reviewed (Send / Edit / Don't send, Send all for a bulk), delivered to the real SMTP server,
and the text sent in `history`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.messages.reply import Reply
from bot.runtime.server import Server
from storage.models import OutboxMessage
from tests.channels.email.test_invitations import CANDIDATE, SANA, deliver, only_to, part
from tests.fakes.smtp_server import SmtpServer
from tests.helpers import click, only, say, text_of


def tap(app: Hirebot, reply: Reply, label: str, answer: str | None = None) -> Reply:
    action = next(a for a in reply.actions if a.label.startswith(label))
    return only(click(app, action.id, action.value, answer=answer))


def add(app: Hirebot, name: str, email: str) -> None:
    assert only(say(app, f"add senior-backend '{name}' email={email}")).kind == "success"


def drafts(app: Hirebot) -> list[OutboxMessage]:
    with app.uow() as uow:
        return list(
            uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel == "email")
                .order_by(OutboxMessage.id)
            )
        )


def test_a_rejection_is_drafted_reviewed_and_sent_once(
    mail_app: Hirebot, server: Server, smtp: SmtpServer
) -> None:
    add(mail_app, "Ayesha Khan", CANDIDATE)
    draft = only(say(mail_app, "email 1 rejection"))
    assert (
        draft.title
        == "Draft e-mail to #1 Ayesha Khan: Your application for Senior Backend Engineer"
    )
    assert draft.text.startswith("Dear Ayesha,")
    assert "Sana Mirza" in draft.text
    assert CANDIDATE not in text_of(say(mail_app, "email 1 rejection"))  # never the address
    assert [a.label for a in draft.actions] == ["Send", "Edit", "Don't send"]
    deliver(server)
    assert smtp.received == []  # a draft waits for the recruiter

    sent = tap(mail_app, draft, "Send")
    assert sent.kind == "success", sent.text
    again = tap(mail_app, draft, "Send")  # a double tap
    assert again.kind == "error"
    assert "sent already" in again.text
    deliver(server)
    message = only_to(smtp, CANDIDATE)
    assert message["Subject"] == "Your application for Senior Backend Engineer"
    assert message["Reply-To"].addresses[0].addr_spec == SANA
    assert "not to move forward" in part(message, "text/plain").get_content()
    history = text_of(say(mail_app, "history 1"))
    assert "e-mailed Ayesha Khan (reviewed): Your application for" in history
    assert "Dear Ayesha" in history


def test_edit_replaces_the_text_and_dont_send_sends_nothing(
    mail_app: Hirebot, server: Server, smtp: SmtpServer
) -> None:
    add(mail_app, "Ayesha Khan", CANDIDATE)
    draft = only(say(mail_app, "email 1 free See you <b>Monday</b> at 10"))
    assert "See you <b>Monday</b> at 10" in draft.text
    edited = tap(mail_app, draft, "Edit", answer="Dear Ayesha,\n\nSee you on Tuesday instead.")
    assert edited.text == "Dear Ayesha,\n\nSee you on Tuesday instead.\n"
    assert only(click(mail_app, "mail_edit", draft.actions[0].value, answer="  ")).kind == "error"
    tap(mail_app, edited, "Send")
    deliver(server)
    message = only_to(smtp, CANDIDATE)
    assert (
        part(message, "text/plain")
        .get_content()
        .replace("\r\n", "\n")
        .startswith("Dear Ayesha,\n\nSee you on Tuesday instead.\n\nNo more e-mails like this")
    )
    assert "Monday" not in part(message, "text/html").get_content()

    second = only(say(mail_app, "email 1 rejection"))
    dropped = tap(mail_app, second, "Don't send")
    assert dropped.kind == "success"
    late = tap(mail_app, second, "Send")
    assert "was not sent" in late.text
    deliver(server)
    assert len(smtp.to(CANDIDATE)) == 1
    assert "did not send the e-mail draft" in text_of(say(mail_app, "history 1"))


def test_ten_rejections_are_ten_personal_drafts_sent_in_one_tap(
    mail_app: Hirebot, server: Server, smtp: SmtpServer
) -> None:
    for n in range(1, 11):
        add(mail_app, f"Candidate{n} Test", f"c{n}@example.org")
    replies = say(
        mail_app, "email " + ",".join(str(n) for n in range(1, 11)) + " rejection"
    ).replies
    assert len(replies) == 11
    assert replies[3].text.startswith("Dear Candidate4,")
    summary = replies[-1]
    assert summary.actions[0].label == "Send all 10"
    tap(mail_app, replies[2], "Send")  # one sent on its own first
    done = tap(mail_app, summary, "Send all")
    assert "Sent 9 e-mails" in done.text
    assert tap(mail_app, summary, "Send all").kind == "error"  # a second tap
    deliver(server)
    assert sorted(r.recipients[0] for r in smtp.received) == sorted(
        f"c{n}@example.org" for n in range(1, 11)
    )
    for n in (1, 7):
        text = part(only_to(smtp, f"c{n}@example.org"), "text/plain").get_content()
        assert text.startswith(f"Dear Candidate{n},")


def test_refusals_name_the_problem_and_draft_nothing(mail_app: Hirebot) -> None:
    add(mail_app, "Ayesha Khan", CANDIDATE)
    assert only(say(mail_app, "add senior-backend 'No Mail'")).kind == "success"
    cases = {
        "email 1 rejectoin": "messages are received",
        "email 1,2 rejection": "#2 has no e-mail address",
        "email 1 invitation": "cannot be written for #1",  # no interview scheduled
        "email 1 free": "needs its text",
        "email 99 rejection": "99",
        "email 1": "usage",
    }
    for line, said in cases.items():
        reply = only(say(mail_app, line))
        assert reply.kind == "error", line
        assert said in reply.text, (line, reply.text)
    assert drafts(mail_app) == []
    assert only(say(mail_app, "email 1 rejection", who="hina")).kind == "error"  # permission


def test_without_email_set_up_the_command_says_so(app: Hirebot) -> None:
    say(app, f"add senior-backend 'Ayesha Khan' email={CANDIDATE}")
    reply = only(say(app, "email 1 rejection"))
    assert "e-mail is not set up" in reply.text


@pytest.fixture
def unreviewed_app(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock, mail_app: Hirebot
) -> Hirebot:
    """The shipped role, set to send its messages without review."""
    data = shipped_config.model_dump(mode="json", exclude_none=True, by_alias=True)
    data["roles"][0]["candidate_messages"] = {
        "send_unreviewed": True,
        "templates": {"received": {"subject": "Hi {{ candidate.first_name }}", "body": "Got it."}},
    }
    config = HirebotConfig.model_validate(data)
    return bootstrap(
        config=config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=mail_app.env,
    )


def test_a_role_may_send_unreviewed_with_its_own_wording(
    unreviewed_app: Hirebot, smtp: SmtpServer
) -> None:
    add(unreviewed_app, "Ayesha Khan", CANDIDATE)
    reply = only(say(unreviewed_app, "email 1 received"))
    assert reply.kind == "success"
    assert "without review" in reply.text
    from bot.runtime.server import build_server

    build_server(unreviewed_app, scheduler=False).delivery.run_pending()
    message = only_to(smtp, CANDIDATE)
    assert message["Subject"] == "Hi Ayesha"
    assert part(message, "text/plain").get_content().startswith("Got it.\r\n")
    unreviewed_app.close()
