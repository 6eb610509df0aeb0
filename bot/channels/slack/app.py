"""Builds the slack_bolt App: one client, explicit listener registration, nothing else.

`process_before_response=True` runs each listener before the HTTP response is written, so the
ack can carry the answer (a command's reply, a modal's errors) and nothing is left running in
Bolt's thread pool after the response. Listeners are fast (one database transaction), which
keeps the ack inside Slack's 3 seconds; posting to Slack happens in the delivery worker.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.channels.slack import actions, commands, events, home, shortcuts, views
from bot.channels.slack.bridge import Bridge
from bot.channels.slack.identity import BotIdentity
from bot.channels.slack.kept_alive import KeptAliveWebClient
from bot.channels.slack.settings import SlackSettings

SEND_TIMEOUT = 10  # the delivery worker's posts: a timeout is retried later
PROTOCOL_TIMEOUT = 2  # views.open/publish inside a listener: the ack must leave within 3 s


def web_client(
    settings: SlackSettings, *, timeout: int = SEND_TIMEOUT, with_token: bool = True
) -> WebClient:
    """A Web API client at SLACK_API_URL (GovSlack, or a local fake in tests). Rate limits are
    not retried here: the delivery worker reschedules on Retry-After."""
    token = settings.bot_token if with_token else None
    return WebClient(token=token, base_url=settings.api_url, timeout=timeout)


def kept_alive_client(settings: SlackSettings) -> KeptAliveWebClient:
    """The bot token's client for delivery (and the user directory): one pool of kept-alive
    connections instead of a connection per call. The identity's one auth.test at start goes
    through `web_client`, so a server that has posted nothing yet has not loaded aiohttp."""
    return KeptAliveWebClient(
        token=settings.bot_token, base_url=settings.api_url, timeout=SEND_TIMEOUT
    )


def build_app(settings: SlackSettings, bridge: Bridge, identity: BotIdentity) -> App:
    """Signature checks are on whenever a signing secret is set (always, for HTTP mode).

    Authorisation is `identity.authorize`, which cannot fail a request (see identity.py), so
    Bolt never answers "please reinstall" and drops the event when auth.test has a blip. Its
    listeners' clients get the bot token from there; the App's own client carries none.
    """

    def authorize(
        enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        # A plain function: Bolt passes arguments by the names in its signature.
        return identity.authorize(enterprise_id, team_id, user_id)

    app = App(
        client=web_client(settings, timeout=PROTOCOL_TIMEOUT, with_token=False),
        authorize=authorize,
        signing_secret=settings.signing_secret or "",
        request_verification_enabled=bool(settings.signing_secret),
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
        name="hirebot",
    )
    for surface in (commands, actions, views, shortcuts, events, home):
        surface.register(app, bridge)
    return app
