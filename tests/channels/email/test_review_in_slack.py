"""The review step in Slack, through signed requests against the fake Web API: the draft with
its Send / Edit / Don't send buttons, Edit in a modal, and the e-mail at the real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.runtime.server import build_server
from tests.channels.email.conftest import MAIL_FROM
from tests.channels.email.test_invitations import CANDIDATE, only_to, part
from tests.channels.slack.harness import Slack, slack_env, text_of
from tests.fakes.slack_api import FakeSlackAPI, validate_blocks, validate_view
from tests.fakes.smtp_server import SmtpServer


@pytest.fixture
def slack_mail(
    database_url: str,
    shipped_config: HirebotConfig,
    clock: FrozenClock,
    smtp: SmtpServer,
) -> Iterator[Slack]:
    with FakeSlackAPI() as api:
        env = slack_env(
            api,
            HIREBOT_SMTP_URL=smtp.url,
            HIREBOT_MAIL_FROM=MAIL_FROM,
            HIREBOT_SMTP_PER_MINUTE="60000",
        )
        hirebot: Hirebot = bootstrap(
            config=shipped_config, database_url=database_url, clock=clock, env=env
        )
        server = build_server(hirebot)
        yield Slack(hirebot, server, api, TestClient(server.asgi()))
        for runtime in server.runtimes:
            runtime.stop()
        hirebot.close()


def answer_with(slack: Slack, trigger: str, starts: str) -> dict[str, Any]:
    for call in slack.answers(trigger):
        if starts in text_of(call.params):
            found: dict[str, Any] = call.params
            return found
    raise AssertionError(f"no answer with {starts!r}")


def test_a_draft_is_sent_after_an_edit_in_a_modal(slack_mail: Slack, smtp: SmtpServer) -> None:
    slack = slack_mail
    assert "Added #1" in slack.ask(f"add senior-backend 'Ayesha Khan' email={CANDIDATE}")
    slack.command("email 1 rejection", trigger_id="t-draft")
    draft = answer_with(slack, "cmd-t-draft", "Draft e-mail to #1")
    assert validate_blocks(draft["blocks"]) == []
    assert CANDIDATE not in text_of(draft)

    slack.api.reset()
    assert slack.click(draft, "mail_edit").status_code == 200
    [opened] = slack.api.calls_to("views.open")
    assert validate_view(opened.params["view"]) == []
    view = opened.response["view"]
    done = slack.submit(view, {"input": "Dear Ayesha,\n\nWe went another way. Thank you!"})
    assert done.status_code == 200
    assert "We went another way" in text_of(done.json()["view"])
    slack.deliver()
    assert smtp.received == []

    assert slack.click(draft, "mail_send", trigger_id="t-send").status_code == 200
    slack.deliver()
    assert "Sent to #1 Ayesha Khan" in slack.answer("act-t-send")
    message = only_to(smtp, CANDIDATE)
    assert "We went another way" in part(message, "text/plain").get_content()
