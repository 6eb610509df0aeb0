"""Slack's user directory for the core (bot/domain/user_directory.py): a mention is `<@U…>` (or
`<@U…|name>`), looked up with `users.info`; an e-mail address with `users.lookupByEmail`.

Both go through the runtime's WebClient. `users.info` needs the `users:read` scope and shows
`profile.email` only with `users:read.email`; `users.lookupByEmail` needs `users:read.email`
and answers `users_not_found` for an address nobody in the workspace has (`users.info`:
`user_not_found`). A deactivated account (`deleted`) or a bot is nobody to add. A refusal
(missing_scope, a rate limit, Slack unreachable) becomes `DirectoryUnavailable`, naming what
to grant or when to retry, never a guess.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.channels.slack.bridge import CHANNEL
from bot.domain.user_directory import DirectoryEntry, DirectoryUnavailable

_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")
NOT_FOUND = {"user_not_found", "users_not_found"}


class SlackDirectory:
    channel = CHANNEL

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def mentioned(self, word: str) -> str | None:
        found = _MENTION.match(word.strip())
        return found.group(1) if found else None

    def by_address(self, address: str) -> DirectoryEntry | None:
        return self._ask("users_info", user=address)

    def by_email(self, email: str) -> DirectoryEntry | None:
        return self._ask("users_lookupByEmail", email=email)

    def _ask(self, method: str, **params: str) -> DirectoryEntry | None:
        try:
            response = getattr(self.client, method)(**params)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if error in NOT_FOUND:
                return None
            raise _unavailable(exc, error) from None
        except (SlackClientError, OSError) as exc:
            raise DirectoryUnavailable(
                f"Slack could not be reached ({type(exc).__name__}); try again"
            ) from None
        user = response.get("user")
        if not isinstance(user, dict) or user.get("deleted") or user.get("is_bot"):
            return None
        return _entry(user)


def _unavailable(exc: SlackApiError, error: str) -> DirectoryUnavailable:
    if error == "missing_scope":
        needed = str(exc.response.get("needed") or "")
        return DirectoryUnavailable(
            f"the Slack app lacks the {needed or 'needed'} scope; add it under OAuth & "
            "Permissions and reinstall the app"
        )
    if exc.response.status_code == 429:
        wait = exc.response.headers.get("Retry-After", "a few")
        return DirectoryUnavailable(f"Slack is limiting lookups; try again in {wait} seconds")
    return DirectoryUnavailable(f"Slack refused the lookup ({error or 'no reason given'})")


def _entry(user: dict[str, Any]) -> DirectoryEntry:
    profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
    assert isinstance(profile, dict)
    name = str(user.get("real_name") or profile.get("real_name") or user.get("name") or "")
    return DirectoryEntry(
        channel=CHANNEL,
        address=str(user.get("id") or ""),
        name=" ".join(name.split()),
        timezone=str(user["tz"]) if user.get("tz") else None,
        email=str(profile["email"]) if profile.get("email") else None,
    )
