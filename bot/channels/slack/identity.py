"""Who hirebot is on Slack (workspace, bot user), learnt from `auth.test` without ever costing
a request.

slack_bolt's own single-workspace authorisation calls `auth.test` on a request until one call
succeeds, and answers Slack "your installation … is no longer available. Please reinstall"
(with no listener run) whenever that call fails: a Slack blip right after a restart would lose
commands. hirebot gives Bolt an `authorize` function instead. The identity is resolved in the
background from start-up, retried with backoff until Slack answers; until then, and whenever a
later lookup fails, a request is authorised with the bot token alone. The request's signature
already proved it came from Slack, and no listener needs the bot's user id (the DM listener
skips bot posts by their `bot_id`), so an authorisation lookup never decides whether an event
is kept.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

log = logging.getLogger(__name__)

FIRST_RETRY = 1.0  # seconds after the first failed auth.test
MAX_RETRY = 60.0  # backoff doubles up to this


class BotIdentity:
    """The bot's identity for Bolt, resolved once (with retries) and never raising."""

    def __init__(
        self, client: WebClient, *, first_retry: float = FIRST_RETRY, max_retry: float = MAX_RETRY
    ) -> None:
        self.client = client  # holds the bot token
        self.first_retry = first_retry
        self.max_retry = max_retry
        self._known: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._resolver: threading.Thread | None = None

    @property
    def resolved(self) -> bool:
        return self._known is not None

    def authorize(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        """Bolt's `authorize`: the identity if known, else the token alone; never a network
        call inside the request, never a refusal. An unresolved identity starts the resolver
        (it may not have been started, e.g. an app driven without `hirebot serve`'s start)."""
        known = self._known
        if known is None:
            self.start()
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id,
                bot_token=self.client.token,
                user_id=user_id,
            )
        return AuthorizeResult(
            enterprise_id=known.get("enterprise_id") or enterprise_id,
            team_id=known.get("team_id") or team_id,
            team=known.get("team"),
            url=known.get("url"),
            bot_user_id=known.get("user_id"),
            bot_id=known.get("bot_id"),
            bot_token=self.client.token,
            user_id=user_id,
        )

    def resolve_once(self) -> bool:
        """One `auth.test`; True once the identity is known."""
        if self._known is not None:
            return True
        try:
            answer = self.client.auth_test()
        except SlackApiError as exc:
            status = exc.response.status_code
            code = exc.response.get("error")
            if status < 500 and status != 429:  # invalid_auth, account_inactive: needs a person
                log.error("slack auth.test refused the bot token (%s): check SLACK_BOT_TOKEN", code)
            else:
                log.warning("slack auth.test failed (%s %s); retrying", status, code)
            return False
        except (SlackRequestError, OSError) as exc:
            log.warning("slack auth.test unreachable (%s); retrying", exc)
            return False
        self._known = dict(answer.data) if isinstance(answer.data, dict) else {}
        log.info(
            "slack identity: bot %s in workspace %s",
            self._known.get("user_id"),
            self._known.get("team_id"),
        )
        return True

    def start(self) -> None:
        """Resolve in the background, retrying with backoff until Slack answers or `stop`."""
        with self._lock:
            if self._known is not None or self._stop.is_set():
                return
            if self._resolver is not None and self._resolver.is_alive():
                return
            self._resolver = threading.Thread(
                target=self._resolve, name="hirebot-slack-identity", daemon=True
            )
            self._resolver.start()

    def _resolve(self) -> None:
        delay = self.first_retry
        while not self._stop.is_set() and not self.resolve_once():
            self._stop.wait(delay)
            delay = min(delay * 2, self.max_retry)

    def wait(self, timeout: float) -> bool:
        """Wait until the identity is known (tests, health checks); True if it is."""
        resolver = self._resolver
        if resolver is not None:
            resolver.join(timeout)
        return self.resolved

    def stop(self) -> None:
        self._stop.set()
        resolver = self._resolver
        if resolver is not None:
            resolver.join(timeout=5)
