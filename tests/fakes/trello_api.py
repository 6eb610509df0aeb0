"""A local fake of the Trello REST API (/1), cut to what hirebot's Trello integration calls:
a board's cards and labels, label and card creation, card updates, member search and webhook
registration.

Like Trello it checks the key and token on every call (401 `invalid key` / `invalid token`),
24-hex ids, a known list for a new card, labels and members of that card's board and an ISO due
date (400 with Trello's plain words otherwise); can answer 429 and 5xx on demand; and sends
webhooks signed as Trello does (`X-Trello-Webhook`: base64 HMAC-SHA1 of the body followed by
the callback URL, with the API secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
from datetime import datetime
from typing import Any

from tests.fakes.tracker_server import Answer, Call, FakeTrackerServer, HTTPError

_ID = "([0-9a-f]{24})"


class FakeTrello(FakeTrackerServer):
    def __init__(
        self,
        *,
        key: str = "trello-key",
        token: str = "trello-token",
        secret: str = "trello-secret",
        members: dict[str, str] | None = None,  # e-mail -> member id (members of every board)
    ) -> None:
        self.key, self.token, self.secret = key, token, secret
        self.members = members or {}
        self._ids = itertools.count(1)
        self.boards: dict[str, dict[str, Any]] = {}
        self.lists: dict[str, str] = {}  # list id -> board id
        self.labels: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, dict[str, Any]] = {}
        self.webhooks: list[dict[str, Any]] = []
        super().__init__()

    def new_id(self) -> str:
        return f"{next(self._ids):024x}"

    def add_board(self, *lists: str) -> tuple[str, list[str]]:
        """A board with lists of these names; (board id, list ids)."""
        board = self.new_id()
        self.boards[board] = {"id": board}
        ids = []
        for name in lists:
            list_id = self.new_id()
            self.lists[list_id] = board
            ids.append(list_id)
            self.boards[board].setdefault("list_names", {})[list_id] = name
        return board, ids

    def authorize(self, call: Call) -> Answer | None:
        if call.query.get("key") != self.key:
            return Answer(401, "invalid key")
        if call.query.get("token") != self.token:
            return Answer(401, "invalid token")
        return None

    def routes(self) -> None:
        self.route("GET", f"/1/boards/{_ID}/cards/all", self._board_cards)
        self.route("GET", f"/1/boards/{_ID}/labels", self._board_labels)
        self.route("POST", "/1/labels", self._new_label)
        self.route("GET", "/1/search/members", self._search_members)
        self.route("POST", "/1/cards", self._new_card)
        self.route("PUT", f"/1/cards/{_ID}", self._update_card)
        self.route("POST", "/1/webhooks", self._new_webhook)

    def _board(self, board: str) -> dict[str, Any]:
        if board not in self.boards:
            raise HTTPError(404, "The requested resource was not found.")
        return self.boards[board]

    def _board_cards(self, call: Call, match: re.Match[str]) -> Answer:
        self._board(match.group(1))
        return Answer(200, [c for c in self.cards.values() if c["idBoard"] == match.group(1)])

    def _board_labels(self, call: Call, match: re.Match[str]) -> Answer:
        self._board(match.group(1))
        return Answer(200, [lb for lb in self.labels.values() if lb["idBoard"] == match.group(1)])

    def _new_label(self, call: Call, _m: re.Match[str]) -> Answer:
        board = call.query.get("idBoard", "")
        self._board(board)
        if not call.query.get("name") or call.query.get("color") not in {"blue", "green", None}:
            raise HTTPError(400, "invalid value for name or color")
        label = {"id": self.new_id(), "idBoard": board, "name": call.query["name"], "color": "blue"}
        self.labels[label["id"]] = label
        return Answer(200, label)

    def _search_members(self, call: Call, _m: re.Match[str]) -> Answer:
        member = self.members.get(call.query.get("query", "").lower())
        return Answer(200, [{"id": member, "username": "hire"}] if member else [])

    def _new_card(self, call: Call, _m: re.Match[str]) -> Answer:
        q = call.query
        list_id = q.get("idList", "")
        if list_id not in self.lists:
            raise HTTPError(400, "invalid value for idList")
        board = self.lists[list_id]
        if len(q.get("name", "")) > 16384 or len(q.get("desc", "")) > 16384:
            raise HTTPError(400, "invalid value for name or desc")
        labels = [x for x in q.get("idLabels", "").split(",") if x]
        if any(self.labels.get(x, {}).get("idBoard") != board for x in labels):
            raise HTTPError(400, "invalid value for idLabels")
        members = [x for x in q.get("idMembers", "").split(",") if x]
        if any(m not in self.members.values() for m in members):
            raise HTTPError(400, "invalid value for idMembers")
        if q.get("due"):
            try:
                datetime.fromisoformat(q["due"].replace("Z", "+00:00"))
            except ValueError as exc:
                raise HTTPError(400, "invalid date") from exc
        card_id = self.new_id()
        card = {
            "id": card_id,
            "idBoard": board,
            "idList": list_id,
            "name": q.get("name", ""),
            "desc": q.get("desc", ""),
            "due": q.get("due") or None,
            "dueComplete": False,
            "idLabels": labels,
            "idMembers": members,
            "closed": False,
            "shortUrl": f"https://trello.com/c/{card_id[-8:]}",
        }
        self.cards[card_id] = card
        return Answer(200, card)

    def _card(self, card_id: str) -> dict[str, Any]:
        if card_id not in self.cards:
            raise HTTPError(404, "The requested resource was not found.")
        return self.cards[card_id]

    def _update_card(self, call: Call, match: re.Match[str]) -> Answer:
        card = self._card(match.group(1))
        if "dueComplete" in call.query:
            if call.query["dueComplete"] not in {"true", "false"}:
                raise HTTPError(400, "invalid value for dueComplete")
            card["dueComplete"] = call.query["dueComplete"] == "true"
        if "idList" in call.query:
            if self.lists.get(call.query["idList"]) != card["idBoard"]:
                raise HTTPError(400, "invalid value for idList")
            card["idList"] = call.query["idList"]
        return Answer(200, card)

    def _new_webhook(self, call: Call, _m: re.Match[str]) -> Answer:
        q = call.query
        if not q.get("callbackURL", "").startswith(("http://", "https://")):
            raise HTTPError(400, "invalid value for callbackURL")
        self._board(q.get("idModel", ""))
        hook = {"id": self.new_id(), **q}
        self.webhooks.append(hook)
        return Answer(200, hook)

    # -- what the team does on the board, and the webhook Trello sends -----------------------

    def complete(self, card_id: str, done: bool = True) -> None:
        self._card(card_id)["dueComplete"] = done

    def webhook(
        self, card_id: str, callback_url: str, secret: str | None, **changed: Any
    ) -> tuple[bytes, dict[str, str]]:
        """An `updateCard` action about the card with the fields given as they now are."""
        card = self._card(card_id)
        data: dict[str, Any] = {"card": {"id": card_id, "name": card["name"], **changed}}
        body = json.dumps(
            {
                "action": {"id": self.new_id(), "type": "updateCard", "data": data},
                "model": {"id": card["idBoard"]},
            }
        ).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            digest = hmac.new(secret.encode(), body + callback_url.encode(), hashlib.sha1).digest()
            headers["X-Trello-Webhook"] = base64.b64encode(digest).decode()
        return body, headers
