"""Trello through its documented REST API with httpx (hirebot's HTTP client already).

Why not py-trello: its last release (0.20.1) is years old, it builds on requests-oauthlib, and
its base URL is fixed to api.trello.com, so neither a tests' fake nor an Atlassian-hosted
gateway can be set; the few calls hirebot makes (cards, labels, members, webhooks) are each one
documented request.

Items are cards on the role's board, in its `list`; hirebot's key is written as the last line
of the card's description, and the board's cards are read to find an earlier attempt's card.
Done is the card's due date marked complete (or the card moved to the role's `done_list`).
Trello signs webhooks with `X-Trello-Webhook`: base64 HMAC-SHA1 of the body followed by the
callback URL, with the API secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.trackers import ItemChange, NewItem, RemoteItem, TrackerError, TrackerSpec
from bot.environment import Environment
from bot.trackers.key_line import key_of, with_key
from bot.trackers.webhooks import Delivery, retry_after_of

KIND = "trello"
TIMEOUT = 20.0
CARD_FIELDS = "id,name,desc,due,dueComplete,idList,shortUrl,closed"


class TrelloSettings(BaseSettings):
    """`TRELLO_API_KEY` and `TRELLO_TOKEN` (a token the key's owner granted read and write),
    `TRELLO_API_SECRET` (verifies webhooks), `TRELLO_API_URL` (the API's base URL)."""

    model_config = SettingsConfigDict(env_prefix="TRELLO_", extra="ignore")

    api_key: str | None = None
    token: str | None = None
    api_secret: str | None = None
    api_url: str = "https://api.trello.com/1"


def _due(value: Any) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


class TrelloTracker:
    kind = KIND

    def __init__(self, settings: TrelloSettings) -> None:
        self.settings = settings
        self._http = httpx.Client(base_url=settings.api_url.rstrip("/") + "/", timeout=TIMEOUT)
        self._labels: dict[tuple[str, str], str] = {}  # (board, name) -> label id
        self._lock = threading.Lock()

    def _call(self, doing: str, method: str, path: str, **params: Any) -> Any:
        auth = {"key": self.settings.api_key or "", "token": self.settings.token or ""}
        try:
            response = self._http.request(method, path, params={**auth, **params})
        except httpx.HTTPError as exc:
            raise TrackerError(f"Trello unreachable while {doing}: {type(exc).__name__}") from exc
        if response.status_code == 429:
            raise TrackerError(
                f"Trello 429 while {doing}: rate limited",
                retry_after=retry_after_of(response.headers) or 10.0,
            )
        if response.status_code >= 400:
            text = response.text[:300]
            raise TrackerError(
                f"Trello {response.status_code} while {doing}: {text}",
                retry_after=retry_after_of(response.headers),
                permanent=response.status_code < 500,
            )
        return response.json() if response.content else None

    def _remote(self, card: dict[str, Any], done_list: str = "") -> RemoteItem:
        return RemoteItem(
            external_id=str(card["id"]),
            url=str(card.get("shortUrl") or ""),
            done=bool(card.get("dueComplete"))
            or bool(done_list and card.get("idList") == done_list),
            due=_due(card.get("due")),
            key=key_of(str(card.get("desc") or "")),
        )

    def _cards(self, spec: TrackerSpec) -> list[dict[str, Any]]:
        cards = self._call(
            "reading the board",
            "GET",
            f"boards/{spec.options['board']}/cards/all",
            fields=CARD_FIELDS,
        )
        return [c for c in cards or [] if isinstance(c, dict)]

    def find(self, spec: TrackerSpec, key: str) -> RemoteItem | None:
        done_list = spec.options.get("done_list", "")
        for card in self._cards(spec):
            if key_of(str(card.get("desc") or "")) == key:
                return self._remote(card, done_list)
        return None

    def _label_ids(self, board: str, names: Sequence[str]) -> list[str]:
        """The board's labels by name, created when missing (Trello labels cards by id)."""
        with self._lock:
            missing = [n for n in names if (board, n) not in self._labels]
            if missing:
                for label in self._call("reading labels", "GET", f"boards/{board}/labels") or []:
                    self._labels[(board, str(label.get("name")))] = str(label["id"])
            for name in names:
                if (board, name) not in self._labels:
                    made = self._call(
                        "creating a label", "POST", "labels", name=name, color="blue", idBoard=board
                    )
                    self._labels[(board, name)] = str(made["id"])
            return [self._labels[(board, n)] for n in names]

    def _member(self, board: str, email: str | None) -> str | None:
        if not email:
            return None
        found = self._call(
            "looking up the assignee", "GET", "search/members", query=email, idBoard=board, limit=1
        )
        return str(found[0]["id"]) if found else None

    def create(self, spec: TrackerSpec, item: NewItem) -> RemoteItem:
        board = spec.options["board"]
        params: dict[str, Any] = {
            "idList": spec.options["list"],
            "name": item.title,
            "desc": with_key(item.description, item.key),
            "pos": "bottom",
        }
        labels = self._label_ids(board, list(item.labels))
        if labels:
            params["idLabels"] = ",".join(labels)
        if item.due is not None:
            params["due"] = f"{item.due.isoformat()}T12:00:00.000Z"
        member = self._member(board, item.assignee_email)
        if member:
            params["idMembers"] = member
        card = self._call("creating a card", "POST", "cards", **params)
        return self._remote(card)

    def set_done(self, spec: TrackerSpec, external_id: str, done: bool) -> None:
        params: dict[str, Any] = {"dueComplete": "true" if done else "false"}
        done_list = spec.options.get("done_list")
        if done and done_list:
            params["idList"] = done_list
        elif not done and done_list:
            params["idList"] = spec.options["list"]
        self._call("updating the card", "PUT", f"cards/{external_id}", **params)

    def fetch(self, spec: TrackerSpec, external_ids: Sequence[str]) -> list[RemoteItem]:
        wanted = set(external_ids)
        done_list = spec.options.get("done_list", "")
        return [self._remote(c, done_list) for c in self._cards(spec) if c.get("id") in wanted]

    def register_webhook(self, spec: TrackerSpec, callback_url: str) -> str:
        made = self._call(
            "registering the webhook",
            "POST",
            "webhooks",
            callbackURL=callback_url,
            idModel=spec.options["board"],
            description=f"hirebot: board {spec.options['board']}",
        )
        return str(made.get("id") or "")


def build(env: Environment) -> TrelloTracker | None:
    settings = env.channel_settings(TrelloSettings)
    if not settings.api_key or not settings.token:
        return None
    return TrelloTracker(settings)


def signature(secret: str, body: bytes, callback_url: str) -> str:
    """Trello's X-Trello-Webhook: base64 HMAC-SHA1 of the body and the callback URL."""
    digest = hmac.new(secret.encode(), body + callback_url.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class TrelloWebhooks:
    """Trello's deliveries: one action each, about a card on a watched board."""

    kind = KIND

    def __init__(self, secret: str | None) -> None:
        self.secret = secret

    def handshake(self, delivery: Delivery) -> dict[str, str] | None:
        return None  # Trello's check is a HEAD request, answered by the route

    def verify(self, delivery: Delivery, stored: Sequence[str]) -> bool:
        given = delivery.headers.get("x-trello-webhook", "")
        if not self.secret or not given:
            return False
        wanted = signature(self.secret, delivery.body, delivery.callback_url)
        return hmac.compare_digest(given, wanted)

    def event_key(self, delivery: Delivery, payload: dict[str, Any]) -> str:
        action = payload.get("action") or {}
        return f"trello:{action.get('id')}"

    def changes(self, payload: dict[str, Any]) -> list[ItemChange]:
        action = payload.get("action") or {}
        data = action.get("data") or {}
        card = data.get("card")
        if not isinstance(card, dict) or not card.get("id"):
            return []
        done: bool | None = None
        if "dueComplete" in card:
            done = bool(card["dueComplete"])
        after = data.get("listAfter") or {}
        if str(after.get("name", "")).strip().lower() == "done":
            done = True
        return [
            ItemChange(
                kind=KIND,
                external_id=str(card["id"]),
                done=done,
                due=_due(card.get("due")),
                due_known="due" in card,
                event_id=str(action.get("id") or ""),
            )
        ]


def verifier(env: Environment) -> TrelloWebhooks:
    return TrelloWebhooks(env.channel_settings(TrelloSettings).api_secret)
