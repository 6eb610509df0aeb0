"""`hirebot serve --web` and `hirebot worker` on one database, as two apps (two processes
would be the same, tests/e2e/test_worker_split.py runs those): a command the web side
acknowledged is answered at its response_url by the worker, and the card it queued is posted
by the worker's delivery, woken through the database."""

from __future__ import annotations

from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.runtime.server import WEB, WORKER, build_server
from tests.channels.slack.harness import HIRING, Slack, new_trigger, slack_env, text_of
from tests.fakes.slack_api import FakeSlackAPI
from tests.helpers import wait_for


def test_the_worker_answers_and_posts_what_the_web_side_acknowledged(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock, slack_api: FakeSlackAPI
) -> None:
    def app() -> Hirebot:
        return bootstrap(
            config=shipped_config, database_url=database_url, clock=clock, env=slack_env(slack_api)
        )

    web_app, worker_app = app(), app()
    try:
        web = build_server(web_app, role=WEB)
        worker = build_server(worker_app, role=WORKER, scheduler=False)
        paths = {getattr(r, "path", "") for r in worker.asgi().routes}
        assert paths == {"/healthz", "/metrics"}  # no doors on the worker
        worker.start()
        try:
            with TestClient(web.asgi()) as http:  # its lifespan: the announcer runs
                slack = Slack(web_app, web, slack_api, http)
                trigger = new_trigger()
                response = slack.command(
                    'add senior-backend "Ayesha Khan" email=ayesha@example.com',
                    trigger_id=trigger,
                    process=False,  # the web side handles nothing
                )
                assert response.status_code == 200
                assert response.content == b""

                def answered() -> str:
                    calls = slack_api.calls_to("response_url")
                    return "".join(
                        text_of(c.params) for c in calls if c.path.endswith(f"/cmd-{trigger}")
                    )

                assert "Ayesha Khan" in wait_for(answered, "the worker's answer")
                card = wait_for(lambda: slack_api.messages.get(HIRING), "the card in the channel")
                assert "Ayesha Khan" in str(card)
                assert "ayesha@example.com" not in str(card)
        finally:
            worker.stop()
    finally:
        web_app.close()
        worker_app.close()
